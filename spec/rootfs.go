package spec

import (
	"fmt"
	"path"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

// stickyDirs are writable paths every user writes in, which get a sticky,
// world-writable tmpfs like the host's.
var stickyDirs = []string{"/tmp", "/var/tmp", "/dev/shm"}

// readonlyRootfs makes the rootfs read-only when the policy asks for it
// and gives every writable path of the policy a writable mount: an
// engine's mount at that destination is kept as it is (a read-only one is
// left read-only, with a warning: the user asked for it), a path beneath a
// writable mount needs nothing, and any other path gets a tmpfs. runc
// creates missing mountpoints before it remounts the rootfs read-only, so
// a tmpfs at a path the image lacks works.
func readonlyRootfs(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	if !p.Filesystem.ReadOnlyRootfs {
		plan.set(LayerReadOnlyRootfs, StatusOff, "policy filesystem.read_only_rootfs is false")
		return nil
	}
	if s.Root == nil {
		return invalidf("root: missing, so the rootfs cannot be made read-only")
	}
	if auditing(p) {
		plan.warnf("audit: enforce would make the rootfs read-only and mount the writable paths")
		plan.set(LayerReadOnlyRootfs, StatusAudit, "not applied (a read-only rootfs has no log-only mode)")
		return nil
	}
	s.Root.Readonly = true
	for _, w := range cleanAll(p.Filesystem.Writable) {
		if w == "/" {
			plan.warnf("writable path \"/\" ignored: the rootfs is read-only")
			continue
		}
		addWritableMount(s, p, plan, w)
	}
	plan.set(LayerReadOnlyRootfs, StatusEnforced, "")
	return nil
}

// addWritableMount makes the writable path w writable on a read-only rootfs.
func addWritableMount(s *specs.Spec, p *policy.Policy, plan *Plan, w string) {
	if i := mountAt(s.Mounts, w); i >= 0 {
		if readonlyMount(s.Mounts[i]) {
			plan.warnf("writable path %q: mounts[%d] mounts it read-only; left read-only", w, i)
		}
		return
	}
	if i := coveringMount(s.Mounts, w); i >= 0 && writableMount(s.Mounts[i]) {
		return
	}
	m := tmpfsFor(s, p, w)
	at := slices.IndexFunc(s.Mounts, func(m specs.Mount) bool { return under(path.Clean(m.Destination), w) })
	if at < 0 {
		at = len(s.Mounts)
	}
	// Mounts beneath w come after it, or the tmpfs would hide them.
	s.Mounts = slices.Insert(s.Mounts, at, m)
}

// tmpfsFor returns the tmpfs for a writable path: noexec unless the
// policy lets the path be executed, and owned by the process's user so a
// non-root agent can write in it.
func tmpfsFor(s *specs.Spec, p *policy.Policy, w string) specs.Mount {
	opts := []string{"nosuid", "nodev"}
	if !slices.Contains(cleanAll(p.Filesystem.WritableExecutable), w) {
		opts = append(opts, "noexec")
	}
	switch {
	case slices.Contains(stickyDirs, w):
		opts = append(opts, "mode=1777")
	case s.Process != nil && (s.Process.User.UID != 0 || s.Process.User.GID != 0):
		opts = append(opts, "mode=755", fmt.Sprintf("uid=%d", s.Process.User.UID),
			fmt.Sprintf("gid=%d", s.Process.User.GID))
	default:
		opts = append(opts, "mode=755")
	}
	// No size= option: tmpfs pages are charged to the container's memory
	// cgroup, so the memory limit bounds them.
	return specs.Mount{Destination: w, Type: "tmpfs", Source: "tmpfs", Options: opts}
}

// mountAt returns the index of the last mount at destination d, or -1.
func mountAt(mounts []specs.Mount, d string) int {
	for i := len(mounts) - 1; i >= 0; i-- {
		if path.Clean(mounts[i].Destination) == d {
			return i
		}
	}
	return -1
}

// coveringMount returns the index of the mount with the longest
// destination above d (not the root), or -1.
func coveringMount(mounts []specs.Mount, d string) int {
	best, bestLen := -1, 0
	for i, m := range mounts {
		dest := path.Clean(m.Destination)
		if dest != "/" && dest != d && under(d, dest) && len(dest) >= bestLen {
			best, bestLen = i, len(dest)
		}
	}
	return best
}

// readonlyMount reports whether a mount has the "ro" option (and no later
// "rw"; runc applies the options in order).
func readonlyMount(m specs.Mount) bool {
	ro := false
	for _, o := range m.Options {
		switch o {
		case "ro":
			ro = true
		case "rw":
			ro = false
		}
	}
	return ro
}

// writableMount reports whether a mount is writable: a bind or tmpfs
// without "ro". Kernel filesystems (proc, sysfs) do not count.
func writableMount(m specs.Mount) bool {
	if !isBind(m) && m.Type != "tmpfs" {
		return false
	}
	return !readonlyMount(m)
}

// noexecWritable puts noexec on the mounts at the policy's writable paths
// (W^X), except those the policy lists as writable-executable: the kernel
// then refuses to execute from them whatever Landlock's rules above them
// allow. A writable path without its own mount is left to Landlock.
func noexecWritable(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	wx := cleanAll(p.Filesystem.WritableExecutable)
	for _, w := range cleanAll(p.Filesystem.Writable) {
		i := mountAt(s.Mounts, w)
		if i < 0 || slices.Contains(wx, w) || hasOption(s.Mounts[i], "noexec") {
			continue
		}
		if auditing(p) {
			plan.warnf("audit: enforce would mount writable path %q noexec", w)
			continue
		}
		m := &s.Mounts[i]
		m.Options = append(slices.DeleteFunc(m.Options, func(o string) bool { return o == "exec" }), "noexec")
	}
	return nil
}
