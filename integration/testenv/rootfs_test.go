package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBusyboxRootfs(t *testing.T) {
	root := BusyboxRootfs(t)
	for _, p := range []string{"bin/busybox", "bin/sh", "bin/true", "usr/bin/env", "etc/passwd", "etc/group", "tmp"} {
		if _, err := os.Lstat(filepath.Join(root, p)); err != nil {
			t.Errorf("busybox rootfs lacks /%s: %v", p, err)
		}
	}
	if fi, err := os.Stat(filepath.Join(root, "tmp")); err == nil && fi.Mode()&os.ModeSticky == 0 {
		t.Errorf("/tmp mode: got %v, want sticky 1777", fi.Mode())
	}
	passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	for _, user := range []string{"root:x:0:0:", "nobody:x:65534:65534:"} {
		if !strings.Contains(string(passwd), user) {
			t.Errorf("/etc/passwd lacks %q:\n%s", user, passwd)
		}
	}
}

// TestRootfsRuns runs each kind of rootfs under the reference runc.
func TestRootfsRuns(t *testing.T) {
	tests := []struct {
		name   string
		rootfs func(testing.TB) string
		shared bool
		args   []string
		want   string
	}{
		{"busybox", BusyboxRootfs, false, []string{"sh", "-c", "echo $(id -u):$(id -g) $(ls /etc)"}, "0:0 group passwd"},
		{"static", StaticRootfs, false, []string{ProbePath, "write", "/probe-ok"}, "allowed"},
		{"glibc", GlibcRootfs, true, []string{"/bin/sh", "-c", "cat /etc/debian_version; ldd --version | head -1"}, "GLIBC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			RequireRoot(t)
			rt := Runc(t)
			newBundle := NewBundle
			if tc.shared {
				newBundle = NewSharedBundle
			}
			b := newBundle(t, tc.rootfs(t), tc.args...)
			res := rt.Run(t, "run", "--bundle", b.Dir, b.ID)
			if res.ExitCode != 0 || !strings.Contains(res.Stdout, tc.want) {
				t.Errorf("got %s\nwant exit 0 and stdout containing %q", res, tc.want)
			}
			AssertNoLeaks(t, rt.Root, b.ID)
		})
	}
}

func TestStaticRootfsHoldsOnlyTheProbe(t *testing.T) {
	root := StaticRootfs(t)
	var files []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, "/"+strings.TrimPrefix(path, root+"/"))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(files, " "), ProbePath; got != want {
		t.Errorf("static rootfs files: got %q, want %q", got, want)
	}
}
