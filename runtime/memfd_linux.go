package runtime

import (
	"os"

	"github.com/opencontainers/runc/libcontainer/configs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// memfdNoexec is the sysctl that seals memfds against execution. It is
// per pid namespace (Linux 6.3): written inside the container's, it binds
// the container alone.
const memfdNoexec = "vm.memfd_noexec"

// maybeSealMemfds makes init set vm.memfd_noexec to 2 in the container's
// new pid namespace: a memfd is then created sealed against execution, and
// MFD_EXEC is refused. Without it an agent can write a binary into a memfd
// and execute it (execveat, or /proc/self/fd/N) past Landlock's execute
// rights, which do not apply to memfd's internal mount: W^X would not hold.
//
// libcontainer's validator allows only the sysctls it knew to be
// namespaced, and this one is newer, so the sysctl is added to the config
// after libcontainer.Create validated it; init writes it with the others,
// inside the container's namespaces, before /proc/sys is made read-only.
// It is added only for a pid namespace of the container's own: joined by
// path, the namespace may be another container's or, refused later by the
// live check, the host's, whose setting agentrt must never change.
func maybeSealMemfds(cfg *configs.Config, s *specs.Spec, landlocked bool) {
	if !landlocked || !ownsPidNamespace(s) {
		return
	}
	if _, err := os.Stat("/proc/sys/vm/memfd_noexec"); err != nil {
		return // before Linux 6.3: no memfd seal, and no such sysctl to set
	}
	if cfg.Sysctl == nil {
		cfg.Sysctl = map[string]string{}
	}
	if _, set := cfg.Sysctl[memfdNoexec]; !set {
		cfg.Sysctl[memfdNoexec] = "2"
	}
}

// ownsPidNamespace reports whether the spec creates a new pid namespace.
func ownsPidNamespace(s *specs.Spec) bool {
	if s.Linux == nil {
		return false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == specs.PIDNamespace {
			return ns.Path == ""
		}
	}
	return false
}
