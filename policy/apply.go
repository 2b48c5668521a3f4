package policy

import (
	"strconv"
)

// violation is one part of an ask beyond the ceiling: the value as text
// and the admin key, relative to the profile, that would allow it.
type violation struct {
	value string
	key   string
}

// applier applies one requestable field: it writes the ask, cut down to
// what the defaults and the ceiling allow, into the policy and returns
// what it cut.
type applier struct {
	field string
	isSet func(*Request) bool
	apply func(*resolver, *Request) []violation
}

// appliers lists every requestable field, in the order Resolve applies
// and Request.Fields lists them.
var appliers = []applier{
	{"mode", func(r *Request) bool { return r.Mode != nil }, applyMode},
	{"filesystem.read_only_rootfs", func(r *Request) bool { return r.Filesystem != nil && r.Filesystem.ReadOnlyRootfs != nil }, applyReadOnlyRootfs},
	{"filesystem.readable", func(r *Request) bool { return r.Filesystem != nil && r.Filesystem.Readable != nil }, applyReadable},
	{"filesystem.writable", func(r *Request) bool { return r.Filesystem != nil && r.Filesystem.Writable != nil }, applyWritable},
	{"filesystem.executable", func(r *Request) bool { return r.Filesystem != nil && r.Filesystem.Executable != nil }, applyExecutable},
	{"filesystem.hidden", func(r *Request) bool { return r.Filesystem != nil && r.Filesystem.Hidden != nil }, applyHidden},
	{"filesystem.writable_executable", func(r *Request) bool { return r.Filesystem != nil && r.Filesystem.WritableExecutable != nil }, applyWritableExecutable},
	{"network.egress", func(r *Request) bool { return r.Network != nil && r.Network.Egress != nil }, applyEgress},
	{"network.allow", func(r *Request) bool { return r.Network != nil && r.Network.Allow != nil }, applyAllow},
	{"process.capabilities", func(r *Request) bool { return r.Process != nil && r.Process.Capabilities != nil }, applyCapabilities},
	{"process.seccomp", func(r *Request) bool { return r.Process != nil && r.Process.Seccomp != nil }, applySeccomp},
	{"process.rlimits", func(r *Request) bool { return r.Process != nil && r.Process.Rlimits != nil }, applyRlimits},
	{"resources.memory_bytes", func(r *Request) bool { return r.Resources != nil && r.Resources.MemoryBytes != nil }, applyMemory},
	{"resources.pids", func(r *Request) bool { return r.Resources != nil && r.Resources.Pids != nil }, applyPids},
	{"resources.milli_cpus", func(r *Request) bool { return r.Resources != nil && r.Resources.MilliCPUs != nil }, applyMilliCPUs},
	{"isolation.host_network", func(r *Request) bool { return r.Isolation != nil && r.Isolation.HostNetwork != nil }, applyHostNetwork},
	{"isolation.host_pid", func(r *Request) bool { return r.Isolation != nil && r.Isolation.HostPID != nil }, applyHostPID},
	{"isolation.mount_sources", func(r *Request) bool { return r.Isolation != nil && r.Isolation.MountSources != nil }, applyMountSources},
	{"landlock.min_abi", func(r *Request) bool { return r.Landlock != nil && r.Landlock.MinABI != nil }, applyMinABI},
	{"landlock.best_effort", func(r *Request) bool { return r.Landlock != nil && r.Landlock.BestEffort != nil }, applyBestEffort},
}

func applyMode(s *resolver, r *Request) []violation {
	allowed := make([]string, len(s.ceil.Modes))
	for i, m := range s.ceil.Modes {
		allowed[i] = string(m)
	}
	got, vs := clampOrdered(modeOrder, string(s.def.Mode), string(*r.Mode), allowed, "ceiling.modes")
	s.pol.Mode = Mode(got)
	return vs
}

func applyEgress(s *resolver, r *Request) []violation {
	widest := max(egressOrder.rank(string(s.ceil.Network.Egress)), 0)
	got, vs := clampOrdered(egressOrder, string(s.def.Network.Egress), string(*r.Network.Egress),
		egressOrder[:widest+1], "ceiling.network.egress")
	s.pol.Network.Egress = EgressMode(got)
	return vs
}

func applySeccomp(s *resolver, r *Request) []violation {
	got, vs := clampOrdered(seccompOrder, s.def.Process.Seccomp, *r.Process.Seccomp,
		s.ceil.Process.Seccomp, "ceiling.process.seccomp")
	s.pol.Process.Seccomp = got
	return vs
}

// clampOrdered returns want if it is no wider than the widest of def and
// allowed (allowing a value allows everything tighter); else that widest
// value, with a violation.
func clampOrdered(order ordered, def, want string, allowed []string, key string) (string, []violation) {
	widest := order.rank(def)
	for _, a := range allowed {
		widest = max(widest, order.rank(a))
	}
	if order.rank(want) <= widest {
		return want, nil
	}
	return order[widest], []violation{{want, key}}
}

// clampFlag applies a boolean whose value wide is the widening one.
func clampFlag(want, def, wide, allowed bool, key string) (bool, []violation) {
	if want != wide || def == wide || allowed {
		return want, nil
	}
	return def, []violation{{strconv.FormatBool(want), key}}
}

func applyReadOnlyRootfs(s *resolver, r *Request) []violation {
	got, vs := clampFlag(*r.Filesystem.ReadOnlyRootfs, s.def.Filesystem.ReadOnlyRootfs, false,
		s.ceil.Filesystem.WritableRootfs, "ceiling.filesystem.writable_rootfs")
	s.pol.Filesystem.ReadOnlyRootfs = got
	return vs
}

func applyHostNetwork(s *resolver, r *Request) []violation {
	got, vs := clampFlag(*r.Isolation.HostNetwork, s.def.Isolation.HostNetwork, true,
		s.ceil.Isolation.HostNetwork, "ceiling.isolation.host_network")
	s.pol.Isolation.HostNetwork = got
	return vs
}

func applyHostPID(s *resolver, r *Request) []violation {
	got, vs := clampFlag(*r.Isolation.HostPID, s.def.Isolation.HostPID, true,
		s.ceil.Isolation.HostPID, "ceiling.isolation.host_pid")
	s.pol.Isolation.HostPID = got
	return vs
}

// applyBestEffort: no ceiling allows best effort; only the profile can.
func applyBestEffort(s *resolver, r *Request) []violation {
	got, vs := clampFlag(*r.Landlock.BestEffort, s.def.Landlock.BestEffort, true, false,
		"defaults.landlock.best_effort")
	s.pol.Landlock.BestEffort = got
	return vs
}

// applyMinABI: a request may raise the floor, never lower it.
func applyMinABI(s *resolver, r *Request) []violation {
	want, def := *r.Landlock.MinABI, s.def.Landlock.MinABI
	if want >= def {
		s.pol.Landlock.MinABI = want
		return nil
	}
	s.pol.Landlock.MinABI = def
	return []violation{{strconv.Itoa(want), "defaults.landlock.min_abi"}}
}

func applyMemory(s *resolver, r *Request) []violation {
	got, vs := clampLimit(*r.Resources.MemoryBytes, s.def.Resources.MemoryBytes,
		s.ceil.Resources.MemoryBytes, "ceiling.resources.memory_bytes")
	s.pol.Resources.MemoryBytes = got
	return vs
}

func applyPids(s *resolver, r *Request) []violation {
	got, vs := clampLimit(*r.Resources.Pids, s.def.Resources.Pids, s.ceil.Resources.Pids, "ceiling.resources.pids")
	s.pol.Resources.Pids = got
	return vs
}

func applyMilliCPUs(s *resolver, r *Request) []violation {
	got, vs := clampLimit(*r.Resources.MilliCPUs, s.def.Resources.MilliCPUs,
		s.ceil.Resources.MilliCPUs, "ceiling.resources.milli_cpus")
	s.pol.Resources.MilliCPUs = got
	return vs
}

// clampLimit applies a limit where 0 is "no limit": anything is narrower
// than no default limit; a positive ask up to the default narrows; up to
// a positive ceiling widens within it. Beyond, the higher of the default
// and the ceiling applies.
func clampLimit(want, def, ceil int64, key string) (int64, []violation) {
	if def == 0 || want > 0 && want <= max(def, ceil) {
		return want, nil
	}
	return max(def, ceil), []violation{{strconv.FormatInt(want, 10), key}}
}
