package testrootfs

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BusyboxBin is the busybox that rootfs builds copy; Debian's
// busybox-static installs it.
const BusyboxBin = "/bin/busybox"

// busyboxLayout is bumped whenever the layout below changes, so that cached
// trees of an older layout are not reused.
const busyboxLayout = "3"

const (
	passwd = "root:x:0:0:root:/root:/bin/sh\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
	group = "root:x:0:\n" +
		"nobody:x:65534:\n"
)

// Busybox returns a busybox rootfs cached under cacheDir, keyed by the
// content of BusyboxBin, building it first if needed. The tree holds
// /bin/busybox, a symlink for every applet at the path `busybox
// --list-full` gives it, /etc/passwd and /etc/group with root and nobody,
// an empty /tmp (mode 1777), /root, and empty /proc, /sys and /dev for the
// runtime to mount on.
func Busybox(cacheDir string) (string, error) {
	key, err := busyboxKey()
	if err != nil {
		return "", err
	}
	return Cached(cacheDir, "busybox-"+key, buildBusybox)
}

// busyboxKey names a cached tree after the busybox binary and the layout.
func busyboxKey() (string, error) {
	f, err := os.Open(BusyboxBin)
	if err != nil {
		return "", fmt.Errorf("open busybox (install busybox-static): %w", err)
	}
	defer f.Close()
	h := sha256.New()
	io.WriteString(h, busyboxLayout)
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %q: %w", BusyboxBin, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

func buildBusybox(dir string) error {
	if err := checkStatic(BusyboxBin); err != nil {
		return err
	}
	applets, err := busyboxApplets()
	if err != nil {
		return err
	}
	steps := []func(string) error{
		makeBaseDirs,
		func(d string) error { return copyFile(BusyboxBin, filepath.Join(d, "bin/busybox"), 0o755) },
		func(d string) error { return linkApplets(d, applets) },
		writeUsers,
	}
	for _, step := range steps {
		if err := step(dir); err != nil {
			return err
		}
	}
	return nil
}

// checkStatic refuses a dynamically linked binary: the busybox rootfs has
// no libc, so Debian's dynamic busybox package would not run in it.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("read %q: %w", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%q is dynamically linked: install busybox-static", path)
		}
	}
	return nil
}

// busyboxApplets lists the install paths of all applets, relative to the
// root ("bin/sh", "usr/bin/awk" ...).
func busyboxApplets() ([]string, error) {
	out, err := exec.Command(BusyboxBin, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list-full: %w", BusyboxBin, err)
	}
	var applets []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		p := strings.Trim(strings.TrimSpace(sc.Text()), "/")
		// Top-level entries (linuxrc) are boot-time applets a container
		// never runs.
		if strings.Contains(p, "/") && p != "bin/busybox" && !strings.Contains(p, "..") {
			applets = append(applets, p)
		}
	}
	if len(applets) == 0 {
		return nil, fmt.Errorf("%s --list-full listed no applets", BusyboxBin)
	}
	return applets, nil
}

func makeBaseDirs(dir string) error {
	dirs := []struct {
		path string
		mode os.FileMode
	}{
		{"bin", 0o755}, {"sbin", 0o755}, {"usr/bin", 0o755}, {"usr/sbin", 0o755},
		{"etc", 0o755}, {"root", 0o700}, {"tmp", os.ModeSticky | 0o777},
		{"proc", 0o555}, {"sys", 0o555}, {"dev", 0o755},
	}
	for _, d := range dirs {
		p := filepath.Join(dir, d.path)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		// Chmod because MkdirAll applies the umask and drops the sticky bit.
		if err := os.Chmod(p, d.mode); err != nil {
			return err
		}
	}
	return nil
}

func linkApplets(dir string, applets []string) error {
	for _, a := range applets {
		p := filepath.Join(dir, a)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.Symlink("/bin/busybox", p); err != nil && !os.IsExist(err) {
			return fmt.Errorf("link applet %q: %w", a, err)
		}
	}
	return nil
}

func writeUsers(dir string) error {
	if err := os.WriteFile(filepath.Join(dir, "etc/passwd"), []byte(passwd), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "etc/group"), []byte(group), 0o644)
}

// copyFile copies the regular file src to dst with mode.
func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copy %q to %q: %w", src, dst, err)
	}
	return out.Close()
}

// Copy copies the tree src to dst, which must not exist, keeping modes,
// owners, symlinks, device nodes and hard links (cp -a). Use it to give a
// bundle its own writable rootfs.
func Copy(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := exec.Command("cp", "-a", "--", src, dst).CombinedOutput()
	if err != nil {
		return fmt.Errorf("copy %q to %q: %w: %s", src, dst, err, bytes.TrimSpace(out))
	}
	return nil
}
