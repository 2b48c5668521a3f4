package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/agentrt/agentrt/integration/testenv"
	"github.com/agentrt/agentrt/internal/testrootfs"
	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/spec"
)

// Outcomes of a probe action as the probe prints them: "allowed", or
// "blocked: " and the error, whose text names the errno.
const (
	probeAllowed = "allowed"
	probeEACCES  = "permission denied"       // Landlock's answer to a path or a port
	probeEPERM   = "operation not permitted" // Landlock's answer to a scoped signal or socket
)

// The edits that turn the embedded default admin config into the configs
// of these tests. Each is applied to its first occurrence, which is in
// profiles.agent.defaults: the ceiling follows the defaults.
var (
	// writableRootfs keeps the rootfs writable, so that a denied write is
	// Landlock's EACCES, not the read-only rootfs' EROFS, and the writable
	// paths are directories of the rootfs without a noexec mount: W^X is
	// then Landlock's alone.
	writableRootfs = landlockEdit{"read_only_rootfs = true", "read_only_rootfs = false"}
	// executableRoot makes everything executable but the writable paths.
	executableRoot = landlockEdit{"executable = ['/bin', ", "executable = ['/', '/bin', "}
	// noLandlock is the admin's switch that turns the landlock layer off.
	noLandlock = []landlockEdit{{"disabled = false", "disabled = true"}}
)

// landlockEdit replaces the first occurrence of old in a config with new.
type landlockEdit struct{ old, new string }

// landlockConfig writes agentrt's embedded default admin config, with its
// audit log moved into the test's directory and the edits applied, and
// returns its path. An edit whose text is missing fails the test: the
// default changed under it.
func landlockConfig(t *testing.T, rt *testenv.Runtime, edits ...landlockEdit) string {
	t.Helper()
	text := rt.MustRun(t, "config", "default").Stdout
	dir := t.TempDir()
	edits = append([]landlockEdit{{"audit_log = '/var/log/agentrt/audit.jsonl'",
		"audit_log = '" + filepath.Join(dir, "audit.jsonl") + "'"}}, edits...)
	for _, e := range edits {
		if !strings.Contains(text, e.old) {
			t.Fatalf("admin config: the default has no %q to edit", e.old)
		}
		text = strings.Replace(text, e.old, e.new, 1)
	}
	path := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := rt.Run(t, "config", "check", path); res.ExitCode != 0 {
		t.Fatalf("admin config rejected: %s\n%s", res, text)
	}
	return path
}

// imageKind is one of the images the Landlock tests run on.
type imageKind struct {
	name  string
	shell bool // has /bin/sh, cp, mv, ln
	glibc bool
	build func(testing.TB) string
}

var landlockImages = []imageKind{
	{name: "static", build: testenv.StaticRootfs},
	{name: "busybox", shell: true, build: testenv.BusyboxRootfs},
	{name: "glibc", shell: true, glibc: true, build: testenv.GlibcRootfs},
}

// landlockBundle makes a bundle with a private copy of the rootfs, the probe
// at /usr/bin/probe, the writable paths of the default policy, a
// directory /srv that the policy makes readable only, and a static
// program that exits 0 (xtrue) in /usr/bin, /srv, /tmp and /workspace.
func landlockBundle(t *testing.T, kind imageKind) *testenv.Bundle {
	t.Helper()
	b := testenv.NewBundle(t, kind.build(t), "probe", "sleep", "60")
	if kind.name != "static" {
		b.AddProbe(t)
	}
	xtrue := staticTrue(t)
	for _, dir := range []string{"tmp", "workspace", "srv", "usr/bin"} {
		d := filepath.Join(b.Rootfs, dir)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		installFile(t, xtrue, filepath.Join(d, "xtrue"), 0o755)
	}
	// The static rootfs has no /tmp at all; give it the usual mode.
	if err := os.Chmod(filepath.Join(b.Rootfs, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	return b
}

// staticTrue compiles a static program that exits 0 with gcc.
func staticTrue(t *testing.T) string {
	t.Helper()
	return gccBuild(t, "xtrue", "int main(void) { return 0; }\n", "-static")
}

// gccBuild compiles src with the host's gcc and returns the binary.
func gccBuild(t *testing.T, name, src string, flags ...string) string {
	t.Helper()
	gcc := testenv.RequireCommand(t, "gcc")
	dir := t.TempDir()
	c := filepath.Join(dir, name+".c")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	args := append([]string{"-O2", "-Wall", "-o", out, c}, flags...)
	args = append(args, "-pthread")
	if msg, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return out
}

func installFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dst, mode); err != nil {
		t.Fatal(err)
	}
}

// setProcessArgs makes args the bundle's process and saves the spec.
func setProcessArgs(t *testing.T, b *testenv.Bundle, args ...string) {
	t.Helper()
	b.Spec().Process.Args = args
	b.Save(t)
}

// runWithConfig runs the bundle's process with args under a fresh id with
// `agentrt --config cfg run`, checks that nothing is left of it, and
// returns what it did.
func runWithConfig(t *testing.T, rt *testenv.Runtime, cfg string, b *testenv.Bundle, args ...string) testenv.Result {
	t.Helper()
	setProcessArgs(t, b, args...)
	id := testenv.NewID(t)
	res := rt.Run(t, "--config", cfg, "run", "--bundle", b.Dir, id)
	testenv.AssertNoLeaks(t, rt.Root, id)
	return res
}

// wantProbe fails the test unless the probe's output says want:
// "allowed", or a blocked action with want in its error.
func wantProbe(t *testing.T, res testenv.Result, want string) {
	t.Helper()
	out := strings.TrimSpace(res.Stdout)
	switch {
	case want == probeAllowed && out == probeAllowed && res.ExitCode == 0:
	case want != probeAllowed && strings.HasPrefix(out, "blocked: ") && strings.Contains(out, want) && res.ExitCode == 1:
	default:
		t.Errorf("got %q (exit %d), want %q\n%s", out, res.ExitCode, want, res)
	}
}

// startWithConfig runs the bundle's process with args detached under a
// fresh id, and returns the id and the host pid of its init. The
// container is deleted when the test ends, and checked for leaks.
func startWithConfig(t *testing.T, rt *testenv.Runtime, cfg string, b *testenv.Bundle, args ...string) (string, int) {
	t.Helper()
	setProcessArgs(t, b, args...)
	return startBundleDir(t, rt, []string{"--config", cfg}, b.Dir)
}

// startBundleDir is startWithConfig for the bundle directory dir as it is,
// with the runtime's global flags.
func startBundleDir(t *testing.T, rt *testenv.Runtime, global []string, dir string) (string, int) {
	t.Helper()
	id := testenv.NewID(t)
	rt.MustRun(t, append(global, "run", "--detach", "--bundle", dir, id)...)
	t.Cleanup(func() {
		rt.Run(t, "delete", "--force", id)
		testenv.AssertNoLeaks(t, rt.Root, id)
	})
	return id, statePid(t, rt, id)
}

func statePid(t *testing.T, rt *testenv.Runtime, id string) int {
	t.Helper()
	var st struct {
		Pid int `json:"pid"`
	}
	out := rt.MustRun(t, "state", id).Stdout
	if err := json.Unmarshal([]byte(out), &st); err != nil || st.Pid <= 0 {
		t.Fatalf("state %s: no pid in %q (%v)", id, out, err)
	}
	return st.Pid
}

// createThenStart creates a container running args, calls setup with its
// init's host pid while init waits to start, starts it, waits for it to
// stop, and returns what init wrote to stdout and stderr.
func createThenStart(t *testing.T, rt *testenv.Runtime, cfg string, b *testenv.Bundle, setup func(pid int), args ...string) string {
	t.Helper()
	setProcessArgs(t, b, args...)
	id := testenv.NewID(t)
	out, err := os.Create(filepath.Join(t.TempDir(), "init-output"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testenv.DefaultTimeout)
	defer cancel()
	cmd := rt.Command(ctx, "--config", cfg, "create", "--bundle", b.Dir, id)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		data, _ := os.ReadFile(out.Name())
		t.Fatalf("create: %v\n%s", err, data)
	}
	defer func() {
		rt.Run(t, "delete", "--force", id)
		testenv.AssertNoLeaks(t, rt.Root, id)
	}()
	setup(statePid(t, rt, id))
	rt.MustRun(t, "start", id)
	waitForStop(t, rt, id)
	data, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func waitForStop(t *testing.T, rt *testenv.Runtime, id string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if strings.Contains(rt.MustRun(t, "state", id).Stdout, `"status": "stopped"`) {
			return
		}
	}
	t.Fatalf("container %q did not stop", id)
}

// inNetns runs fn on an OS thread that joined the network namespace of
// process pid. The thread is never returned to the Go scheduler: when fn
// returns it ends with its goroutine. Sockets fn creates stay in that
// namespace.
func inNetns(t *testing.T, pid int, fn func() error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // no Unlock: the thread dies with the goroutine
		f, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
		if err != nil {
			errc <- err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns into the netns of %d: %w", pid, err)
			return
		}
		errc <- fn()
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

// listenInNetns opens a listener in the netns of pid that accepts and closes
// every connection until the test ends.
func listenInNetns(t *testing.T, pid int, network, addr string) {
	t.Helper()
	var l net.Listener
	inNetns(t, pid, func() error {
		var err error
		l, err = net.Listen(network, addr)
		return err
	})
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

// nsPid returns the pid of host process pid in its innermost pid
// namespace (the last NSpid of /proc/PID/status).
func nsPid(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "NSpid:"); ok {
			f := strings.Fields(v)
			n, err := strconv.Atoi(f[len(f)-1])
			if err != nil {
				t.Fatalf("NSpid %q: %v", v, err)
			}
			return n
		}
	}
	t.Fatalf("no NSpid in /proc/%d/status", pid)
	return 0
}

// procStrings reads a NUL-separated /proc file of pid (cmdline, environ).
func procStrings(t *testing.T, pid int, name string) []string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00")
}

// waitExec waits until process pid runs args: `run --detach` and `exec
// --detach` return once the process started, which may be before the
// sandbox entry (or runc's init) has execed it. A process that keeps
// other args fails the test.
func waitExec(t *testing.T, pid int, args []string) {
	t.Helper()
	var got []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got = procStrings(t, pid, "cmdline"); slices.Equal(got, args) {
			return
		}
	}
	t.Fatalf("/proc/%d/cmdline: got %q, want %q", pid, got, args)
}

// procExe returns the target of /proc/PID/exe.
func procExe(t *testing.T, pid int) string {
	t.Helper()
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// fdOutputFile matches the files testenv.Runtime.Run captures stdout and
// stderr in, which differ from one command to the next.
var fdOutputFile = regexp.MustCompile(`^.*/out-\d+/(stdout|stderr)$`)

// fdInodeNumbers matches the numbers that pipes, sockets and anonymous
// inodes differ in from one process to the next.
var fdInodeNumbers = regexp.MustCompile(`:\[\d+\]$`)

// openFDs returns fd → target of process pid, as `ls -l /proc/PID/fd`
// shows them, with inode numbers and the bundle paths replaced.
func openFDs(t *testing.T, pid int) map[string]string {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fds := map[string]string{}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		target = fdOutputFile.ReplaceAllString(target, "<output>/$1")
		fds[e.Name()] = fdInodeNumbers.ReplaceAllString(target, ":[N]")
	}
	return fds
}

// mountTable returns the mounts of process pid as its /proc/PID/mountinfo
// shows them (mount point, root, options, type, source), without the
// mount and device ids and propagation tags that differ between any two
// containers, and with the container's id replaced by <id>.
func mountTable(t *testing.T, pid int, id string) []string {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		f := strings.Fields(pre)
		if !ok || len(f) < 6 {
			t.Fatalf("mountinfo line %q", line)
		}
		entry := strings.Join([]string{f[4], f[3], f[5], "-", post}, " ")
		out = append(out, strings.ReplaceAll(entry, id, "<id>"))
	}
	return out
}

// hardenedBundle writes, next to b, a bundle whose config.json is what
// agentrt's hardening makes of b's spec under the admin config cfg, with
// the process left as the bundle has it: the spec runc would need to
// build the container agentrt builds, less the sandbox entry.
func hardenedBundle(t *testing.T, cfg string, b *testenv.Bundle) string {
	t.Helper()
	c, err := policy.LoadConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := policy.Resolve(c, policy.Input{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := testrootfs.ReadSpec(b.Dir)
	if err != nil {
		t.Fatal(err)
	}
	hardened, _, err := spec.Harden(s, res.Policy)
	if err != nil {
		t.Fatal(err)
	}
	hardened.Root.Path = b.Rootfs
	dir := filepath.Join(t.TempDir(), "hardened-"+b.ID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := testrootfs.WriteSpec(dir, hardened); err != nil {
		t.Fatal(err)
	}
	return dir
}

// openPty opens a new pseudo-terminal pair with the given window size.
func openPty(t *testing.T, rows, cols uint16) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetUint32(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open pty %d: %v", n, err)
	}
	ws := &unix.Winsize{Row: rows, Col: cols}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, ws); err != nil {
		t.Fatalf("set window size: %v", err)
	}
	return m, s
}

// readUntilClosed reads f until EOF or EIO (the other side of a pty closed) and
// sends the text.
func readUntilClosed(f *os.File) <-chan string {
	c := make(chan string, 1)
	go func() {
		var buf bytes.Buffer
		chunk := make([]byte, 4096)
		for {
			n, err := f.Read(chunk)
			buf.Write(chunk[:n])
			if err != nil {
				break
			}
		}
		c <- buf.String()
	}()
	return c
}
