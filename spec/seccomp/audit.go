package seccomp

import (
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// compatArches are the compat ABIs of each native architecture. Audit
// lists them so that their calls are logged instead of killed as a bad
// architecture.
var compatArches = map[specs.Arch][]specs.Arch{
	specs.ArchX86_64:  {specs.ArchX86, specs.ArchX32},
	specs.ArchAARCH64: {specs.ArchARM},
}

// Audit returns a copy of p that logs where p would deny: a denying
// default action and every denying rule become SCMP_ACT_LOG, without
// errnoRet. Permitting rules are unchanged. The compat ABIs of the listed
// architectures are added, since libseccomp's bad-arch action would
// otherwise still kill their calls. Note that runc adds no -ENOSYS stub
// to a filter whose default action is LOG.
func Audit(p *specs.LinuxSeccomp) *specs.LinuxSeccomp {
	out := clone(p)
	if out == nil {
		return nil
	}
	if !permitting(out.DefaultAction) {
		out.DefaultAction, out.DefaultErrnoRet = specs.ActLog, nil
	}
	for i := range out.Syscalls {
		sc := &out.Syscalls[i]
		if !permitting(sc.Action) {
			sc.Action, sc.ErrnoRet = specs.ActLog, nil
		}
	}
	for _, native := range p.Architectures {
		for _, compat := range compatArches[native] {
			if !slices.Contains(out.Architectures, compat) {
				out.Architectures = append(out.Architectures, compat)
			}
		}
	}
	return out
}
