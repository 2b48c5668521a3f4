package seccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// call is one system call with its arguments, for evaluating profiles.
type call struct {
	name string
	args [6]uint64
}

// String names the call for test messages.
func (c call) String() string { return fmt.Sprintf("%s%v", c.name, c.args) }

// evaluate answers a call the way libseccomp evaluates the filter runc
// builds from p: an unconditional rule wins over conditional ones (the
// first such rule, if several), conditional rules must agree where they
// overlap (the result would depend on libseccomp's tree order, which a
// generated profile must never rely on), and otherwise the default
// applies.
func evaluate(p *specs.LinuxSeccomp, c call) (verdict, error) {
	var uncond, cond []verdict
	for _, sc := range p.Syscalls {
		if !containsName(sc.Names, c.name) {
			continue
		}
		v := newVerdict(sc.Action, sc.ErrnoRet)
		if len(sc.Args) == 0 {
			uncond = append(uncond, v)
			continue
		}
		for _, cl := range runcClauses(sc.Args) {
			if clauseHolds(cl, c.args) {
				cond = append(cond, v)
			}
		}
	}
	switch {
	case len(uncond) > 0:
		return uncond[0], nil
	case len(cond) == 0:
		return newVerdict(p.DefaultAction, p.DefaultErrnoRet), nil
	}
	for _, v := range cond[1:] {
		if v != cond[0] {
			return verdict{}, fmt.Errorf("%v: overlapping rules answer %v and %v", c, cond[0], v)
		}
	}
	return cond[0], nil
}

// clauseHolds reports whether every condition holds for args.
func clauseHolds(cl clause, args [6]uint64) bool {
	for _, c := range cl {
		if !holds(c, args[c.Index]) {
			return false
		}
	}
	return true
}

// containsName reports whether names holds n.
func containsName(names []string, n string) bool {
	for _, m := range names {
		if m == n {
			return true
		}
	}
	return false
}

// Verdicts used in tests.
var (
	allowed = verdict{action: specs.ActAllow}
	logged  = verdict{action: specs.ActLog}
	eperm   = verdict{action: specs.ActErrno, errno: EPERM}
	enosys  = verdict{action: specs.ActErrno, errno: ENOSYS}
)

// errnoV returns the ERRNO verdict for e.
func errnoV(e uint) verdict { return verdict{action: specs.ActErrno, errno: e} }

// Argument values used in tests.
const (
	sigchld      = 17
	cloneNewUser = 0x10000000
	cloneNewNet  = 0x40000000
	cloneVM      = 0x100
	cloneVfork   = 0x4000
	cloneThread  = 0x10000
	sockCloexec  = 0x80000
	sockNonblock = 0x800
	netlinkAudit = 9
)
