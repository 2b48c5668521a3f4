package spec

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestMaskPaths(t *testing.T) {
	p := enforcePolicy()
	p.Filesystem.Hidden = []string{"/etc/shadow", "/root/.ssh/"}
	s := &specs.Spec{Linux: &specs.Linux{MaskedPaths: []string{"/sys/fs/selinux", "/proc/kcore"}}}
	if _, err := runStep(t, maskPaths, s, p); err != nil {
		t.Fatal(err)
	}
	got := s.Linux.MaskedPaths
	if got[0] != "/sys/fs/selinux" || got[1] != "/proc/kcore" {
		t.Errorf("engine's paths: got %q first, want them kept in order", got[:2])
	}
	for _, want := range []string{"/proc/acpi", "/sys/devices/virtual/powercap", "/proc/kallsyms", "/etc/shadow", "/root/.ssh"} {
		if !slices.Contains(got, want) {
			t.Errorf("got %q, want it to contain %q", got, want)
		}
	}
	if n := len(slices.Compact(slices.Sorted(slices.Values(got)))); n != len(got) {
		t.Errorf("got duplicates in %q", got)
	}
}

func TestReadonlyPaths(t *testing.T) {
	s := &specs.Spec{}
	if _, err := runStep(t, readonlyPaths, s, auditPolicy()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(runcReadonlyPaths, s.Linux.ReadonlyPaths); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestReadonlySysfs(t *testing.T) {
	tests := []struct {
		name string
		in   specs.Mount
		want []string
	}{
		{"sysfs rw", specs.Mount{Destination: "/sys", Type: "sysfs", Options: []string{"nosuid", "rw"}}, []string{"nosuid", "ro"}},
		{"sysfs default", specs.Mount{Destination: "/sys", Type: "sysfs", Options: []string{"nosuid"}}, []string{"nosuid", "ro"}},
		{"sysfs ro", specs.Mount{Destination: "/sys", Type: "sysfs", Options: []string{"ro", "nosuid"}}, []string{"ro", "nosuid"}},
		{"cgroup", specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup"}, []string{"ro"}},
		{"cgroup2 ro then rw", specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup2", Options: []string{"ro", "rw"}}, []string{"ro"}},
		{"tmpfs untouched", specs.Mount{Destination: "/tmp", Type: "tmpfs", Options: []string{"rw"}}, []string{"rw"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &specs.Spec{Mounts: []specs.Mount{tt.in}}
			if _, err := runStep(t, readonlySysfs, s, enforcePolicy()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, s.Mounts[0].Options); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
	s := &specs.Spec{Mounts: []specs.Mount{{Destination: "/sys", Type: "sysfs"}}}
	plan, _ := runStep(t, readonlySysfs, s, auditPolicy())
	if s.Mounts[0].Options != nil || len(plan.Warnings) != 1 {
		t.Errorf("audit: got options %q and warnings %q, want none and one", s.Mounts[0].Options, plan.Warnings)
	}
}
