package integration

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentrt/agentrt/integration/testenv"
)

// podmanRuntimeRoots are the state roots podman 4.3 leaves each runtime
// at. It passes no --root, and --runtime-flag root=DIR would not help:
// the cleanup command podman gives conmon leaves the runtime flags out,
// so `delete --force` after a container's exit would look in the default
// root and leave the container's state in DIR.
var podmanRuntimeRoots = map[string]string{"agentrt": "/run/agentrt", "runc": "/run/runc"}

// podmanClient drives podman 4.3 with one runtime binary and a store of
// its own under the test's temporary directory, passing everything as
// flags, as CLIENTS.md says this machine needs.
type podmanClient struct {
	bin     string
	runtime string // absolute path of the runtime binary
	dir     string // holds the storage, run root and tmpdir
}

// newPodmanClient returns a podman client for the runtime rt. The
// containers and images it leaves are removed when the test ends.
func newPodmanClient(t testing.TB, rt *testenv.Runtime) *podmanClient {
	t.Helper()
	p := &podmanClient{bin: testenv.RequireCommand(t, "podman"), runtime: rt.Bin, dir: t.TempDir()}
	t.Cleanup(func() { p.removeAll(t) })
	return p
}

func (p *podmanClient) globalArgs() []string {
	return []string{
		"--root", filepath.Join(p.dir, "storage"), "--runroot", filepath.Join(p.dir, "run"),
		"--tmpdir", filepath.Join(p.dir, "tmp"), "--cgroup-manager", "cgroupfs",
		"--events-backend", "file", "--runtime", p.runtime,
	}
}

// run runs `podman GLOBAL-FLAGS ARGS`; any exit status is a result.
func (p *podmanClient) run(t testing.TB, args ...string) testenv.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testenv.DefaultTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.bin, append(p.globalArgs(), args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	res := testenv.Result{Args: cmd.Args[1:], Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: shellStatus(cmd)}
	if ctx.Err() != nil {
		t.Fatalf("podman killed after %v\n%s", testenv.DefaultTimeout, res)
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("podman %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// mustRun is run that fails the test unless podman exits 0.
func (p *podmanClient) mustRun(t testing.TB, args ...string) testenv.Result {
	t.Helper()
	res := p.run(t, args...)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	return res
}

// removeAll removes every container and image of the store, then checks
// that the store holds no mounts.
func (p *podmanClient) removeAll(t testing.TB) {
	for _, args := range [][]string{{"rm", "--all", "--force", "--time", "0"}, {"rmi", "--all", "--force"}} {
		if res := p.run(t, args...); res.ExitCode != 0 {
			t.Errorf("clean up podman: %s", res)
		}
	}
	data, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(data), "\n") {
		if strings.Contains(line, p.dir) {
			t.Errorf("podman store still has a mount: %s", line)
		}
	}
}

// importBusybox imports the busybox rootfs as an image and returns its
// name.
func (p *podmanClient) importBusybox(t testing.TB) string {
	t.Helper()
	tar := testenv.RequireCommand(t, "tar")
	archive := filepath.Join(t.TempDir(), "busybox.tar")
	if out, err := exec.Command(tar, "-C", testenv.BusyboxRootfs(t), "-cf", archive, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar the busybox rootfs: %v\n%s", err, out)
	}
	name := "localhost/agentrt-core-busybox:latest"
	p.mustRun(t, "import", "--quiet", archive, name)
	return name
}

// podmanRunFlags are the run flags this machine needs (see CLIENTS.md).
var podmanRunFlags = []string{"--network", "none", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"}

// trapTerm is an init that exits 0 on SIGTERM, so that podman stop shows
// that the signal arrived.
var trapTerm = []string{"sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"}

// TestPodman drives podman 4.3 end to end with agentrt as its runtime,
// and with runc 1.5.3 to check that the expectations are podman's own.
func TestPodman(t *testing.T) {
	testenv.RequireRoot(t)
	for _, newRuntime := range testenv.Runtimes() {
		rt := newRuntime(t)
		t.Run(rt.Name, func(t *testing.T) {
			root := podmanRuntimeRoots[rt.Name]
			// Cleanups run last first: podman removes its containers
			// before the cgroups and the root they used are removed.
			t.Cleanup(removeNewLibpodCgroups(t, existingLibpodCgroups()))
			t.Cleanup(removeIfNew(t, root))
			p := newPodmanClient(t, rt)
			podmanLifecycle(t, p, p.importBusybox(t), root)
		})
	}
}

// podmanLifecycle runs containers through podman's commands, each step a
// subtest named by its command line; a failed step ends the sequence.
func podmanLifecycle(t *testing.T, p *podmanClient, image, root string) {
	name := testenv.NewID(t)
	var cid string
	inspect := func(t *testing.T, format string) string {
		return strings.TrimSpace(p.mustRun(t, "inspect", "--format", format, name).Stdout)
	}
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"podman run --rm IMAGE sh -c 'echo hello; exit 5'", func(t *testing.T) {
			cidfile := filepath.Join(t.TempDir(), "cid")
			args := append(append([]string{"run", "--rm", "--cidfile", cidfile}, podmanRunFlags...), image, "sh", "-c", "echo hello; exit 5")
			res := p.run(t, args...)
			if res.ExitCode != 5 || res.Stdout != "hello\n" {
				t.Errorf("got %s\nwant exit status 5 and stdout \"hello\\n\"", res)
			}
			if out := p.mustRun(t, "ps", "--all", "--quiet").Stdout; out != "" {
				t.Errorf("podman ps --all after run --rm: got %q, want no containers", out)
			}
			testenv.AssertNoLeaks(t, root, strings.TrimSpace(readFileString(t, cidfile)))
		}},
		{"podman run -d --name NAME IMAGE sh -c 'trap ...'", func(t *testing.T) {
			args := append(append([]string{"run", "-d", "--name", name}, podmanRunFlags...), append([]string{image}, trapTerm...)...)
			cid = strings.TrimSpace(p.mustRun(t, args...).Stdout)
			if _, err := os.Stat(filepath.Join(root, cid)); err != nil {
				t.Errorf("no runtime state for container %s in %s: %v", cid, root, err)
			}
		}},
		{"podman ps", func(t *testing.T) {
			out := p.mustRun(t, "ps", "--format", "{{.Names}} {{.Status}}").Stdout
			if !strings.HasPrefix(out, name+" Up ") {
				t.Errorf("got %q, want %s up", out, name)
			}
		}},
		{"podman exec NAME sh -c 'echo in; exit 4'", func(t *testing.T) {
			res := p.run(t, "exec", name, "sh", "-c", "echo in; exit 4")
			if res.ExitCode != 4 || res.Stdout != "in\n" {
				t.Errorf("got %s\nwant exit status 4 and stdout \"in\\n\"", res)
			}
		}},
		{"podman stop --time 10 NAME", func(t *testing.T) {
			start := time.Now()
			p.mustRun(t, "stop", "--time", "10", name)
			// The init traps SIGTERM and exits 0; had the signal been
			// lost, podman would have waited 10 s and sent SIGKILL.
			if code := inspect(t, "{{.State.ExitCode}}"); code != "0" {
				t.Errorf("exit code after stop: got %s, want 0 (SIGTERM trapped)", code)
			}
			if d := time.Since(start); d > 8*time.Second {
				t.Errorf("stop took %v: SIGTERM did not reach the init", d)
			}
		}},
		{"podman start NAME", func(t *testing.T) {
			p.mustRun(t, "start", name)
			if st := inspect(t, "{{.State.Status}}"); st != "running" {
				t.Errorf("status after start: got %q, want running", st)
			}
		}},
		{"podman kill NAME", func(t *testing.T) {
			p.mustRun(t, "kill", name)
			p.mustRun(t, "wait", name)
			if code := inspect(t, "{{.State.ExitCode}}"); code != "137" {
				t.Errorf("exit code after kill: got %s, want 137 (SIGKILL)", code)
			}
		}},
		{"podman rm NAME", func(t *testing.T) {
			p.mustRun(t, "rm", name)
			if out := p.mustRun(t, "ps", "--all", "--quiet").Stdout; out != "" {
				t.Errorf("podman ps --all after rm: got %q, want no containers", out)
			}
			testenv.AssertNoLeaks(t, root, cid)
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return
		}
	}
}

// libpodParent is the cgroup podman's cgroupfs manager puts containers
// and conmon under.
const libpodParent = "libpod_parent"

// existingLibpodCgroups lists the libpod_parent cgroups that exist now,
// in every cgroup hierarchy.
func existingLibpodCgroups() map[string]bool {
	have := map[string]bool{}
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", libpodParent))
	for _, d := range dirs {
		have[d] = true
	}
	return have
}

// removeNewLibpodCgroups returns a function that removes the
// libpod_parent cgroups (and their conmon child) that did not exist
// before: podman creates them and never removes them. A cgroup still in
// use by another podman is left alone.
func removeNewLibpodCgroups(t testing.TB, before map[string]bool) func() {
	return func() {
		for d := range existingLibpodCgroups() {
			if before[d] {
				continue
			}
			for _, dir := range []string{filepath.Join(d, "conmon"), d} {
				if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
					t.Logf("leave cgroup %q: %v", dir, err)
				}
			}
		}
	}
}

// removeIfNew returns a function that removes dir if it did not exist
// before and is empty: the runtime root podman made the runtime create.
func removeIfNew(t testing.TB, dir string) func() {
	if _, err := os.Lstat(dir); err == nil {
		return func() {}
	}
	return func() {
		if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Logf("leave runtime root %q: %v", dir, err)
		}
	}
}
