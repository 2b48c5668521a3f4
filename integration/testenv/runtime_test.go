package testenv

import (
	"os/exec"
	"strings"
	"testing"
)

func TestRuntimeRun(t *testing.T) {
	RequireRoot(t)
	rt := Runc(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		stdout   string
		stderr   string
	}{
		{"runc --version", []string{"--version"}, 0, "runc version " + RuncVersion, ""},
		{"runc state of a missing container", []string{"state", "no-such-container"}, 1, "", "does not exist"},
		{"runc list before the root exists", []string{"list", "--format", "json"}, 1, "", "no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := rt.Run(t, tc.args...)
			if res.ExitCode != tc.wantCode || !strings.Contains(res.Stdout, tc.stdout) || !strings.Contains(res.Stderr, tc.stderr) {
				t.Errorf("got %s\nwant exit %d, stdout with %q, stderr with %q", res, tc.wantCode, tc.stdout, tc.stderr)
			}
			if res.Args[0] != "--root" || res.Args[1] != rt.Root {
				t.Errorf("args: got %q, want --root %q first", res.Args, rt.Root)
			}
		})
	}
}

// TestExitCode checks that a command killed by a signal shows as 128+N,
// the way a shell and runc report it.
func TestExitCode(t *testing.T) {
	tests := []struct {
		name   string
		script string
		want   int
	}{
		{"exit 0", "exit 0", 0},
		{"exit 3", "exit 3", 3},
		{"SIGTERM", "kill -TERM $$", 143},
		{"SIGKILL", "kill -KILL $$", 137},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command("/bin/sh", "-c", tc.script)
			_ = cmd.Run()
			if got := exitCode(cmd); got != tc.want {
				t.Errorf("exitCode after %q: got %d, want %d", tc.script, got, tc.want)
			}
		})
	}
	if got := exitCode(exec.Command("/nonexistent")); got != -1 {
		t.Errorf("exitCode of a command that never ran: got %d, want -1", got)
	}
}

// TestRuntimeCleanup checks that a container a test leaves running is
// deleted when the test ends.
func TestRuntimeCleanup(t *testing.T) {
	RequireRoot(t)
	var rt *Runtime
	var id string
	t.Run("leave a container running", func(t *testing.T) {
		rt = Runc(t)
		b := NewBundle(t, BusyboxRootfs(t), "sleep", "60")
		id = b.ID
		rt.MustRun(t, "run", "--detach", "--bundle", b.Dir, b.ID)
	})
	AssertNoLeaks(t, rt.Root, id)
}

func TestParity(t *testing.T) {
	RequireRoot(t)
	b := NewBundle(t, BusyboxRootfs(t), "sleep", "60")
	var states, lists []string
	for _, newRuntime := range Runtimes() {
		rt := newRuntime(t)
		rt.MustRun(t, "create", "--bundle", b.Dir, b.ID)
		states = append(states, rt.MustRun(t, "state", b.ID).Stdout)
		lists = append(lists, rt.MustRun(t, "list", "--format", "json").Stdout)
		rt.MustRun(t, "delete", "--force", b.ID)
		AssertNoLeaks(t, rt.Root, b.ID)
	}
	AssertJSONParity(t, "state of a created container", states[0], states[1])
	AssertJSONParity(t, "list of one created container", lists[0], lists[1])
}
