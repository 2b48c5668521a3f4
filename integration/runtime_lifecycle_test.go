package integration

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/agentrt/agentrt/integration/testenv"
)

// These scenarios hold whatever agent policy agentrt applies by default:
// they write nothing outside /tmp and need no capabilities.

// sleeper is the init of most scenarios: it runs until it is killed.
var sleeper = busybox("sleep", "100")

// withID returns args with every "ID" replaced by id.
func withID(args []string, id string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "ID" {
			out[i] = id
		}
	}
	return out
}

// stop kills the container's init with SIGKILL, a step of the transcript,
// and waits until the container has stopped.
func (s *session) stop() {
	s.t.Helper()
	expectCode(s.t, s.run("kill", s.id, "KILL"), 0)
	waitStatus(s.t, s.rt, s.id, "stopped")
}

// deleteGone deletes the container and checks that state no longer
// knows it.
func (s *session) deleteGone(args ...string) {
	s.t.Helper()
	expectCode(s.t, s.run(append(append([]string{"delete"}, args...), s.id)...), 0)
	expectCode(s.t, s.run("state", s.id), 1)
}

// TestCreate follows a container through create and start, with state,
// list and ps at every stage, and create's own flags.
func TestCreate(t *testing.T) {
	t.Run("create --bundle BUNDLE ID; start ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			mustCode(s.t, s.run("create", "--bundle", s.b.Dir, s.id), 0)
			s.json("state", s.id)
			s.json("list", "--format", "json")
			s.json("ps", "--format", "json", s.id)
			mustCode(s.t, s.run("start", s.id), 0)
			s.json("state", s.id)
			s.json("list", "--format", "json")
			s.json("ps", "--format", "json", s.id)
			s.stop()
			s.json("state", s.id)
			s.json("list", "--format", "json")
			s.deleteGone()
			s.json("list", "--format", "json")
		})
	})
	t.Run("create --pid-file FILE ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			mustCode(s.t, s.run("create", "--bundle", s.b.Dir, "--pid-file", s.path("init.pid"), s.id), 0)
			pid := stateOf(s.t, s.rt, s.id).Pid
			got := readFileString(s.t, s.path("init.pid"))
			if got != strconv.Itoa(pid) {
				s.t.Errorf("pid file holds %q, want the init pid %d", got, pid)
			}
			s.observe("pid file holds the init pid", strconv.FormatBool(got == strconv.Itoa(pid)))
			s.deleteGone("--force")
		})
	})
	t.Run("create --console-socket SOCK ID", func(t *testing.T) {
		parity(t, busyboxTerminal("sh", "-c", "tty; echo console-ok"), func(s *session) {
			sock := testenv.NewFDSocket(s.t)
			s.alias(sock.Path, "SOCK")
			mustCode(s.t, s.run("create", "--bundle", s.b.Dir, "--console-socket", sock.Path, s.id), 0)
			master := sock.Receive(s.t, waitTimeout)
			mustCode(s.t, s.run("start", s.id), 0)
			out := testenv.ReadTerminal(s.t, master, waitTimeout)
			if out != "/dev/pts/0\nconsole-ok\n" {
				s.t.Errorf("terminal output: got %q, want %q", out, "/dev/pts/0\nconsole-ok\n")
			}
			s.observe("terminal output", out)
			waitStatus(s.t, s.rt, s.id, "stopped")
			s.deleteGone()
		})
	})
	t.Run("create --preserve-fds 1 ID", func(t *testing.T) {
		parity(t, busybox("sh", "-c", "cat <&3"), func(s *session) {
			extra := openWithContent(s.t, s.path("extra"), "through fd 3\n")
			cmd := s.command("create", "--bundle", s.b.Dir, "--preserve-fds", "1", s.id)
			cmd.ExtraFiles = []*os.File{extra}
			bg := startCommand(s.t, cmd)
			res := bg.wait(s.t)
			s.record("create --preserve-fds 1 ID", res, "")
			mustCode(s.t, res, 0)
			mustCode(s.t, s.run("start", s.id), 0)
			waitStatus(s.t, s.rt, s.id, "stopped")
			// init inherited create's stdout, so its output is in create's
			// stdout file once it has stopped.
			out := bg.result().Stdout
			if out != "through fd 3\n" {
				s.t.Errorf("init read %q from fd 3, want %q", out, "through fd 3\n")
			}
			s.observe("init output", out)
			s.deleteGone()
		})
	})
	for _, flag := range []string{"--no-pivot", "--no-new-keyring"} {
		t.Run("create "+flag+" ID", func(t *testing.T) {
			parity(t, busybox("sh", "-c", "exit 0"), func(s *session) {
				mustCode(s.t, s.run("create", "--bundle", s.b.Dir, flag, s.id), 0)
				s.json("state", s.id)
				mustCode(s.t, s.run("start", s.id), 0)
				waitStatus(s.t, s.rt, s.id, "stopped")
				s.json("state", s.id)
				s.deleteGone()
			})
		})
	}
}

// openWithContent writes content to path and opens it for reading, for a
// descriptor handed to a container.
func openWithContent(t testing.TB, path, content string) *os.File {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestRun covers run attached, detached and kept, and its exit status.
func TestRun(t *testing.T) {
	tests := []struct {
		name   string
		flags  []string
		args   []string
		stdin  string
		want   int
		stdout string
	}{
		{name: "run ID", args: []string{"sh", "-c", "exit 3"}, want: 3},
		{name: "run ID (output)", args: []string{"echo", "hello"}, want: 0, stdout: "hello\n"},
		{name: "run ID (stdin)", args: []string{"cat"}, stdin: "from stdin\n", want: 0, stdout: "from stdin\n"},
		{name: "run --no-pivot ID", flags: []string{"--no-pivot"}, args: []string{"sh", "-c", "exit 3"}, want: 3},
		{name: "run --no-new-keyring ID", flags: []string{"--no-new-keyring"}, args: []string{"sh", "-c", "exit 3"}, want: 3},
		{name: "run --no-subreaper ID", flags: []string{"--no-subreaper"}, args: []string{"sh", "-c", "exit 3"}, want: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parity(t, busybox(tc.args...), func(s *session) {
				args := append(append([]string{"run", "--bundle", s.b.Dir}, tc.flags...), s.id)
				res := s.runStdin(tc.stdin, args...)
				expectCode(s.t, res, tc.want)
				if res.Stdout != tc.stdout {
					s.t.Errorf("stdout: got %q, want %q", res.Stdout, tc.stdout)
				}
				// Without --keep, run deletes the container it ran.
				expectCode(s.t, s.run("state", s.id), 1)
			})
		})
	}
	t.Run("run --keep ID", func(t *testing.T) {
		parity(t, busybox("sh", "-c", "exit 3"), func(s *session) {
			expectCode(s.t, s.run("run", "--keep", "--bundle", s.b.Dir, s.id), 3)
			if st := stateOf(s.t, s.rt, s.id); st.Status != "stopped" {
				s.t.Errorf("state after run --keep: got %q, want stopped", st.Status)
			}
			s.json("state", s.id)
			s.json("list", "--format", "json")
			s.deleteGone()
		})
	})
	t.Run("run --detach ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			mustCode(s.t, s.run("run", "--detach", "--bundle", s.b.Dir, s.id), 0)
			s.json("state", s.id)
			s.json("ps", "--format", "json", s.id)
			s.stop()
			s.json("state", s.id)
			s.deleteGone()
		})
	})
	t.Run("run --detach --pid-file FILE ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			mustCode(s.t, s.run("run", "-d", "--pid-file", s.path("pid"), "--bundle", s.b.Dir, s.id), 0)
			pid := stateOf(s.t, s.rt, s.id).Pid
			got := readFileString(s.t, s.path("pid"))
			if got != strconv.Itoa(pid) {
				s.t.Errorf("pid file holds %q, want the init pid %d", got, pid)
			}
			waitCommand(s.t, pid, "sleep 100")
			s.deleteGone("--force")
		})
	})
	t.Run("run --detach --pidfd-socket SOCK ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			sock := testenv.NewFDSocket(s.t)
			s.alias(sock.Path, "SOCK")
			mustCode(s.t, s.run("run", "-d", "--pidfd-socket", sock.Path, "--bundle", s.b.Dir, s.id), 0)
			pid := pidfdPid(s.t, sock.Receive(s.t, waitTimeout))
			if want := stateOf(s.t, s.rt, s.id).Pid; pid != want {
				s.t.Errorf("pidfd refers to process %d, want the init %d", pid, want)
			}
			s.deleteGone("--force")
		})
	})
	t.Run("run --preserve-fds 1 ID", func(t *testing.T) {
		parity(t, busybox("sh", "-c", "cat <&3"), func(s *session) {
			cmd := s.command("run", "--preserve-fds", "1", "--bundle", s.b.Dir, s.id)
			cmd.ExtraFiles = []*os.File{openWithContent(s.t, s.path("extra"), "through fd 3\n")}
			res := startCommand(s.t, cmd).wait(s.t)
			s.record("run --preserve-fds 1 ID", res, res.Stdout)
			expectCode(s.t, res, 0)
			if res.Stdout != "through fd 3\n" {
				s.t.Errorf("init read %q from fd 3, want %q", res.Stdout, "through fd 3\n")
			}
		})
	})
}

// pidfdPid returns the process a pidfd refers to, from its fdinfo.
func pidfdPid(t testing.TB, f *os.File) int {
	t.Helper()
	info := readFileString(t, "/proc/self/fdinfo/"+strconv.Itoa(int(f.Fd())))
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			pid, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatalf("pidfd fdinfo %q: %v", line, err)
			}
			return pid
		}
	}
	t.Fatalf("descriptor is not a pidfd; fdinfo:\n%s", info)
	return 0
}

// TestKill sends signals by name and number to an attached run, whose
// init says by its exit status which signal it got: 42 for SIGTERM, 43
// for SIGUSR1 (trapped), 128+9 for SIGKILL, as run reports a killed init.
func TestKill(t *testing.T) {
	trapper := busybox("sh", "-c", "trap 'exit 42' TERM; trap 'exit 43' USR1; while :; do sleep 0.1; done")
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"kill ID", []string{"kill", "ID"}, 42},
		{"kill ID SIGTERM", []string{"kill", "ID", "SIGTERM"}, 42},
		{"kill ID TERM", []string{"kill", "ID", "TERM"}, 42},
		{"kill ID term", []string{"kill", "ID", "term"}, 42},
		{"kill ID 15", []string{"kill", "ID", "15"}, 42},
		{"kill ID usr1", []string{"kill", "ID", "usr1"}, 43},
		{"kill ID KILL", []string{"kill", "ID", "KILL"}, 137},
		{"kill ID SIGKILL", []string{"kill", "ID", "SIGKILL"}, 137},
		{"kill ID 9", []string{"kill", "ID", "9"}, 137},
		{"kill --all ID KILL", []string{"kill", "--all", "ID", "KILL"}, 137},
		{"kill -a ID 9", []string{"kill", "-a", "ID", "9"}, 137},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parity(t, trapper, func(s *session) {
				bg := startCommand(s.t, s.command("run", "--bundle", s.b.Dir, s.id))
				pid := waitStatus(s.t, s.rt, s.id, "running").Pid
				waitSignalCaught(s.t, pid, syscall.SIGTERM)
				waitSignalCaught(s.t, pid, syscall.SIGUSR1)
				expectCode(s.t, s.run(withID(tc.args, s.id)...), 0)
				res := bg.wait(s.t)
				s.record("run ID (after "+tc.name+")", res, res.Stdout)
				expectCode(s.t, res, tc.want)
				expectCode(s.t, s.run("state", s.id), 1)
			})
		})
	}
	t.Run("kill ID 0", func(t *testing.T) {
		// Signal 0 checks that init exists without signalling it.
		parity(t, sleeper, func(s *session) {
			mustCode(s.t, s.run("run", "-d", "--bundle", s.b.Dir, s.id), 0)
			expectCode(s.t, s.run("kill", s.id, "0"), 0)
			s.json("state", s.id)
			s.deleteGone("--force")
		})
	})
}

// TestDelete deletes containers in every state.
func TestDelete(t *testing.T) {
	t.Run("delete ID (stopped)", func(t *testing.T) {
		parity(t, busybox("true"), func(s *session) {
			mustCode(s.t, s.run("run", "-d", "--bundle", s.b.Dir, s.id), 0)
			waitStatus(s.t, s.rt, s.id, "stopped")
			s.deleteGone()
		})
	})
	t.Run("delete ID (created)", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			mustCode(s.t, s.run("create", "--bundle", s.b.Dir, s.id), 0)
			s.deleteGone()
		})
	})
	t.Run("delete ID (running); delete --force ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			mustCode(s.t, s.run("run", "-d", "--bundle", s.b.Dir, s.id), 0)
			res := s.run("delete", s.id)
			expectCode(s.t, res, 1)
			if !strings.Contains(res.Stderr, "running") {
				s.t.Errorf("delete of a running container: stderr %q does not say it is running", res.Stderr)
			}
			s.json("state", s.id)
			s.deleteGone("--force")
		})
	})
	t.Run("delete --force ID (paused)", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			mustCode(s.t, s.run("run", "-d", "--bundle", s.b.Dir, s.id), 0)
			mustCode(s.t, s.run("pause", s.id), 0)
			expectCode(s.t, s.run("delete", s.id), 1)
			s.deleteGone("--force")
		})
	})
	t.Run("delete -f ID (created)", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			mustCode(s.t, s.run("create", "--bundle", s.b.Dir, s.id), 0)
			s.deleteGone("-f")
		})
	})
}
