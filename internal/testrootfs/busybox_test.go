package testrootfs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestBusybox(t *testing.T) {
	root, err := Busybox(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	target, err := os.Readlink(filepath.Join(root, "bin/sh"))
	if err != nil || target != "/bin/busybox" {
		t.Errorf("/bin/sh: got link %q (%v), want /bin/busybox", target, err)
	}
	if _, err := os.Lstat(filepath.Join(root, "linuxrc")); err == nil {
		t.Errorf("rootfs has /linuxrc, want no top-level applets")
	}
}

func TestCheckStatic(t *testing.T) {
	if err := checkStatic("/bin/ls"); err == nil {
		t.Errorf("checkStatic(/bin/ls): got nil, want a dynamically linked error")
	}
	if err := checkStatic(BusyboxBin); err != nil {
		t.Errorf("checkStatic(%s): %v", BusyboxBin, err)
	}
}
