package spec

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func tmpfs(dst string, opts ...string) specs.Mount {
	return specs.Mount{Destination: dst, Type: "tmpfs", Source: "tmpfs", Options: opts}
}

func TestReadonlyRootfs(t *testing.T) {
	proc := specs.Mount{Destination: "/proc", Type: "proc", Source: "proc"}
	tests := []struct {
		name      string
		writable  []string
		wx        []string
		user      specs.User
		mounts    []specs.Mount
		want      []specs.Mount
		wantWarns int
	}{
		{name: "tmpfs for unmounted paths", writable: []string{"/tmp", "/workspace"}, mounts: []specs.Mount{proc},
			want: []specs.Mount{proc, tmpfs("/tmp", "nosuid", "nodev", "noexec", "mode=1777"),
				tmpfs("/workspace", "nosuid", "nodev", "noexec", "mode=755")}},
		{name: "owned by a non-root user", writable: []string{"/workspace"}, user: specs.User{UID: 1000, GID: 100},
			want: []specs.Mount{tmpfs("/workspace", "nosuid", "nodev", "noexec", "mode=755", "uid=1000", "gid=100")}},
		{name: "writable-executable path", writable: []string{"/workspace"}, wx: []string{"/workspace"},
			want: []specs.Mount{tmpfs("/workspace", "nosuid", "nodev", "mode=755")}},
		{name: "engine bind kept", writable: []string{"/workspace"},
			mounts: []specs.Mount{bind("/home/dev/p", "/workspace")},
			want:   []specs.Mount{bind("/home/dev/p", "/workspace")}},
		{name: "read-only engine bind left with a warning", writable: []string{"/workspace"},
			mounts:    []specs.Mount{bind("/home/dev/p", "/workspace", "ro")},
			want:      []specs.Mount{bind("/home/dev/p", "/workspace", "ro")},
			wantWarns: 1},
		{name: "beneath a writable bind", writable: []string{"/workspace/out"},
			mounts: []specs.Mount{bind("/home/dev/p", "/workspace")},
			want:   []specs.Mount{bind("/home/dev/p", "/workspace")}},
		{name: "beneath a read-only bind", writable: []string{"/data/out"},
			mounts: []specs.Mount{bind("/srv/data", "/data", "ro")},
			want: []specs.Mount{bind("/srv/data", "/data", "ro"),
				tmpfs("/data/out", "nosuid", "nodev", "noexec", "mode=755")}},
		{name: "before mounts beneath it", writable: []string{"/workspace"},
			mounts: []specs.Mount{proc, bind("/srv/cache", "/workspace/cache")},
			want: []specs.Mount{proc, tmpfs("/workspace", "nosuid", "nodev", "noexec", "mode=755"),
				bind("/srv/cache", "/workspace/cache")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := enforcePolicy()
			p.Filesystem.ReadOnlyRootfs = true
			p.Filesystem.Writable, p.Filesystem.WritableExecutable = tt.writable, tt.wx
			s := &specs.Spec{Root: &specs.Root{Path: "rootfs"}, Process: &specs.Process{User: tt.user}, Mounts: tt.mounts}
			plan, err := runStep(t, readonlyRootfs, s, p)
			if err != nil {
				t.Fatal(err)
			}
			if !s.Root.Readonly {
				t.Errorf("root.readonly: got false, want true")
			}
			if diff := cmp.Diff(tt.want, s.Mounts); diff != "" {
				t.Errorf("mounts (-want +got):\n%s", diff)
			}
			if len(plan.Warnings) != tt.wantWarns {
				t.Errorf("warnings: got %q, want %d", plan.Warnings, tt.wantWarns)
			}
		})
	}
}

func TestReadonlyRootfsModes(t *testing.T) {
	p := enforcePolicy()
	s := &specs.Spec{Root: &specs.Root{Path: "rootfs"}}
	plan, _ := runStep(t, readonlyRootfs, s, p)
	if s.Root.Readonly || plan.Layers[LayerReadOnlyRootfs].Status != StatusOff {
		t.Errorf("policy without read-only rootfs: got readonly %v, status %v", s.Root.Readonly, plan.Layers[LayerReadOnlyRootfs])
	}
	a := auditPolicy()
	a.Filesystem.ReadOnlyRootfs, a.Filesystem.Writable = true, []string{"/tmp"}
	plan, _ = runStep(t, readonlyRootfs, s, a)
	if s.Root.Readonly || len(s.Mounts) != 0 || plan.Layers[LayerReadOnlyRootfs].Status != StatusAudit {
		t.Errorf("audit: got readonly %v, %d mounts, status %v; want none applied", s.Root.Readonly, len(s.Mounts), plan.Layers[LayerReadOnlyRootfs])
	}
	p.Filesystem.ReadOnlyRootfs = true
	if _, err := runStep(t, readonlyRootfs, &specs.Spec{}, p); err == nil || !strings.Contains(err.Error(), "root: missing") {
		t.Errorf("spec without root: got %v, want an error naming root", err)
	}
}

func TestNoexecWritable(t *testing.T) {
	p := enforcePolicy()
	p.Filesystem.Writable = []string{"/workspace", "/data", "/tmp"}
	p.Filesystem.WritableExecutable = []string{"/data"}
	s := &specs.Spec{Mounts: []specs.Mount{bind("/p", "/workspace", "exec"), bind("/d", "/data"), bind("/o", "/other")}}
	if _, err := runStep(t, noexecWritable, s, p); err != nil {
		t.Fatal(err)
	}
	want := []specs.Mount{bind("/p", "/workspace", "noexec"), bind("/d", "/data"), bind("/o", "/other")}
	if diff := cmp.Diff(want, s.Mounts); diff != "" {
		t.Errorf("mounts (-want +got):\n%s", diff)
	}
}
