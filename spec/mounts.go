package spec

import (
	"fmt"
	"path"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

// keyMountSources is the admin setting that allows a refused mount source.
const keyMountSources = "isolation.mount_sources"

// engineControl are host paths of engine and runtime control sockets and
// state. A bind of one of them, of anything beneath one or of a directory
// holding one lets the agent drive the engine: start a privileged
// container, exec into another, which is the host.
var engineControl = []string{
	"/run/docker.sock", "/run/docker/plugins", "/run/docker/containerd",
	"/run/containerd/containerd.sock", "/run/containerd/s", "/run/containerd/runc",
	"/run/podman", "/run/crio", "/run/runc", "/run/crun",
}

// engineStores hold every container's and image's data. Engines bind
// per-container files from inside them (Docker's hostname and resolv.conf
// under /var/lib/docker/containers/ID, CRI's /dev/shm under
// /run/containerd/io.containerd.grpc.v1.cri/sandboxes/ID, kubelet
// volumes), so only a store itself or a directory holding it is refused.
var engineStores = []string{
	"/var/lib/docker/containers", "/var/lib/docker/overlay2", "/var/lib/docker/image",
	"/var/lib/docker/volumes", "/var/lib/containerd/io.containerd.content.v1.content",
	"/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs",
	"/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes",
	"/var/lib/containerd/io.containerd.grpc.v1.cri/containers",
	"/run/containerd/io.containerd.runtime.v2.task",
	"/run/containerd/io.containerd.grpc.v1.cri/sandboxes",
	"/var/lib/containers/storage/overlay", "/var/lib/containers/storage/overlay-containers",
	"/run/containers/storage/overlay-containers", "/var/lib/kubelet/pods",
}

// engineSockets are the file names of engine API sockets, wherever they
// are (rootless podman's lives under /run/user/UID/podman).
var engineSockets = []string{"docker.sock", "containerd.sock", "containerd.sock.ttrpc",
	"podman.sock", "crio.sock", "cri-dockerd.sock", "dockershim.sock", "buildkitd.sock"}

// bindableDevices are the host device nodes an engine may bind into a
// container: rootless podman binds exactly these. Host /dev/console,
// /dev/ptmx and /dev/pts are the host's terminals, so unlike the
// container's own (which runc creates) they are not bindable.
var bindableDevices = []string{"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
	"/dev/urandom", "/dev/tty"}

// pseudoFilesystems are mount types that ignore the source.
var pseudoFilesystems = []string{"tmpfs", "proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2"}

// checkMounts refuses engine-supplied mounts that hand the agent the
// host, unless the admin lists the source in isolation.mount_sources.
// The spec's own proc, sysfs and cgroup mounts are new instances and fine.
// Sources are judged as written: Harden does no I/O, so a symlink to an
// engine socket is for the runtime to resolve.
func checkMounts(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	var errs []error
	for i, m := range s.Mounts {
		reason := hostMountReason(m)
		if reason == "" || allowedSource(p, m.Source) {
			continue
		}
		errs = append(errs, &RefusalError{Field: fmt.Sprintf("mounts[%d].source", i),
			Value: m.Source, Reason: reason, Key: keyMountSources})
	}
	return refuse(p, plan, errs)
}

// hostMountReason says why a mount hands the agent the host, or returns "".
func hostMountReason(m specs.Mount) string {
	src := path.Clean(m.Source)
	if !path.IsAbs(m.Source) {
		// runc joins a relative bind source to the bundle directory.
		if isBind(m) && (src == ".." || strings.HasPrefix(src, "../")) {
			return "a relative bind source that leaves the bundle"
		}
		return ""
	}
	switch {
	case !isBind(m) && slices.Contains(pseudoFilesystems, m.Type):
		return "" // the source is only a label
	case under(src, "/dev"):
		if isBind(m) && slices.Contains(bindableDevices, src) {
			return ""
		}
		return "a host device node beyond the standard set"
	case !isBind(m):
		return ""
	case src == "/":
		return "the host's root filesystem as a bind source"
	case isEngineSource(src):
		return "a container-engine socket or directory hands the agent the host"
	case under(src, "/proc"):
		// Even read-only, the host's /proc/PID/root links lead into every
		// host process's filesystem with its original mount flags.
		return "the host's /proc"
	case under(src, "/sys") && !readonlyBind(m):
		return "the host's /sys bound read-write"
	}
	return ""
}

// isEngineSource reports whether src is named like an engine socket, is
// or lies beneath an engine control path, or is or holds an engine
// control path or store. /var/run is read as /run, its usual target.
func isEngineSource(src string) bool {
	if slices.Contains(engineSockets, path.Base(src)) {
		return true
	}
	if rest, ok := strings.CutPrefix(src, "/var/run"); ok && (rest == "" || rest[0] == '/') {
		src = "/run" + rest
	}
	for _, c := range engineControl {
		if under(src, c) || under(c, src) {
			return true
		}
	}
	for _, st := range engineStores {
		if under(st, src) {
			return true
		}
	}
	return false
}

// allowedSource reports whether the admin allows src, by itself or by a
// directory above it.
func allowedSource(p *policy.Policy, src string) bool {
	src = path.Clean(src)
	for _, a := range p.Isolation.MountSources {
		if under(src, path.Clean(a)) {
			return true
		}
	}
	return false
}

// isBind reports whether runc treats the mount as a bind mount: by type,
// or by a bind or rbind option whatever the type.
func isBind(m specs.Mount) bool {
	return m.Type == "bind" || hasOption(m, "bind") || hasOption(m, "rbind")
}

// readonlyBind reports whether a bind mount is read-only throughout: a
// recursive bind needs "rro", since "ro" leaves submounts (such as a
// writable cgroup v1 hierarchy under /sys) writable.
func readonlyBind(m specs.Mount) bool {
	if hasOption(m, "rbind") {
		return hasOption(m, "rro")
	}
	return readonlyMount(m)
}

// hasOption reports whether the mount has the option.
func hasOption(m specs.Mount, opt string) bool { return slices.Contains(m.Options, opt) }

// under reports whether p is dir or beneath it; both must be clean.
func under(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}
