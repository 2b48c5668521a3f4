package testenv

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentrt/agentrt/internal/testrootfs"
)

func TestIDStem(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "TestRun", "testrun"},
		{"subtest", "TestRun/runc_run_ID", "testrunruncrunid"},
		{"long", "TestAVeryLongTestNameThatGoesOn", "testaverylongtestnam"},
		{"no letters", "/_/", "test"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := idStem(tc.in); got != tc.want {
				t.Errorf("idStem(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNewBundle(t *testing.T) {
	b := NewBundle(t, BusyboxRootfs(t), "sh", "-c", "exit 3")
	if filepath.Base(b.Dir) != b.ID {
		t.Errorf("bundle dir %q does not end in the id %q", b.Dir, b.ID)
	}
	if _, err := os.Lstat(filepath.Join(b.Rootfs, "bin/sh")); err != nil {
		t.Errorf("bundle rootfs has no /bin/sh: %v", err)
	}
	b.Spec().Hostname = "edited"
	b.SetAnnotation("agentrt.io/profile", "strict")
	b.Save(t)
	s, err := testrootfs.ReadSpec(b.Dir)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"process.args", s.Process.Args, []string{"sh", "-c", "exit 3"}},
		{"process.terminal", s.Process.Terminal, false},
		{"root.path", s.Root.Path, "rootfs"},
		{"root.readonly", s.Root.Readonly, false},
		{"hostname", s.Hostname, "edited"},
		{"annotations", s.Annotations["agentrt.io/profile"], "strict"},
	}
	for _, c := range checks {
		if !cmp.Equal(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestNewSharedBundle(t *testing.T) {
	rootfs := BusyboxRootfs(t)
	b := NewSharedBundle(t, rootfs, "true")
	s, err := testrootfs.ReadSpec(b.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Root.Path != rootfs || !s.Root.Readonly {
		t.Errorf("root: got %+v, want path %q read-only", s.Root, rootfs)
	}
}
