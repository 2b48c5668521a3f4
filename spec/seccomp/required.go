package seccomp

import (
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// requiredSyscalls are allowed whatever the engine's profile says: the
// runtime applies Landlock from inside the container after the filter is
// installed, and Landlock can only take rights away. Engine profiles older
// than Landlock (Docker's before 23.0) deny these calls.
var requiredSyscalls = []string{"landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"}

// RequiredSyscalls returns the system calls every profile agentrt
// installs allows: the Landlock calls.
func RequiredSyscalls() []string { return slices.Clone(requiredSyscalls) }

// AllowRequired returns a copy of p that allows the required system calls
// without conditions, and a note for each one p did not allow so.
func AllowRequired(p *specs.LinuxSeccomp) (*specs.LinuxSeccomp, []string) {
	if p == nil {
		return nil, nil
	}
	out := clone(p)
	var notes []string
	for _, name := range requiredSyscalls {
		if !allowsUnconditionally(out, name) {
			notes = append(notes, fmt.Sprintf("system call %q allowed although the engine's "+
				"profile does not allow it: agentrt applies Landlock with it", name))
		}
	}
	out.Syscalls = slices.DeleteFunc(out.Syscalls, func(sc specs.LinuxSyscall) bool {
		return len(withoutRequired(sc.Names)) == 0
	})
	for i := range out.Syscalls {
		out.Syscalls[i].Names = withoutRequired(out.Syscalls[i].Names)
	}
	if permitting(out.DefaultAction) {
		return out, notes
	}
	for i, sc := range out.Syscalls {
		if sc.Action == specs.ActAllow && len(sc.Args) == 0 {
			out.Syscalls[i].Names = append(out.Syscalls[i].Names, requiredSyscalls...)
			slices.Sort(out.Syscalls[i].Names)
			return out, notes
		}
	}
	out.Syscalls = append([]specs.LinuxSyscall{{Names: RequiredSyscalls(), Action: specs.ActAllow}}, out.Syscalls...)
	return out, notes
}

// allowsUnconditionally reports whether p lets name run for every argument:
// an unconditional permitting rule (runc lets it shadow conditional ones),
// or a permitting default with no rule for name.
func allowsUnconditionally(p *specs.LinuxSeccomp, name string) bool {
	mentioned := false
	for _, sc := range p.Syscalls {
		if !slices.Contains(sc.Names, name) {
			continue
		}
		mentioned = true
		if len(sc.Args) == 0 {
			return sc.Action == specs.ActAllow
		}
	}
	return !mentioned && permitting(p.DefaultAction)
}

// withoutRequired returns names without the required system calls.
func withoutRequired(names []string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool {
		return slices.Contains(requiredSyscalls, n)
	})
}
