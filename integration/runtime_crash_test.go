package integration

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/integration/testenv"
	"github.com/agentrt/agentrt/internal/testrootfs"
)

// TestCrash kills the runtime with SIGKILL in the middle of its work and
// checks that `delete --force ID` afterwards exits 0 and leaves nothing
// of the container behind.
func TestCrash(t *testing.T) {
	// Hooks run on the host, in the runtime's own namespaces, so they run
	// the host's static busybox. createRuntime and prestart hooks run
	// while init waits in the container's new namespaces and cgroup,
	// before libcontainer has written state.json.
	for _, hook := range []string{"createRuntime", "prestart"} {
		t.Run("kill -9 agentrt create (blocked in a "+hook+" hook); delete --force ID", func(t *testing.T) {
			testenv.RequireRoot(t)
			rt := testenv.Agentrt(t)
			b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), "sleep", "100")
			hookPid := filepath.Join(t.TempDir(), "hook.pid")
			addBlockingHook(t, b, hook, hookPid)
			create := startCommand(t, rt.Command(context.Background(), "create", "--bundle", b.Dir, b.ID))
			waitFor(t, "the hook to run", func() bool { return fileHasLine(hookPid) })
			var init int
			waitFor(t, "init in the container's cgroup", func() bool {
				init = processInCgroupOf(b.ID)
				return init > 0
			})
			if _, err := os.Stat(filepath.Join(rt.Root, b.ID, "state.json")); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("state.json exists while the hook blocks (%v): the crash would not be the one this test is about", err)
			}
			if res := create.kill(t); res.ExitCode != 128+int(syscall.SIGKILL) {
				t.Fatalf("create was not killed: %s", res)
			}
			// The hook is the runtime's child, not part of the
			// container: delete cannot know it, and an engine that
			// kills a runtime kills its hooks too.
			killHook(t, hookPid)
			if _, err := os.Stat(filepath.Join(rt.Root, b.ID)); err != nil {
				t.Fatalf("no state directory left by the killed create, nothing to clean up: %v", err)
			}
			res := rt.Run(t, "delete", "--force", b.ID)
			if res.ExitCode != 0 {
				t.Errorf("delete --force after the crash: %s", res)
			}
			if res := rt.Run(t, "state", b.ID); res.ExitCode == 0 {
				t.Errorf("state after delete --force still knows the container: %s", res)
			}
			testenv.AssertNoLeaks(t, rt.Root, b.ID)
			if cmd := procCmdline(init); cmd != "" {
				t.Errorf("init %d (%s) survived delete --force", init, cmd)
			}
		})
	}
	t.Run("kill -9 RUNTIME run ID; delete --force ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			run := startCommand(s.t, s.command("run", "--bundle", s.b.Dir, s.id))
			waitStatus(s.t, s.rt, s.id, "running")
			res := run.kill(s.t)
			s.record("run ID (killed with SIGKILL)", res, "")
			// The container outlives the runtime that started it.
			s.json("state", s.id)
			s.deleteGone("--force")
		})
	})
	t.Run("kill -9 RUNTIME exec ID sleep 30; delete --force ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			exec := startCommand(s.t, s.command("exec", s.id, "sleep", "30"))
			waitFor(s.t, "the exec process", func() bool { return s.psCount() == 2 })
			res := exec.kill(s.t)
			s.record("exec ID sleep 30 (killed with SIGKILL)", res, "")
			s.json("ps", "--format", "json", s.id)
			s.deleteGone("--force")
		})
	})
}

// addBlockingHook adds a hook of the given kind that writes its pid to
// pidFile (which must not contain a single quote) and then sleeps for
// 30 seconds.
func addBlockingHook(t testing.TB, b *testenv.Bundle, kind, pidFile string) {
	t.Helper()
	h := specs.Hook{
		Path: testrootfs.BusyboxBin,
		Args: []string{"busybox", "sh", "-c", "echo $$ > '" + pidFile + "'; exec " + testrootfs.BusyboxBin + " sleep 30"},
	}
	s := b.Spec()
	if s.Hooks == nil {
		s.Hooks = &specs.Hooks{}
	}
	switch kind {
	case "createRuntime":
		s.Hooks.CreateRuntime = append(s.Hooks.CreateRuntime, h)
	case "prestart":
		s.Hooks.Prestart = append(s.Hooks.Prestart, h) //nolint:staticcheck // the deprecated hook is still run
	default:
		t.Fatalf("unknown hook kind %q", kind)
	}
	b.Save(t)
}

// killHook kills the hook process by the pid it wrote, if it still runs
// the hook's sleep, and waits until it is gone.
func killHook(t testing.TB, pidFile string) {
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(readFileString(t, pidFile)))
	if err != nil {
		t.Fatalf("hook pid file: %v", err)
	}
	if !strings.Contains(procCmdline(pid), "sleep 30") {
		return
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill hook %d: %v", pid, err)
	}
	waitFor(t, "the hook to exit", func() bool { return procCmdline(pid) == "" })
}

func fileHasLine(path string) bool {
	data, err := os.ReadFile(path)
	return err == nil && strings.HasSuffix(string(data), "\n")
}

// processInCgroupOf returns a process whose cgroup path ends in the
// container id (libcontainer names the container's cgroups after it), or
// 0 when there is none.
func processInCgroupOf(id string) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/cgroup")
		if err == nil && strings.Contains(string(data), "/"+id+"\n") {
			return pid
		}
	}
	return 0
}

// psCount is the number of processes ps --format json lists for the
// session's container (not a step of the transcript).
func (s *session) psCount() int {
	var pids []int
	_ = json.Unmarshal([]byte(s.rt.Run(s.t, "ps", "--format", "json", s.id).Stdout), &pids)
	return len(pids)
}
