package landlock

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// dialEnv makes the test binary a helper that dials the TCP address in
// it and exits: 0 when connected, 13 on EACCES (Landlock), 1 otherwise.
const dialEnv = "AGENTRT_LANDLOCK_TEST_DIAL"

// maybeHelper runs the helper mode of the test binary, for a process that
// the entry started under a ruleset.
func maybeHelper() {
	addr := os.Getenv(dialEnv)
	if addr == "" {
		return
	}
	c, err := net.Dial("tcp", addr)
	switch {
	case err == nil:
		c.Close()
		os.Exit(0)
	case errors.Is(err, syscall.EACCES):
		os.Exit(13)
	default:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// runEntryABI runs args through the entry with rs compiled for abi, with
// extra environment, and returns the combined output and exit code.
func runEntryABI(t *testing.T, rs *Ruleset, abi int, env []string, args ...string) (string, int) {
	t.Helper()
	data, err := json.Marshal(entryPayload{Ruleset: rs, ABI: abi})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], append([]string{EntryArg, "--"}, args...)...)
	cmd.Env = append(append(os.Environ(), env...), envRuleset+string(data))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return string(out), 0
}

func requireLandlock(t *testing.T, abi int) {
	t.Helper()
	if k := KernelABI(); k < abi {
		t.Skipf("needs Landlock ABI %d, kernel has %d", abi, k)
	}
}

// TestEntryKeepsWriteXorExecute: an executable rule above writable paths
// leaves them, and links to them, not executable, and everything beside
// them executable.
func TestEntryKeepsWriteXorExecute(t *testing.T) {
	requireLandlock(t, 1)
	dir := t.TempDir()
	for _, d := range []string{"w", "tools", "a/b/w2", "a/other"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := []byte("#!/bin/sh\nexit 0\n")
	for _, f := range []string{"tools/tool", "a/other/tool", "a/tool", "top"} {
		if err := os.WriteFile(filepath.Join(dir, f), script, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("w", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	rs := hostRuleset(
		Rule{Path: dir, Access: Read | Execute},
		Rule{Path: filepath.Join(dir, "w"), Access: Read | Write},
		Rule{Path: filepath.Join(dir, "a/b/w2"), Access: Read | Write},
	)
	rs.Normalize()
	tests := []struct {
		name   string
		script string
		want   int
	}{
		{"tool beside the writable path runs", dir + "/tools/tool", 0},
		{"tool in a directory above a writable path runs", dir + "/a/tool", 0},
		{"file directly in the rule's directory runs", dir + "/top", 0},
		{"tool beside a nested writable path runs", dir + "/a/other/tool", 0},
		{"copy in the writable path cannot run", "cp /bin/true " + dir + "/w/t && " + dir + "/w/t", 126},
		{"copy reached through a link cannot run", "cp /bin/true " + dir + "/w/t && " + dir + "/link/t", 126},
		{"copy in a nested writable path cannot run", "cp /bin/true " + dir + "/a/b/w2/t && " + dir + "/a/b/w2/t", 126},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runEntryABI(t, rs, KernelABI(), nil, "/bin/sh", "-c", tc.script)
			if code != tc.want {
				t.Errorf("got exit %d, want %d; output: %s", code, tc.want, out)
			}
		})
	}
}

// TestEntryConnectPorts: connect is limited to the ruleset's ranges, and a
// range of tens of thousands of ports fits in the entry's environment.
func TestEntryConnectPorts(t *testing.T) {
	requireLandlock(t, 4)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := uint16(l.Addr().(*net.TCPAddr).Port)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		ports []PortRange
		want  int
	}{
		{"the listener's port allowed", []PortRange{{port, port}}, 0},
		{"every port but the listener's", []PortRange{{1, port - 1}, {port + 1, 65535}}, 13},
		{"no port allowed", nil, 13},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := hostRuleset(Rule{Path: filepath.Dir(exe), Access: Read | Execute})
			rs.ConnectTCP = tc.ports
			rs.Normalize()
			out, code := runEntryABI(t, rs, KernelABI(), []string{dialEnv + "=" + l.Addr().String()}, exe)
			if code != tc.want {
				t.Errorf("got exit %d, want %d; output: %s", code, tc.want, out)
			}
		})
	}
}

// TestEntryWithoutLandlock: with no admin floor and best effort, a kernel
// without Landlock (ABI 0 in the payload) runs the command unrestricted;
// with a floor the entry refuses.
func TestEntryWithoutLandlock(t *testing.T) {
	dir := t.TempDir()
	write := "echo x > " + dir + "/f"
	tests := []struct {
		name string
		rs   *Ruleset
		want int
	}{
		{"best effort, no floor", &Ruleset{BestEffort: true}, 0},
		{"floor", &Ruleset{BestEffort: true, MinABI: 1}, 126},
		{"no best effort", &Ruleset{}, 126},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runEntryABI(t, tc.rs, 0, nil, "/bin/sh", "-c", write)
			if code != tc.want {
				t.Errorf("got exit %d, want %d; output: %s", code, tc.want, out)
			}
		})
	}
}
