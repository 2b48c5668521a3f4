package seccomp

import (
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// verdict is what a profile answers: an action and, for SCMP_ACT_ERRNO and
// SCMP_ACT_TRACE, its return code.
type verdict struct {
	action specs.LinuxSeccompAction
	errno  uint
}

// newVerdict normalises an action and its errnoRet the way runc reads
// them: SCMP_ACT_ERRNO without errnoRet answers EPERM, SCMP_ACT_KILL is
// SCMP_ACT_KILL_THREAD, and only ERRNO and TRACE carry a code.
func newVerdict(a specs.LinuxSeccompAction, errno *uint) verdict {
	v := verdict{action: a}
	switch a {
	case specs.ActErrno:
		v.errno = EPERM
		if errno != nil {
			v.errno = *errno
		}
	case specs.ActTrace:
		if errno != nil {
			v.errno = *errno
		}
	case specs.ActKill:
		v.action = specs.ActKillThread
	}
	return v
}

// permits reports whether the verdict lets the call run.
func (v verdict) permits() bool { return permitting(v.action) }

// errnoRet returns the verdict's code as a runtime-spec errnoRet.
func (v verdict) errnoRet() *uint {
	if v.action == specs.ActErrno || (v.action == specs.ActTrace && v.errno != 0) {
		return errnoPtr(v.errno)
	}
	return nil
}

// rank orders verdicts for output, permitting ones first.
func (v verdict) rank() int {
	order := []specs.LinuxSeccompAction{specs.ActAllow, specs.ActLog, specs.ActTrace,
		specs.ActNotify, specs.ActErrno, specs.ActTrap, specs.ActKillThread, specs.ActKillProcess}
	return slices.Index(order, v.action)
}

// rule is one argument clause of one system call with its verdict. args
// keeps the rule's conditions as written, for copying an engine's denial
// unchanged.
type rule struct {
	clause  clause
	verdict verdict
	args    []specs.LinuxSeccompArg
}

// table is a profile read per system call.
type table struct {
	def     verdict
	permits map[string][]rule
	denies  map[string][]rule
}

// newTable reads a validated profile. A rule with two conditions on one
// argument is read as runc applies it: one rule per condition.
func newTable(p *specs.LinuxSeccomp) *table {
	t := &table{
		def:     newVerdict(p.DefaultAction, p.DefaultErrnoRet),
		permits: map[string][]rule{},
		denies:  map[string][]rule{},
	}
	for _, sc := range p.Syscalls {
		v := newVerdict(sc.Action, sc.ErrnoRet)
		for _, name := range sc.Names {
			for _, cl := range runcClauses(sc.Args) {
				r := rule{clause: cl, verdict: v, args: sc.Args}
				if v.permits() {
					t.permits[name] = append(t.permits[name], r)
				} else {
					t.denies[name] = append(t.denies[name], r)
				}
			}
		}
	}
	return t
}

// runcClauses returns the clauses runc installs for a rule's arguments:
// one clause with all of them, or, when one argument is compared twice,
// one clause per condition.
func runcClauses(args []specs.LinuxSeccompArg) []clause {
	seen := map[uint]bool{}
	for _, a := range args {
		if seen[a.Index] {
			out := make([]clause, len(args))
			for i, a := range args {
				out[i] = clause{a}
			}
			return out
		}
		seen[a.Index] = true
	}
	return []clause{slices.Clone(args)}
}

// names returns every system call either table mentions, sorted.
func names(a, b *table) []string {
	set := map[string]bool{}
	for _, t := range []*table{a, b} {
		for _, m := range []map[string][]rule{t.permits, t.denies} {
			for n := range m {
				set[n] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// region is a set of argument values with the verdict a profile gives it.
type region struct {
	f       formula
	verdict verdict
}

// permitted returns where the table lets name run, with each part's
// verdict: every permitting rule minus every denial (deny wins), and, for
// a table whose default permits, everything else not denied.
func (t *table) permitted(name string) ([]region, int, error) {
	denies := clauses(t.denies[name])
	var out []region
	var other []clause // permitting rules whose verdict differs from the default
	dropped := 0
	for _, p := range t.permits[name] {
		if t.def.permits() && p.verdict == t.def {
			continue // the default region below covers it
		}
		other = append(other, p.clause)
		f, d, ok := andNot(formula{p.clause}, denies)
		dropped += d
		if !ok {
			return nil, dropped, tooComplex(name)
		}
		out = append(out, region{f, p.verdict})
	}
	if t.def.permits() {
		f, d, ok := andNot(truth(), append(slices.Clone(denies), other...))
		dropped += d
		if !ok {
			return nil, dropped, tooComplex(name)
		}
		out = append(out, region{f, t.def})
	}
	return out, dropped, nil
}

// clauses returns the clauses of rules.
func clauses(rules []rule) []clause {
	out := make([]clause, len(rules))
	for i, r := range rules {
		out[i] = r.clause
	}
	return out
}

// tooComplex returns the error for a system call whose conditions blow up.
func tooComplex(name string) error {
	return fmt.Errorf("system call %q: %w", name, ErrTooComplex)
}
