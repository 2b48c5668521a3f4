package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agentrt/agentrt/integration/testenv"
)

// waitTimeout bounds every wait of these tests for a container or a
// process to reach a state; on these machines each takes well under a
// second.
const waitTimeout = 20 * time.Second

// bundleFunc makes a fresh bundle for one runtime's run of a scenario, so
// that runc and agentrt never share a bundle or a container id.
type bundleFunc func(t testing.TB) *testenv.Bundle

// busybox returns a bundleFunc for the busybox rootfs running args.
func busybox(args ...string) bundleFunc {
	return func(t testing.TB) *testenv.Bundle {
		t.Helper()
		return testenv.NewBundle(t, testenv.BusyboxRootfs(t), args...)
	}
}

// busyboxTerminal is busybox with process.terminal set, for the console
// socket scenarios.
func busyboxTerminal(args ...string) bundleFunc {
	return func(t testing.TB) *testenv.Bundle {
		t.Helper()
		b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), args...)
		b.Spec().Process.Terminal = true
		b.Save(t)
		return b
	}
}

// session is one runtime's run of a scenario. Every runtime command the
// scenario runs through it becomes a step of its transcript; parity
// compares the transcripts of runc and agentrt step by step.
type session struct {
	t  *testing.T
	rt *testenv.Runtime
	b  *testenv.Bundle
	// id is the container id of this run.
	id string
	// dir is a private directory for the files the scenario hands to the
	// runtime (pid files, process files, logs).
	dir   string
	steps []step
	// aliases are more replacements for normalize, such as a socket path
	// and its placeholder.
	aliases []string
}

// step is one command of a transcript, or one observation the scenario
// made about the container.
type step struct {
	// name is the command line with ID, BUNDLE and DIR in place of what
	// differs between the two runs.
	name string
	res  testenv.Result
	// json, when set, is output for AssertJSONParity.
	json string
	// text, when hasText, is output compared as it is (after normalize).
	text    string
	hasText bool
}

func newSession(t *testing.T, rt *testenv.Runtime, b *testenv.Bundle) *session {
	t.Helper()
	dir, err := os.MkdirTemp(t.TempDir(), "files-")
	if err != nil {
		t.Fatal(err)
	}
	return &session{t: t, rt: rt, b: b, id: b.ID, dir: dir}
}

// parity runs scenario once with runc 1.5.3 and once with agentrt, each
// with its own root, bundle and container id, checks after each run that
// nothing of the container is left, and then compares the two
// transcripts: the same steps with the same exit statuses, the same JSON
// up to ids, pids and times, the same text outputs. The scenario must end
// with its container deleted.
func parity(t *testing.T, newBundle bundleFunc, scenario func(s *session)) {
	t.Helper()
	testenv.RequireRoot(t)
	var runs []*session
	for _, newRuntime := range testenv.Runtimes() {
		rt := newRuntime(t)
		s := newSession(t, rt, newBundle(t))
		t.Run(rt.Name, func(t *testing.T) {
			s.t = t
			scenario(s)
		})
		testenv.AssertNoLeaks(t, rt.Root, s.id)
		runs = append(runs, s)
	}
	compareRuns(t, runs[0], runs[1])
}

// compareRuns reports every step where agentrt's run differs from runc's.
func compareRuns(t *testing.T, runc, agentrt *session) {
	t.Helper()
	for i := 0; i < max(len(runc.steps), len(agentrt.steps)); i++ {
		if i >= len(runc.steps) || i >= len(agentrt.steps) {
			t.Errorf("runc ran %d steps, agentrt %d: the runs stopped at different places", len(runc.steps), len(agentrt.steps))
			return
		}
		want, got := runc.steps[i], agentrt.steps[i]
		if want.name != got.name {
			t.Errorf("step %d: agentrt ran %q where runc ran %q", i, got.name, want.name)
			return
		}
		compareStep(t, want, got)
	}
}

func compareStep(t *testing.T, want, got step) {
	t.Helper()
	if got.res.ExitCode != want.res.ExitCode {
		t.Errorf("%s: got exit status %d from agentrt, want %d as from runc\nrunc %s\nagentrt %s",
			want.name, got.res.ExitCode, want.res.ExitCode, want.res, got.res)
		return
	}
	if want.json != "" || got.json != "" {
		if want.json == "" || got.json == "" {
			t.Errorf("%s: got JSON %q from agentrt, want %q as from runc", want.name, got.json, want.json)
		} else {
			testenv.AssertJSONParity(t, want.name, want.json, got.json)
		}
	}
	if want.hasText && got.text != want.text {
		t.Errorf("%s: got %q from agentrt, want %q as from runc", want.name, got.text, want.text)
	}
}

// normalize replaces what differs between the runs of a scenario.
func (s *session) normalize(str string) string {
	pairs := append([]string{s.dir, "DIR", s.b.Dir, "BUNDLE", s.id, "ID"}, s.aliases...)
	return strings.NewReplacer(pairs...).Replace(str)
}

// alias makes normalize write placeholder for value, such as "SOCK" for
// a socket path outside the session's directory.
func (s *session) alias(value, placeholder string) {
	s.aliases = append(s.aliases, value, placeholder)
}

// path is the path of a file named name in the session's directory.
func (s *session) path(name string) string { return filepath.Join(s.dir, name) }

// run runs a runtime command and records its exit status.
func (s *session) run(args ...string) testenv.Result {
	s.t.Helper()
	return s.runStdin("", args...)
}

// runStdin is run with stdin.
func (s *session) runStdin(stdin string, args ...string) testenv.Result {
	s.t.Helper()
	res := s.rt.RunStdin(s.t, stdin, args...)
	s.steps = append(s.steps, step{name: s.stepName(args), res: res})
	return res
}

// json runs a command whose output is state, list or ps JSON and records
// it for the parity check.
func (s *session) json(args ...string) testenv.Result {
	s.t.Helper()
	res := s.rt.Run(s.t, args...)
	st := step{name: s.stepName(args), res: res}
	if res.ExitCode == 0 {
		st.json = res.Stdout
	}
	s.steps = append(s.steps, st)
	return res
}

// text runs a command and records its normalized stdout for an exact
// comparison.
func (s *session) text(args ...string) testenv.Result {
	s.t.Helper()
	res := s.rt.Run(s.t, args...)
	s.steps = append(s.steps, step{name: s.stepName(args), res: res, text: s.normalize(res.Stdout), hasText: true})
	return res
}

// record adds a result the scenario got some other way (a command in the
// background, with a terminal), with out compared exactly.
func (s *session) record(name string, res testenv.Result, out string) {
	s.steps = append(s.steps, step{name: name, res: res, text: s.normalize(out), hasText: true})
}

// observe records a fact the scenario read from the system (a cgroup
// value, the content of a file), compared exactly between the runs.
func (s *session) observe(name, value string) {
	s.steps = append(s.steps, step{name: name, text: s.normalize(value), hasText: true})
}

func (s *session) stepName(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = a
		if a == "" || strings.ContainsAny(a, " '\"$;&|<>") {
			quoted[i] = "'" + a + "'"
		}
	}
	return s.normalize(strings.Join(quoted, " "))
}

// expectCode fails the scenario when res did not end with want; the
// expectation holds for runc and agentrt alike.
func expectCode(t testing.TB, res testenv.Result, want int) {
	t.Helper()
	if res.ExitCode != want {
		t.Errorf("got exit status %d, want %d\n%s", res.ExitCode, want, res)
	}
}

// mustCode is expectCode that stops the scenario.
func mustCode(t testing.TB, res testenv.Result, want int) {
	t.Helper()
	if res.ExitCode != want {
		t.Fatalf("got exit status %d, want %d\n%s", res.ExitCode, want, res)
	}
}

// containerState is the part of `state` these tests read.
type containerState struct {
	ID     string `json:"id"`
	Pid    int    `json:"pid"`
	Status string `json:"status"`
}

// stateOf returns the state of container id, failing the test when the
// runtime cannot tell it.
func stateOf(t testing.TB, rt *testenv.Runtime, id string) containerState {
	t.Helper()
	res := rt.Run(t, "state", id)
	if res.ExitCode != 0 {
		t.Fatalf("%s state: %s", rt.Name, res)
	}
	var st containerState
	if err := json.Unmarshal([]byte(res.Stdout), &st); err != nil {
		t.Fatalf("%s state: decode %q: %v", rt.Name, res.Stdout, err)
	}
	return st
}

// waitStatus polls state until container id has status want, and returns
// that state.
func waitStatus(t testing.TB, rt *testenv.Runtime, id, want string) containerState {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		res := rt.Run(t, "state", id)
		var st containerState
		if res.ExitCode == 0 && json.Unmarshal([]byte(res.Stdout), &st) == nil && st.Status == want {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %q did not become %s within %v; last state: %s", id, want, waitTimeout, res)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFor polls cond until it is true or waitTimeout passed.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", waitTimeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitSignalCaught waits until process pid has a handler for sig, so that
// a signal sent afterwards is not lost to a shell that has not yet run its
// trap (a container's init ignores signals it has no handler for).
func waitSignalCaught(t testing.TB, pid int, sig syscall.Signal) {
	t.Helper()
	waitFor(t, fmt.Sprintf("process %d to catch %v", pid, sig), func() bool {
		mask, err := procStatusHex(pid, "SigCgt")
		return err == nil && mask&(1<<(uint(sig)-1)) != 0
	})
}

// procStatusHex reads a hexadecimal field of /proc/PID/status.
func procStatusHex(pid int, field string) (uint64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			var n uint64
			_, err := fmt.Sscanf(strings.TrimSpace(v), "%x", &n)
			return n, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// procCmdline is the command line of pid with spaces between arguments.
func procCmdline(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(strings.ReplaceAll(string(data), "\x00", " "))
}

// waitCommand waits until process pid runs cmd: a runtime may return
// before the process has made its last execve (agentrt's sandbox entry
// execs the process after applying Landlock).
func waitCommand(t testing.TB, pid int, cmd string) {
	t.Helper()
	last := ""
	deadline := time.Now().Add(waitTimeout)
	for last = procCmdline(pid); last != cmd; last = procCmdline(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d runs %q after %v, want %q", pid, last, waitTimeout, cmd)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// background is a runtime command running while the test goes on.
type background struct {
	cmd            *exec.Cmd
	stdout, stderr *os.File
	done           chan struct{}
}

// startCommand starts cmd with its stdout and stderr in files (unless the
// caller set them), for commands such as an attached run that the test
// talks to while they run.
func startCommand(t testing.TB, cmd *exec.Cmd) *background {
	t.Helper()
	bg := &background{cmd: cmd, done: make(chan struct{})}
	dir, err := os.MkdirTemp(t.TempDir(), "bg-")
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Stdout == nil {
		bg.stdout = createFile(t, filepath.Join(dir, "stdout"))
		cmd.Stdout = bg.stdout
	}
	if cmd.Stderr == nil {
		bg.stderr = createFile(t, filepath.Join(dir, "stderr"))
		cmd.Stderr = bg.stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %q: %v", cmd.Args, err)
	}
	go func() {
		_ = cmd.Wait()
		close(bg.done)
	}()
	t.Cleanup(func() {
		select {
		case <-bg.done:
		default:
			_ = cmd.Process.Kill()
			<-bg.done
		}
	})
	return bg
}

// wait waits for the command to exit and returns what it did.
func (bg *background) wait(t testing.TB) testenv.Result {
	t.Helper()
	select {
	case <-bg.done:
	case <-time.After(waitTimeout):
		_ = bg.cmd.Process.Kill()
		<-bg.done
		t.Errorf("%q did not exit within %v; killed it", bg.cmd.Args, waitTimeout)
	}
	return bg.result()
}

// kill sends SIGKILL to the command (by its pid) and waits for it.
func (bg *background) kill(t testing.TB) testenv.Result {
	t.Helper()
	if err := bg.cmd.Process.Kill(); err != nil {
		t.Logf("kill %d: %v", bg.cmd.Process.Pid, err)
	}
	return bg.wait(t)
}

func (bg *background) result() testenv.Result {
	res := testenv.Result{Args: bg.cmd.Args[1:], ExitCode: shellStatus(bg.cmd)}
	res.Stdout = readClosed(bg.stdout)
	res.Stderr = readClosed(bg.stderr)
	return res
}

func readClosed(f *os.File) string {
	if f == nil {
		return ""
	}
	data, _ := os.ReadFile(f.Name())
	return string(data)
}

// shellStatus is the exit status of a finished command the way a shell
// shows it: 128+N after signal N.
func shellStatus(cmd *exec.Cmd) int {
	ps := cmd.ProcessState
	if ps == nil {
		return -1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

func createFile(t testing.TB, path string) *os.File {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// command is the runtime command for a scenario that needs its own stdio
// or extra files.
func (s *session) command(args ...string) *exec.Cmd {
	return s.rt.Command(context.Background(), args...)
}

// writeFile writes content into a new file in the session's directory and
// returns its path.
func (s *session) writeFile(name, content string) string {
	s.t.Helper()
	p := s.path(name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
	return p
}

// readFileString returns the content of path, failing the test when it
// cannot be read.
func readFileString(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// shortTempDir makes a temporary directory with a short path, for unix
// sockets, whose paths may not be longer than 107 bytes; t.TempDir() paths
// carry the test's name.
func shortTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "art-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
