package spec

import (
	"path"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

// runcMaskedPaths are the paths runc's own default spec masks.
var runcMaskedPaths = []string{
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware", "/sys/devices/virtual/powercap",
}

// agentMaskedPaths are masked on top of runc's: kernel internals that help
// an agent turn a kernel bug into an exploit, or leak what other tenants
// of the host do, and that no ordinary program reads.
var agentMaskedPaths = []string{
	// Kernel symbol addresses: defeat KASLR where kptr_restrict is lax.
	"/proc/kallsyms",
	// The kernel log, with addresses and other tenants' messages.
	"/proc/kmsg",
	// The kernel build configuration tells which hardening is absent.
	"/proc/config.gz",
	// Loaded modules and their load addresses.
	"/proc/modules",
	// Kernel heap, vmalloc and physical memory layout, used to groom
	// heap exploits and aim Rowhammer.
	"/proc/slabinfo", "/proc/vmallocinfo", "/proc/iomem", "/proc/ioports",
	"/proc/kpagecount", "/proc/kpageflags", "/proc/kpagecgroup",
	// Per-CPU interrupt counts: a timing side channel on other tenants'
	// keystrokes and network traffic.
	"/proc/interrupts",
}

// runcReadonlyPaths are the paths runc's default spec makes read-only.
var runcReadonlyPaths = []string{
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
}

// maskPaths adds runc's masked paths, agentrt's and the policy's hidden
// paths to linux.maskedPaths, keeping the engine's. It applies in audit
// mode too: it is runc's baseline, and an audit run should not show the
// agent more of the host than runc would.
func maskPaths(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	l := linux(s)
	l.MaskedPaths = appendMissing(l.MaskedPaths, runcMaskedPaths, agentMaskedPaths, cleanAll(p.Filesystem.Hidden))
	return nil
}

// readonlyPaths adds runc's read-only paths to linux.readonlyPaths,
// keeping the engine's; in audit mode too, like maskPaths.
func readonlyPaths(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	l := linux(s)
	l.ReadonlyPaths = appendMissing(l.ReadonlyPaths, runcReadonlyPaths)
	return nil
}

// readonlySysfs makes the spec's sysfs and cgroup mounts read-only: a
// writable sysfs lets root in the container reconfigure host devices,
// and a writable cgroup v1 hierarchy has been an escape (release_agent,
// CVE-2022-0492).
func readonlySysfs(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	for i := range s.Mounts {
		m := &s.Mounts[i]
		if !slices.Contains([]string{"sysfs", "cgroup", "cgroup2"}, m.Type) || isBind(*m) {
			continue
		}
		if readonlyMount(*m) {
			continue
		}
		if auditing(p) {
			plan.warnf("audit: enforce would mount %q read-only", m.Destination)
			continue
		}
		m.Options = append(slices.DeleteFunc(m.Options, func(o string) bool { return o == "rw" || o == "ro" }), "ro")
	}
	return nil
}

// appendMissing appends to list every path of the others not in it yet,
// in order.
func appendMissing(list []string, others ...[]string) []string {
	for _, o := range others {
		for _, p := range o {
			if !slices.Contains(list, p) {
				list = append(list, p)
			}
		}
	}
	return list
}

// cleanAll returns the paths cleaned.
func cleanAll(paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = path.Clean(p)
	}
	return out
}
