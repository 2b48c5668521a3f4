package spec

import (
	"errors"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestCheckMounts(t *testing.T) {
	tests := []struct {
		name    string
		mount   specs.Mount
		allow   []string
		refused bool
	}{
		{"docker socket", bind("/var/run/docker.sock", "/var/run/docker.sock"), nil, true},
		{"docker socket under /run", bind("/run/docker.sock", "/docker.sock"), nil, true},
		{"containerd socket", bind("/run/containerd/containerd.sock", "/c.sock"), nil, true},
		{"containerd state dir", bind("/run/containerd", "/c"), nil, true},
		{"shim sockets", bind("/run/containerd/s/0123abcd", "/s"), nil, true},
		{"podman socket", bind("/run/podman/podman.sock", "/p.sock"), nil, true},
		{"rootless podman socket", bind("/run/user/1000/podman/podman.sock", "/p.sock"), nil, true},
		{"crio socket", bind("/var/run/crio/crio.sock", "/crio.sock"), nil, true},
		{"all of /run", bind("/run", "/hostrun"), nil, true},
		{"all of /var", bind("/var", "/hostvar"), nil, true},
		{"docker store", bind("/var/lib/docker", "/d"), nil, true},
		{"docker containers", bind("/var/lib/docker/containers", "/d"), nil, true},
		{"host root", bind("/", "/host"), nil, true},
		{"host root, trailing slash", bind("//", "/host"), nil, true},
		{"host proc read-only", bind("/proc", "/hostproc", "ro"), nil, true},
		{"host pid root", bind("/proc/1/root", "/hostroot"), nil, true},
		{"host sys read-write", bind("/sys", "/hostsys"), nil, true},
		{"host sys rbind ro leaves submounts", bind("/sys", "/hostsys", "ro"), nil, true},
		{"host sys rro", bind("/sys", "/hostsys", "rro"), nil, false},
		{"host sys plain bind ro", specs.Mount{Destination: "/s", Type: "bind", Source: "/sys/class/net",
			Options: []string{"bind", "ro"}}, nil, false},
		{"host device", bind("/dev/kvm", "/dev/kvm"), nil, true},
		{"host shm", bind("/dev/shm", "/dev/shm"), nil, true},
		{"host console", bind("/dev/console", "/dev/console"), nil, true},
		{"block device mount", specs.Mount{Destination: "/data", Type: "ext4", Source: "/dev/sda1"}, nil, true},
		{"null device", bind("/dev/null", "/dev/null"), nil, false},
		{"urandom device", bind("/dev/urandom", "/dev/urandom"), nil, false},
		{"docker resolv.conf", bind("/var/lib/docker/containers/abc/resolv.conf", "/etc/resolv.conf"), nil, false},
		{"docker volume", bind("/var/lib/docker/volumes/data/_data", "/data"), nil, false},
		{"cri shm", bind("/run/containerd/io.containerd.grpc.v1.cri/sandboxes/abc/shm", "/dev/shm"), nil, false},
		{"podman userdata", bind("/run/containers/storage/overlay-containers/abc/userdata/hosts", "/etc/hosts"), nil, false},
		{"project dir", bind("/home/dev/project", "/workspace"), nil, false},
		{"relative source in the bundle", bind("data", "/data"), nil, false},
		{"relative source leaving the bundle", bind("../../../run/docker.sock", "/d.sock"), nil, true},
		{"proc instance", specs.Mount{Destination: "/proc", Type: "proc", Source: "proc"}, nil, false},
		{"sysfs instance", specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs"}, nil, false},
		{"tmpfs named like a path", specs.Mount{Destination: "/run", Type: "tmpfs", Source: "/run"}, nil, false},
		{"tmpfs named like a device", specs.Mount{Destination: "/x", Type: "tmpfs", Source: "/dev/shm"}, nil, false},
		{"admin allows socket", bind("/var/run/docker.sock", "/var/run/docker.sock"), []string{"/var/run/docker.sock"}, false},
		{"admin allows directory", bind("/dev/dri/card0", "/dev/dri/card0"), []string{"/dev/dri"}, false},
		{"admin allows other path", bind("/dev/kvm", "/dev/kvm"), []string{"/dev/dri"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := enforcePolicy()
			p.Isolation.MountSources = tt.allow
			s := &specs.Spec{Mounts: []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}, tt.mount}}
			_, err := runStep(t, checkMounts, s, p)
			if got := err != nil; got != tt.refused {
				t.Fatalf("refused: got %v (%v), want %v", got, err, tt.refused)
			}
			if err == nil {
				return
			}
			var re *RefusalError
			if !errors.As(err, &re) || !errors.Is(err, ErrRefused) {
				t.Fatalf("got %T %v, want a RefusalError", err, err)
			}
			if re.Field != "mounts[1].source" || re.Key != "isolation.mount_sources" {
				t.Errorf("got field %q key %q, want mounts[1].source and isolation.mount_sources", re.Field, re.Key)
			}
		})
	}
}

func TestCheckMountsMessage(t *testing.T) {
	s := &specs.Spec{Mounts: []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs"},
		bind("/home/dev/project", "/workspace"),
		bind("/var/run/docker.sock", "/var/run/docker.sock"),
		bind("/", "/host"),
	}}
	_, err := runStep(t, checkMounts, s, enforcePolicy())
	for _, want := range []string{
		`mounts[3].source "/var/run/docker.sock": a container-engine socket or directory hands the agent the host; admin setting isolation.mount_sources would allow it`,
		`mounts[4].source "/": the host's root filesystem as a bind source`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want it to contain %q", err, want)
		}
	}
}

func TestCheckMountsAudit(t *testing.T) {
	s := &specs.Spec{Mounts: []specs.Mount{bind("/var/run/docker.sock", "/var/run/docker.sock")}}
	plan, err := runStep(t, checkMounts, s, auditPolicy())
	if err != nil {
		t.Fatalf("got %v, want no refusal in audit mode", err)
	}
	if len(plan.Warnings) != 1 || !strings.Contains(plan.Warnings[0], `audit: enforce would refuse: mounts[0].source "/var/run/docker.sock"`) {
		t.Errorf("warnings: got %q, want the refusal", plan.Warnings)
	}
}
