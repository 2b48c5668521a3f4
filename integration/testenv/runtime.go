package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// AgentrtBinEnv names the environment variable with the agentrt binary
	// to test; the default is bin/agentrt in the repository.
	AgentrtBinEnv = "AGENTRT_BIN"
	// RuncBinEnv names the environment variable with the reference runc;
	// the default is DefaultRuncBin.
	RuncBinEnv = "RUNC_BIN"
	// DefaultRuncBin is where scripts/deps.sh installs runc 1.5.3. Debian's
	// runc 1.1.5 in /usr/sbin is never used.
	DefaultRuncBin = "/usr/local/bin/runc"
	// RuncVersion is the runc release that agentrt is compared with.
	RuncVersion = "1.5.3"
	// DefaultTimeout bounds one runtime command run by Run.
	DefaultTimeout = 2 * time.Minute
)

// Runtime drives one runtime binary with a state root of its own, the way
// an engine calls runc: Bin --root Root ARGS.
type Runtime struct {
	// Name is "agentrt" or "runc", for messages.
	Name string
	// Bin is the absolute path of the runtime binary.
	Bin string
	// Root is the --root state directory, private to the test.
	Root string
	// Timeout bounds each command; zero means DefaultTimeout.
	Timeout time.Duration
}

// Result is what one runtime command did.
type Result struct {
	// Args are the arguments after the binary, --root included.
	Args []string
	// Stdout and Stderr are what the command wrote, up to the moment it
	// exited (a detached container that keeps writing is not waited for).
	Stdout, Stderr string
	// ExitCode is the exit status, 128+N for death by signal N, or -1 if
	// the command could not be started.
	ExitCode int
	// Err is the error from starting or waiting for the command, nil for
	// any exit status.
	Err error
}

// String describes the result for failure messages.
func (r Result) String() string {
	return fmt.Sprintf("%s: exit %d\nstdout:\n%s\nstderr:\n%s",
		strings.Join(r.Args, " "), r.ExitCode, r.Stdout, r.Stderr)
}

// Agentrt returns a driver for the agentrt binary under test: $AGENTRT_BIN,
// else bin/agentrt in the repository (make build). A missing binary skips
// the test outside CI and fails it in CI. The driver's root is a new
// directory under t.TempDir(), and containers left in it are force-deleted
// when the test ends.
func Agentrt(t testing.TB) *Runtime {
	t.Helper()
	bin := os.Getenv(AgentrtBinEnv)
	if bin == "" {
		root, err := repoRoot()
		if err != nil {
			t.Fatalf("find agentrt binary: %v", err)
		}
		bin = filepath.Join(root, "bin", "agentrt")
	}
	if !isExecutable(bin) {
		SkipOrFail(t, "agentrt binary %q not found: run make build or set %s", bin, AgentrtBinEnv)
	}
	return newRuntime(t, "agentrt", bin)
}

// Runc returns a driver for the reference runc: $RUNC_BIN, else
// DefaultRuncBin, which must report version RuncVersion. A missing binary
// skips the test outside CI and fails it in CI; a wrong version always
// fails. Its root is private and cleaned up as for Agentrt.
func Runc(t testing.TB) *Runtime {
	t.Helper()
	return newRuntime(t, "runc", runcBinary(t))
}

// Runtimes returns the drivers for runc and agentrt, in that order, for
// tests that run the same steps on both.
func Runtimes() []func(testing.TB) *Runtime {
	return []func(testing.TB) *Runtime{Runc, Agentrt}
}

var runcVersions sync.Map // binary path → error from checkRuncVersion

// runcBinary returns the verified reference runc binary.
func runcBinary(t testing.TB) string {
	t.Helper()
	bin := os.Getenv(RuncBinEnv)
	if bin == "" {
		bin = DefaultRuncBin
	}
	if !isExecutable(bin) {
		SkipOrFail(t, "runc %s not found at %q: run scripts/deps.sh base or set %s", RuncVersion, bin, RuncBinEnv)
	}
	v, ok := runcVersions.Load(bin)
	if !ok {
		v, _ = runcVersions.LoadOrStore(bin, checkRuncVersion(bin))
	}
	if err, _ := v.(error); err != nil {
		t.Fatal(err)
	}
	return bin
}

func checkRuncVersion(bin string) error {
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		return fmt.Errorf("%s --version: %w", bin, err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if want := "runc version " + RuncVersion; strings.TrimSpace(first) != want {
		return fmt.Errorf("%s --version says %q, want %q (run scripts/deps.sh base)", bin, first, want)
	}
	return nil
}

func newRuntime(t testing.TB, name, bin string) *Runtime {
	t.Helper()
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatalf("resolve %s binary: %v", name, err)
	}
	r := &Runtime{Name: name, Bin: abs, Root: filepath.Join(t.TempDir(), name+"-root")}
	t.Cleanup(func() { r.deleteAll(t) })
	return r
}

// deleteAll force-deletes every container left under the root, so that a
// failed test does not leave processes or cgroups behind.
func (r *Runtime) deleteAll(t testing.TB) {
	if _, err := os.Stat(r.Root); err != nil {
		return
	}
	res := r.Run(t, "list", "--quiet")
	for _, id := range strings.Fields(res.Stdout) {
		if d := r.Run(t, "delete", "--force", id); d.ExitCode != 0 {
			t.Logf("clean up container %q: %s", id, d)
		}
	}
}

// Command returns the command `Bin --root Root ARGS` for callers that need
// their own stdio or environment.
func (r *Runtime) Command(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, r.Bin, append([]string{"--root", r.Root}, args...)...)
}

// Run runs `Bin --root Root ARGS` with stdin from /dev/null and returns
// what it did; any exit status is a result, not a failure. Output goes
// through files, not pipes, so that a detached container holding the
// command's stdout does not keep Run waiting. A command that runs longer
// than the timeout is killed and fails the test.
func (r *Runtime) Run(t testing.TB, args ...string) Result {
	t.Helper()
	return r.RunStdin(t, "", args...)
}

// RunStdin is Run with stdin holding the given text.
func (r *Runtime) RunStdin(t testing.TB, stdin string, args ...string) Result {
	t.Helper()
	timeout := r.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := r.Command(ctx, args...)
	cmd.WaitDelay = 5 * time.Second
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	res := Result{Args: cmd.Args[1:]}
	outputs, err := captureOutputs(t, cmd)
	if err != nil {
		t.Fatalf("%s %s: %v", r.Name, strings.Join(res.Args, " "), err)
	}
	res.Err = cmd.Run()
	res.Stdout, res.Stderr = outputs()
	res.ExitCode = exitCode(cmd)
	if ctx.Err() != nil {
		t.Fatalf("%s: killed after %v\n%s", r.Name, timeout, res)
	}
	if res.ExitCode >= 0 {
		var exitErr *exec.ExitError
		if errors.As(res.Err, &exitErr) {
			res.Err = nil
		}
	}
	return res
}

// MustRun is Run that fails the test unless the command exits 0.
func (r *Runtime) MustRun(t testing.TB, args ...string) Result {
	t.Helper()
	res := r.Run(t, args...)
	if res.ExitCode != 0 {
		t.Fatalf("%s %s", r.Name, res)
	}
	return res
}

// captureOutputs points cmd's stdout and stderr at new files under the
// test's temporary directory and returns the function that reads them.
func captureOutputs(t testing.TB, cmd *exec.Cmd) (func() (string, string), error) {
	dir, err := os.MkdirTemp(t.TempDir(), "out-")
	if err != nil {
		return nil, err
	}
	stdout, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		return nil, err
	}
	stderr, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		stdout.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	return func() (string, string) {
		stdout.Close()
		stderr.Close()
		o, _ := os.ReadFile(stdout.Name())
		e, _ := os.ReadFile(stderr.Name())
		return string(o), string(e)
	}, nil
}

// exitCode maps how cmd ended to a shell-style status: the exit code,
// 128+N after signal N, or -1 when it never ran.
func exitCode(cmd *exec.Cmd) int {
	ps := cmd.ProcessState
	if ps == nil {
		return -1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}
