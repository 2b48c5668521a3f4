package integration

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/agentrt/agentrt/integration/testenv"
)

// processJSON is a process for `exec --process`: it needs no capability
// and writes only to its stdout.
const processJSON = `{
	"terminal": false,
	"user": {"uid": 0, "gid": 0},
	"args": ["sh", "-c", "echo from-process $FOO; exit 5"],
	"env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "FOO=bar"],
	"cwd": "/tmp"
}`

// runDetached runs the session's bundle detached (run -d), a step of the
// transcript, for a scenario to exec into or to watch stop.
func (s *session) runDetached() {
	s.t.Helper()
	mustCode(s.t, s.run("run", "-d", "--bundle", s.b.Dir, s.id), 0)
}

// TestExec runs processes in a running container with every exec flag
// that needs neither a capability nor a writable rootfs; the process'
// exit status is exec's, and 255 means that exec itself failed.
func TestExec(t *testing.T) {
	tests := []struct {
		name   string
		args   []string // after "exec", with ID for the container id
		want   int
		stdout string
	}{
		{"exec ID sh -c 'exit 3'", []string{"ID", "sh", "-c", "exit 3"}, 3, ""},
		{"exec ID echo hello", []string{"ID", "echo", "hello"}, 0, "hello\n"},
		{"exec ID /nonexistent", []string{"ID", "/nonexistent"}, 255, ""},
		{"exec --cwd /tmp ID pwd", []string{"--cwd", "/tmp", "ID", "pwd"}, 0, "/tmp\n"},
		{"exec --cwd relative ID pwd", []string{"--cwd", "relative", "ID", "pwd"}, 255, ""},
		{"exec --env FOO=bar ID sh -c 'echo $FOO'", []string{"--env", "FOO=bar", "ID", "sh", "-c", "echo $FOO"}, 0, "bar\n"},
		{"exec -e A=1 -e B=2 ID sh -c 'echo $A$B'", []string{"-e", "A=1", "-e", "B=2", "ID", "sh", "-c", "echo $A$B"}, 0, "12\n"},
		{"exec --user 65534:65534 ID id", []string{"--user", "65534:65534", "ID", "id"}, 0, "uid=65534(nobody) gid=65534(nobody)\n"},
		{"exec --user nobody ID id", []string{"--user", "nobody", "ID", "id"}, 255, ""},
		// Two gids: runc 1.5.3 lists a single --additional-gids twice.
		{"exec -u 65534 -g 10 -g 11 ID id -G", []string{"-u", "65534", "-g", "10", "-g", "11", "ID", "id", "-G"}, 0, "0 10 11\n"},
		{"exec ID (no command)", []string{"ID"}, 255, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parity(t, sleeper, func(s *session) {
				s.runDetached()
				res := s.text(append([]string{"exec"}, withID(tc.args, s.id)...)...)
				expectCode(s.t, res, tc.want)
				if tc.want == 0 && res.Stdout != tc.stdout {
					s.t.Errorf("stdout: got %q, want %q", res.Stdout, tc.stdout)
				}
				s.deleteGone("--force")
			})
		})
	}
	t.Run("exec --process FILE ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			res := s.text("exec", "--process", s.writeFile("process.json", processJSON), s.id)
			expectCode(s.t, res, 5)
			if res.Stdout != "from-process bar\n" {
				s.t.Errorf("stdout: got %q, want %q", res.Stdout, "from-process bar\n")
			}
			s.deleteGone("--force")
		})
	})
	t.Run("exec --detach --pid-file FILE ID sleep 30", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			mustCode(s.t, s.run("exec", "--detach", "--pid-file", s.path("exec.pid"), s.id, "sleep", "30"), 0)
			pid, err := strconv.Atoi(readFileString(s.t, s.path("exec.pid")))
			if err != nil {
				s.t.Fatalf("pid file: %v", err)
			}
			waitCommand(s.t, pid, "sleep 30")
			s.json("ps", "--format", "json", s.id)
			s.deleteGone("--force")
		})
	})
	t.Run("exec --detach --pidfd-socket SOCK --pid-file FILE ID sleep 30", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			sock := testenv.NewFDSocket(s.t)
			s.alias(sock.Path, "SOCK")
			mustCode(s.t, s.run("exec", "-d", "--pidfd-socket", sock.Path, "--pid-file", s.path("exec.pid"), s.id, "sleep", "30"), 0)
			pid := pidfdPid(s.t, sock.Receive(s.t, waitTimeout))
			if want := readFileString(s.t, s.path("exec.pid")); strconv.Itoa(pid) != want {
				s.t.Errorf("pidfd refers to process %d, want the exec process %s", pid, want)
			}
			s.deleteGone("--force")
		})
	})
	t.Run("exec --preserve-fds 1 ID sh -c 'cat <&3'", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			cmd := s.command("exec", "--preserve-fds", "1", s.id, "sh", "-c", "cat <&3")
			cmd.ExtraFiles = []*os.File{openWithContent(s.t, s.path("extra"), "through fd 3\n")}
			res := startCommand(s.t, cmd).wait(s.t)
			s.record("exec --preserve-fds 1 ID sh -c 'cat <&3'", res, res.Stdout)
			expectCode(s.t, res, 0)
			if res.Stdout != "through fd 3\n" {
				s.t.Errorf("exec read %q from fd 3, want %q", res.Stdout, "through fd 3\n")
			}
			s.deleteGone("--force")
		})
	})
	t.Run("exec --tty ID sh -c 'tty; exit 4'", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			master, slave := testenv.OpenPty(s.t)
			cmd := s.command("exec", "--tty", s.id, "sh", "-c", "tty; exit 4")
			cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
			bg := startCommand(s.t, cmd)
			slave.Close()
			out := testenv.ReadTerminal(s.t, master, waitTimeout)
			res := bg.wait(s.t)
			s.record("exec --tty ID sh -c 'tty; exit 4'", res, out)
			expectCode(s.t, res, 4)
			if out != "/dev/pts/0\n" {
				s.t.Errorf("terminal output: got %q, want %q", out, "/dev/pts/0\n")
			}
			s.deleteGone("--force")
		})
	})
	t.Run("exec --detach --tty --console-socket SOCK ID sh -c 'tty; echo exec-ok'", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			sock := testenv.NewFDSocket(s.t)
			s.alias(sock.Path, "SOCK")
			mustCode(s.t, s.run("exec", "--detach", "--tty", "--console-socket", sock.Path, s.id, "sh", "-c", "tty; echo exec-ok"), 0)
			out := testenv.ReadTerminal(s.t, sock.Receive(s.t, waitTimeout), waitTimeout)
			if out != "/dev/pts/0\nexec-ok\n" {
				s.t.Errorf("terminal output: got %q, want %q", out, "/dev/pts/0\nexec-ok\n")
			}
			s.observe("terminal output", out)
			s.deleteGone("--force")
		})
	})
	t.Run("exec ID true (paused)", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			mustCode(s.t, s.run("pause", s.id), 0)
			res := s.run("exec", s.id, "true")
			expectCode(s.t, res, 255)
			if !strings.Contains(res.Stderr, "paused") {
				s.t.Errorf("exec in a paused container: stderr %q does not say it is paused", res.Stderr)
			}
			s.deleteGone("--force")
		})
	})
	t.Run("exec ID true (stopped)", func(t *testing.T) {
		parity(t, busybox("true"), func(s *session) {
			s.runDetached()
			waitStatus(s.t, s.rt, s.id, "stopped")
			expectCode(s.t, s.run("exec", s.id, "true"), 255)
			s.deleteGone()
		})
	})
	// Capabilities last: the agent policy keeps none by default, so agentrt
	// differs from runc on purpose (README, "Compatibility with runc"):
	// runc adds the capability, agentrt refuses it with the admin key that
	// would allow it.
	t.Run("exec --cap CAP_CHOWN ID grep CapBnd /proc/self/status", func(t *testing.T) {
		rt := testenv.Agentrt(t)
		b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), "sleep", "60")
		b.Save(t)
		rt.MustRun(t, "run", "--detach", "--bundle", b.Dir, b.ID)
		res := rt.Run(t, "exec", "--cap", "CAP_CHOWN", b.ID, "grep", "CapBnd", "/proc/self/status")
		expectCode(t, res, 255)
		msg := errorText(res.Stderr)
		for _, want := range []string{`--cap "CAP_CHOWN"`, "profiles.agent.ceiling.process.capabilities"} {
			if !strings.Contains(msg, want) {
				t.Errorf("error %q does not name %s", msg, want)
			}
		}
		rt.MustRun(t, "delete", "--force", b.ID)
		testenv.AssertNoLeaks(t, rt.Root, b.ID)
	})
}
