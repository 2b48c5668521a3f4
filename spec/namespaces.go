package spec

import (
	"fmt"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

// requiredNamespaces are the namespaces an agent gets of its own.
var requiredNamespaces = []specs.LinuxNamespaceType{specs.PIDNamespace, specs.IPCNamespace,
	specs.UTSNamespace, specs.MountNamespace, specs.NetworkNamespace, specs.CgroupNamespace}

// hostShares are the namespaces whose absence means sharing the host's
// and which the admin may allow, with the admin setting that does.
var hostShares = map[specs.LinuxNamespaceType]struct{ what, key string }{
	specs.NetworkNamespace: {"network", "isolation.host_network"},
	specs.PIDNamespace:     {"pid", "isolation.host_pid"},
}

// requireNamespaces gives the agent its own pid, ipc, uts, mount, network
// and cgroup namespaces. A missing entry means the host's namespace: for
// network and pid that is refused unless the admin allows it, the others
// are added. An entry with a path joins an existing namespace (a pod's,
// podman's) and is kept, except a path into PID 1's namespaces, which are
// the host's.
func requireNamespaces(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	l := linux(s)
	var errs []error
	for i, ns := range l.Namespaces {
		if share, ok := hostShares[ns.Type]; ok && isHostNamespacePath(ns.Path) && !hostAllowed(p, ns.Type) {
			errs = append(errs, &RefusalError{Field: fmt.Sprintf("linux.namespaces[%d].path", i),
				Value: ns.Path, Reason: "joins the host's " + share.what + " namespace", Key: share.key})
		}
	}
	for _, t := range requiredNamespaces {
		if hasNamespace(l, t) {
			continue
		}
		if share, ok := hostShares[t]; ok {
			if !hostAllowed(p, t) {
				errs = append(errs, &RefusalError{Field: "linux.namespaces", Value: string(t),
					Reason: "no entry, so the agent would share the host's " + share.what + " namespace",
					Key:    share.key})
			}
			continue
		}
		if auditing(p) {
			plan.warnf("audit: enforce would add a %s namespace", t)
			continue
		}
		l.Namespaces = append(l.Namespaces, specs.LinuxNamespace{Type: t})
	}
	return refuse(p, plan, errs)
}

// hasNamespace reports whether the spec has an entry of type t.
func hasNamespace(l *specs.Linux, t specs.LinuxNamespaceType) bool {
	return slices.ContainsFunc(l.Namespaces, func(ns specs.LinuxNamespace) bool { return ns.Type == t })
}

// hostAllowed reports whether the admin lets the agent share the host's
// namespace of type t.
func hostAllowed(p *policy.Policy, t specs.LinuxNamespaceType) bool {
	switch t {
	case specs.NetworkNamespace:
		return p.Isolation.HostNetwork
	case specs.PIDNamespace:
		return p.Isolation.HostPID
	}
	return false
}

// isHostNamespacePath reports whether a namespace path names one of the
// host init process's namespaces. Other paths cannot be told apart
// without I/O, which is the runtime's.
func isHostNamespacePath(p string) bool {
	return strings.HasPrefix(p, "/proc/1/ns/")
}
