package seccomp

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// rules writes the merged entries as runtime-spec rules: for each verdict,
// in rank order, one rule naming every call it applies to without
// conditions, then the conditional rules by call name.
func (m *merger) rules() []specs.LinuxSyscall {
	entries := slices.Clone(m.out)
	slices.SortStableFunc(entries, func(x, y entry) int {
		return cmp.Or(
			cmp.Compare(x.verdict.rank(), y.verdict.rank()),
			cmp.Compare(x.verdict.errno, y.verdict.errno),
			cmp.Compare(min(len(x.args), 1), min(len(y.args), 1)),
			cmp.Compare(x.name, y.name))
	})
	var out []specs.LinuxSyscall
	for i, e := range entries {
		if len(e.args) == 0 && i > 0 && len(entries[i-1].args) == 0 &&
			entries[i-1].verdict == e.verdict {
			last := &out[len(out)-1]
			if !slices.Contains(last.Names, e.name) {
				last.Names = append(last.Names, e.name)
			}
			continue
		}
		out = append(out, specs.LinuxSyscall{Names: []string{e.name}, Action: e.verdict.action,
			ErrnoRet: e.verdict.errnoRet(), Args: e.args})
	}
	return out
}

// mergeArches returns the agent's architectures that the engine also
// lists; an engine listing none (runc then uses the native architecture
// only) leaves the agent's. Architectures only the engine lists (the x86
// and x32 compat ABIs in Docker's and podman's profiles) are left out, so
// their calls get libseccomp's bad-arch action.
func mergeArches(agent, engine []specs.Arch) []specs.Arch {
	if len(engine) == 0 {
		return slices.Clone(agent)
	}
	var out []specs.Arch
	for _, a := range agent {
		if slices.Contains(engine, a) {
			out = append(out, a)
		}
	}
	return out
}

// mergeFlags returns the union of both sides' filter flags, except
// SECCOMP_FILTER_FLAG_SPEC_ALLOW, which would turn off the Speculative
// Store Bypass mitigation for the agent.
func mergeFlags(agent, engine []specs.LinuxSeccompFlag, notes []string) ([]specs.LinuxSeccompFlag, []string) {
	var out []specs.LinuxSeccompFlag
	for _, f := range slices.Concat(agent, engine) {
		if f == specs.LinuxSeccompFlagSpecAllow {
			notes = append(notes, fmt.Sprintf("flag %q dropped: it turns off the "+
				"Speculative Store Bypass mitigation", f))
			continue
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, notes
}

// clone returns a deep copy of a profile.
func clone(p *specs.LinuxSeccomp) *specs.LinuxSeccomp {
	if p == nil {
		return nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		panic(fmt.Sprintf("seccomp: marshal profile: %v", err)) // plain data cannot fail
	}
	var out specs.LinuxSeccomp
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("seccomp: unmarshal profile: %v", err))
	}
	return &out
}
