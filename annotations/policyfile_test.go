package annotations

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/agentrt/agentrt/policy"
)

const validPolicy = `{"network": {"egress": "allowlist", "allow": ["pypi.org:443"]}}`

// policyFileCase prepares a rootfs in dir and says what ReadPolicyFile
// must return for it.
type policyFileCase struct {
	name    string
	setup   func(t *testing.T, rootfs string)
	wantNil bool
	wantIs  error
}

func mkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	mkdir(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	mkdir(t, filepath.Dir(link))
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func policyFileCases() []policyFileCase {
	return []policyFileCase{
		{name: "no /etc/agentrt", setup: func(t *testing.T, r string) { mkdir(t, filepath.Join(r, "etc")) }, wantNil: true},
		{name: "no policy.json", setup: func(t *testing.T, r string) { mkdir(t, filepath.Join(r, "etc/agentrt")) }, wantNil: true},
		{name: "empty rootfs", setup: func(*testing.T, string) {}, wantNil: true},
		{name: "regular file", setup: func(t *testing.T, r string) { write(t, filepath.Join(r, PolicyFilePath), validPolicy) }},
		{
			name: "symlink to a host path",
			setup: func(t *testing.T, r string) {
				host := filepath.Join(t.TempDir(), "host-policy.json")
				write(t, host, validPolicy)
				symlink(t, host, filepath.Join(r, PolicyFilePath))
			},
			wantIs: ErrSymlink,
		},
		{
			name: "symlink within the rootfs",
			setup: func(t *testing.T, r string) {
				write(t, filepath.Join(r, "etc/agentrt/real.json"), validPolicy)
				symlink(t, "real.json", filepath.Join(r, PolicyFilePath))
			},
			wantIs: ErrSymlink,
		},
		{
			name: "dangling symlink",
			setup: func(t *testing.T, r string) {
				symlink(t, "/nonexistent/policy.json", filepath.Join(r, PolicyFilePath))
			},
			wantIs: ErrSymlink,
		},
		{
			name: "symlinked directory on the path",
			setup: func(t *testing.T, r string) {
				write(t, filepath.Join(r, "opt/agentrt/policy.json"), validPolicy)
				symlink(t, "/opt/agentrt", filepath.Join(r, "etc/agentrt"))
			},
			wantIs: ErrSymlink,
		},
		{
			name: "symlinked /etc to the host's",
			setup: func(t *testing.T, r string) {
				host := t.TempDir()
				write(t, filepath.Join(host, "agentrt/policy.json"), validPolicy)
				symlink(t, host, filepath.Join(r, "etc"))
			},
			wantIs: ErrSymlink,
		},
		{
			name: "fifo",
			setup: func(t *testing.T, r string) {
				mkdir(t, filepath.Join(r, "etc/agentrt"))
				if err := unix.Mkfifo(filepath.Join(r, PolicyFilePath), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantIs: ErrNotRegular,
		},
		{name: "directory", setup: func(t *testing.T, r string) { mkdir(t, filepath.Join(r, PolicyFilePath)) }, wantIs: ErrNotRegular},
		{
			name: "oversized",
			setup: func(t *testing.T, r string) {
				write(t, filepath.Join(r, PolicyFilePath), `{"profile": "`+strings.Repeat("a", MaxPolicyFileSize)+`"}`)
			},
			wantIs: ErrFileTooLarge,
		},
		{name: "malformed", setup: func(t *testing.T, r string) { write(t, filepath.Join(r, PolicyFilePath), `{"mode": `) }, wantIs: ErrMalformedJSON},
		{name: "unknown field", setup: func(t *testing.T, r string) { write(t, filepath.Join(r, PolicyFilePath), `{"egress": "open"}`) }, wantIs: ErrMalformedJSON},
		{name: "/etc/agentrt is a file", setup: func(t *testing.T, r string) { write(t, filepath.Join(r, "etc/agentrt"), "") }, wantIs: unix.ENOTDIR},
	}
}

func TestReadPolicyFile(t *testing.T) {
	runPolicyFileCases(t)
}

// TestReadPolicyFileWithoutOpenat2 runs the same cases through the walk
// used on kernels before 5.6.
func TestReadPolicyFileWithoutOpenat2(t *testing.T) {
	opener = openatNoSymlinks
	t.Cleanup(func() { opener = openat2InRoot })
	runPolicyFileCases(t)
}

func runPolicyFileCases(t *testing.T) {
	for _, tt := range policyFileCases() {
		t.Run(tt.name, func(t *testing.T) {
			rootfs := t.TempDir()
			tt.setup(t, rootfs)
			r, err := readWithTimeout(t, rootfs)
			switch {
			case tt.wantIs != nil:
				if !errors.Is(err, tt.wantIs) {
					t.Fatalf("got %v, %v; want error %v", r, err, tt.wantIs)
				}
				if !strings.Contains(err.Error(), PolicyFilePath) {
					t.Errorf("error %q does not name %s", err, PolicyFilePath)
				}
			case err != nil:
				t.Fatalf("got error %v, want none", err)
			case tt.wantNil != (r == nil):
				t.Fatalf("got request %+v, want nil: %v", r, tt.wantNil)
			case r != nil && (r.Channel != policy.ChannelPolicyFile || r.Source != PolicyFilePath || r.Network == nil):
				t.Errorf("got request %+v, want the file's network ask from the policy-file channel", r)
			}
		})
	}
}

// readWithTimeout fails instead of hanging if a FIFO were opened for
// reading.
func readWithTimeout(t *testing.T, rootfs string) (*policy.Request, error) {
	t.Helper()
	type result struct {
		r   *policy.Request
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := ReadPolicyFile(rootfs)
		done <- result{r, err}
	}()
	select {
	case res := <-done:
		return res.r, res.err
	case <-time.After(10 * time.Second):
		t.Fatal("ReadPolicyFile blocked for 10s")
		return nil, nil
	}
}

func TestReadPolicyFileDevice(t *testing.T) {
	rootfs := t.TempDir()
	mkdir(t, filepath.Join(rootfs, "etc/agentrt"))
	err := unix.Mknod(filepath.Join(rootfs, PolicyFilePath), unix.S_IFCHR|0o644, int(unix.Mkdev(1, 3)))
	if err != nil {
		t.Skipf("needs CAP_MKNOD to create a device node: %v", err)
	}
	if _, err := ReadPolicyFile(rootfs); !errors.Is(err, ErrNotRegular) {
		t.Errorf("got %v, want %v", err, ErrNotRegular)
	}
}

func TestReadPolicyFileMissingRootfs(t *testing.T) {
	if _, err := ReadPolicyFile(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, unix.ENOENT) {
		t.Errorf("got %v, want ENOENT for a missing rootfs", err)
	}
}
