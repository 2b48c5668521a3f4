package integration

// Helpers for the tests that drive agentrt through real clients:
// containerd 2.4 with ctr, CRI with crictl, and dockerd. Each test starts
// its own daemons on sockets and directories under t.TempDir() and stops
// them, by process id, when it ends.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"
	"golang.org/x/sys/unix"

	"github.com/agentrt/agentrt/integration/testenv"
	"github.com/agentrt/agentrt/policy"
)

const (
	// shimRuntime is the runtime type of agentrt's containerd shim.
	shimRuntime = "io.containerd.agentrt.v2"
	// shimBinaryName is the shim's binary, next to bin/agentrt.
	shimBinaryName = "containerd-shim-agentrt-v2"
	// shimDefaultRoot is the state root the shim gives agentrt.
	shimDefaultRoot = "/run/containerd/agentrt"
	// reportKey is the state annotation with agentrt's report.
	reportKey = "agentrt.io/report"
	// daemonTimeout bounds a daemon's start and stop.
	daemonTimeout = 30 * time.Second
	// clientTimeout bounds one client command.
	clientTimeout = 2 * time.Minute
)

// cmdResult is what one client command did.
type cmdResult struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r cmdResult) String() string {
	return fmt.Sprintf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// runCommand runs a client command with env added to the test's own
// environment. containerd 2.4's clients warn about cgroup v1 on every
// call; those lines are dropped from stderr.
func runCommand(t testing.TB, env []string, name string, args ...string) cmdResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := cmdResult{args: append([]string{name}, args...), stdout: stdout.String(), stderr: dropDeprecations(stderr.String())}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		res.code = ee.ExitCode()
	default:
		t.Fatalf("%s: %v", strings.Join(res.args, " "), err)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s: timed out after %v\n%s", strings.Join(res.args, " "), clientTimeout, res)
	}
	return res
}

func dropDeprecations(s string) string {
	var b strings.Builder
	for line := range strings.Lines(s) {
		if !strings.Contains(line, "DEPRECATION") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// mustSucceed fails the test unless res exited 0.
func mustSucceed(t testing.TB, res cmdResult) cmdResult {
	t.Helper()
	if res.code != 0 {
		t.Fatalf("command failed\n%s", res)
	}
	return res
}

// randomSuffix returns 8 hex digits, to make names that concurrent tests
// do not share.
func randomSuffix(t testing.TB) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// binaries are the agentrt binaries under test.
type binaries struct {
	agentrt, shim string
}

// agentrtBinaries returns bin/agentrt (or $AGENTRT_BIN) and the shim next
// to it, as make build leaves them.
func agentrtBinaries(t testing.TB) binaries {
	t.Helper()
	rt := testenv.Agentrt(t)
	shim := filepath.Join(filepath.Dir(rt.Bin), shimBinaryName)
	if st, err := os.Stat(shim); err != nil || st.Mode().Perm()&0o111 == 0 {
		testenv.SkipOrFail(t, "shim binary %q not found next to %q: run make build", shim, rt.Bin)
	}
	return binaries{agentrt: rt.Bin, shim: shim}
}

// writeAdminConfig writes the embedded default admin config, changed by
// edit, to a file for $AGENTRT_CONFIG, and returns its path.
func writeAdminConfig(t testing.TB, edit func(*policy.Config)) string {
	t.Helper()
	cfg := policy.DefaultConfig()
	cfg.AuditLog = filepath.Join(t.TempDir(), "audit.jsonl")
	if edit != nil {
		edit(cfg)
	}
	data, err := toml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := policy.CheckConfig(data, "test config"); err != nil {
		t.Fatalf("test admin config: %v", err)
	}
	path := filepath.Join(t.TempDir(), "agentrt.toml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// allowData is the admin config edit of most client tests: the default
// profile, whose ceiling also lets requests make /data writable.
func allowData(cfg *policy.Config) {
	c := &cfg.Profiles[policy.DefaultProfileName].Ceiling.Filesystem
	c.Writable = append(c.Writable, "/data")
}

// testImage is an OCI image built from the busybox rootfs.
type testImage struct {
	// Ref is the image's name; Archive an oci-archive of it; Digest its
	// manifest digest.
	Ref, Archive, Digest string
}

// imagePath is the PATH of test images: CRI takes the environment from
// the image alone.
const imagePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// buildImage builds an image named ref from the busybox rootfs with umoci
// (config labels, manifest annotations and the default command) and packs
// it into an oci-archive with skopeo.
func buildImage(t testing.TB, ref string, labels, annotations map[string]string, cmd ...string) *testImage {
	t.Helper()
	umoci := testenv.RequireCommand(t, "umoci")
	skopeo := testenv.RequireCommand(t, "skopeo")
	rootfs := testenv.BusyboxRootfs(t)
	dir := t.TempDir()
	layout := filepath.Join(dir, "oci")
	image := layout + ":latest"
	mustSucceed(t, runCommand(t, nil, umoci, "init", "--layout", layout))
	mustSucceed(t, runCommand(t, nil, umoci, "new", "--image", image))
	mustSucceed(t, runCommand(t, nil, umoci, "insert", "--image", image, rootfs, "/"))
	args := []string{"config", "--image", image, "--config.env", "PATH=" + imagePath}
	for k, v := range labels {
		args = append(args, "--config.label", k+"="+v)
	}
	for k, v := range annotations {
		args = append(args, "--manifest.annotation", k+"="+v)
	}
	for _, c := range cmd {
		args = append(args, "--config.cmd", c)
	}
	mustSucceed(t, runCommand(t, nil, umoci, args...))
	archive := filepath.Join(dir, "image.tar")
	mustSucceed(t, runCommand(t, nil, skopeo, "copy", "oci:"+image, "oci-archive:"+archive+":"+ref))
	return &testImage{Ref: ref, Archive: archive, Digest: layoutDigest(t, layout)}
}

func layoutDigest(t testing.TB, layout string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(layout, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var index struct {
		Manifests []struct {
			Digest string `json:"digest"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(data, &index); err != nil || len(index.Manifests) != 1 {
		t.Fatalf("index.json of %q: %v, %d manifests", layout, err, len(index.Manifests))
	}
	return index.Manifests[0].Digest
}

// containerd is a containerd daemon of one test.
type containerd struct {
	// Dir holds its config, root, state and sockets.
	Dir string
	// Address is its gRPC socket.
	Address string
	cmd     *exec.Cmd
	log     string
	done    chan struct{} // closed when the process has exited
	err     error         // its exit, once done is closed
}

// containerdConfig is what a test's containerd needs besides the basics.
type containerdConfig struct {
	// Bins are the agentrt binaries, whose directory goes first on
	// containerd's PATH so that it finds the shim there.
	Bins binaries
	// AdminConfig is the agentrt config for $AGENTRT_CONFIG.
	AdminConfig string
	// CRI is TOML for the CRI plugins; empty disables them.
	CRI string
}

// startContainerd starts containerd 2.4 (scripts/deps.sh containerd) with
// a version 4 config of its own and stops it when the test ends, after
// deleting every container left in it so that no shim outlives it.
func startContainerd(t testing.TB, cfg containerdConfig) *containerd {
	t.Helper()
	testenv.RequireRoot(t)
	bin := testenv.RequireCommand(t, "containerd")
	testenv.RequireCommand(t, "ctr")
	c := &containerd{Dir: t.TempDir(), done: make(chan struct{})}
	c.Address = filepath.Join(c.Dir, "c.sock")
	c.log = filepath.Join(c.Dir, "containerd.log")
	config := filepath.Join(c.Dir, "config.toml")
	if err := os.WriteFile(config, []byte(c.configTOML(cfg.CRI)), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(c.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	c.cmd = exec.Command(bin, "--config", config)
	c.cmd.Stdout, c.cmd.Stderr = logf, logf
	c.cmd.Env = append(os.Environ(),
		"PATH="+filepath.Dir(cfg.Bins.shim)+":"+os.Getenv("PATH"),
		policy.ConfigPathEnv+"="+cfg.AdminConfig)
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start containerd: %v", err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() { c.stop(t) })
	c.waitReady(t)
	return c
}

func (c *containerd) configTOML(cri string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version = 4\nroot = %q\nstate = %q\n", filepath.Join(c.Dir, "root"), filepath.Join(c.Dir, "state"))
	if cri == "" {
		b.WriteString("disabled_plugins = ['io.containerd.grpc.v1.cri', 'io.containerd.cri.v1.runtime', 'io.containerd.cri.v1.images', 'io.containerd.podsandbox.controller.v1.podsandbox']\n")
	}
	fmt.Fprintf(&b, "[plugins.'io.containerd.server.v1.grpc']\n  address = %q\n", c.Address)
	fmt.Fprintf(&b, "[plugins.'io.containerd.server.v1.ttrpc']\n  address = %q\n", c.Address+".ttrpc")
	b.WriteString("[plugins.'io.containerd.nri.v1.nri']\n  disable = true\n")
	fmt.Fprintf(&b, "[plugins.'io.containerd.internal.v1.opt']\n  path = %q\n", filepath.Join(c.Dir, "opt"))
	b.WriteString(cri)
	return b.String()
}

// waitReady waits until containerd answers on its socket.
func (c *containerd) waitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(daemonTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-c.done:
			t.Fatalf("containerd exited: %v\n%s", c.err, c.logTail())
		default:
		}
		if conn, err := net.Dial("unix", c.Address); err == nil {
			conn.Close()
			if res := c.ctr(t, "version"); res.code == 0 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("containerd did not answer on %q within %v\n%s", c.Address, daemonTimeout, c.logTail())
}

func (c *containerd) logTail() string {
	data, _ := os.ReadFile(c.log)
	if len(data) > 8<<10 {
		data = data[len(data)-8<<10:]
	}
	return string(data)
}

// ctr runs `ctr --address SOCK ARGS`.
func (c *containerd) ctr(t testing.TB, args ...string) cmdResult {
	t.Helper()
	return runCommand(t, nil, "ctr", append([]string{"--address", c.Address}, args...)...)
}

// stop deletes every task and container containerd still has, stops it
// with SIGTERM (SIGKILL after daemonTimeout), and fails the test for any
// shim still serving it or mount left under its directory.
func (c *containerd) stop(t testing.TB) {
	t.Helper()
	select {
	case <-c.done:
	default:
		c.deleteEverything(t)
		_ = c.cmd.Process.Signal(unix.SIGTERM)
	}
	select {
	case <-c.done:
	case <-time.After(daemonTimeout):
		t.Errorf("containerd did not stop within %v; killing it", daemonTimeout)
		_ = c.cmd.Process.Kill()
		<-c.done
	}
	for _, pid := range processesWith(c.Address) {
		t.Errorf("process %d (%s) still serves containerd %q; killing it", pid, cmdline(pid), c.Address)
		_ = unix.Kill(pid, unix.SIGKILL)
	}
	unmountUnder(t, c.Dir)
	if t.Failed() {
		t.Logf("containerd log:\n%s", c.logTail())
	}
}

// deleteEverything kills and deletes every task and container in every
// namespace, so that their shims exit.
func (c *containerd) deleteEverything(t testing.TB) {
	t.Helper()
	for _, ns := range strings.Fields(c.ctr(t, "namespaces", "ls", "-q").stdout) {
		for _, id := range strings.Fields(c.ctr(t, "-n", ns, "tasks", "ls", "-q").stdout) {
			c.ctr(t, "-n", ns, "tasks", "kill", "-a", "-s", "SIGKILL", id)
			c.ctr(t, "-n", ns, "tasks", "rm", "-f", id)
		}
		for _, id := range strings.Fields(c.ctr(t, "-n", ns, "containers", "ls", "-q").stdout) {
			c.ctr(t, "-n", ns, "containers", "rm", id)
		}
	}
}

// taskStatus returns the status ctr lists for task id in ns, "" if none.
func (c *containerd) taskStatus(t testing.TB, ns, id string) string {
	t.Helper()
	for line := range strings.Lines(c.ctr(t, "-n", ns, "tasks", "ls").stdout) {
		if f := strings.Fields(line); len(f) == 3 && f[0] == id {
			return f[2]
		}
	}
	return ""
}

// waitTaskStatus waits until task id has the status.
func (c *containerd) waitTaskStatus(t testing.TB, ns, id, want string) {
	t.Helper()
	var got string
	for deadline := time.Now().Add(daemonTimeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = c.taskStatus(t, ns, id); got == want {
			return
		}
	}
	t.Fatalf("task %q: got status %q, want %q", id, got, want)
}

// processesWith returns the processes whose command line holds s.
func processesWith(s string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && bytes.Contains(data, []byte(s)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func cmdline(pid int) string {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.TrimSpace(string(bytes.ReplaceAll(data, []byte{0}, []byte{' '})))
}

// waitNoProcessWith waits until no process has s in its command line,
// failing the test with the ones left.
func waitNoProcessWith(t testing.TB, what, s string) {
	t.Helper()
	var pids []int
	for deadline := time.Now().Add(testenv.LeakGrace); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if pids = processesWith(s); len(pids) == 0 {
			return
		}
	}
	for _, pid := range pids {
		t.Errorf("%s left: process %d (%s)", what, pid, cmdline(pid))
	}
}

// unmountUnder fails the test for every mount below dir and unmounts it,
// deepest first, so that the test's directory can be removed.
func unmountUnder(t testing.TB, dir string) {
	t.Helper()
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Errorf("read mountinfo: %v", err)
		return
	}
	var points []string
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == dir || strings.HasPrefix(f[4], dir+"/")) {
			points = append(points, f[4])
		}
	}
	for i := len(points) - 1; i >= 0; i-- {
		t.Errorf("mount %q left under %q; unmounting it", points[i], dir)
		if err := unix.Unmount(points[i], unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %q: %v", points[i], err)
		}
	}
}

// removeCgroupParent removes the directory rel (such as "/agentrt-ns1")
// from every cgroup hierarchy, failing the test if one still holds
// anything: the containers below it must be gone by then.
func removeCgroupParent(t testing.TB, rel string) {
	t.Helper()
	hierarchies, _ := filepath.Glob("/sys/fs/cgroup/*")
	for _, h := range hierarchies {
		dir := filepath.Join(h, rel)
		if st, err := os.Lstat(dir); err != nil || !st.IsDir() {
			continue
		}
		var err error
		for deadline := time.Now().Add(testenv.LeakGrace); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if err = unix.Rmdir(dir); err == nil || errors.Is(err, syscall.ENOENT) {
				break
			}
		}
		if err != nil && !errors.Is(err, syscall.ENOENT) {
			entries, _ := os.ReadDir(dir)
			var children []string
			for _, e := range entries {
				if e.IsDir() {
					children = append(children, e.Name())
				}
			}
			t.Errorf("cgroup %q left with %v: %v", dir, children, err)
		}
	}
}

// removeEmptyDir removes dir if it is empty and was absent before the
// test (existed false): clients create some shared directories, such as
// /run/docker/plugins, that other tests may be using.
func removeEmptyDir(dir string, existed bool) {
	if !existed {
		_ = unix.Rmdir(dir)
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// agentrtState returns `agentrt --root ROOT state ID` decoded.
func agentrtState(t testing.TB, agentrt, root, id string) (state struct {
	Status      string            `json:"status"`
	Annotations map[string]string `json:"annotations"`
}) {
	t.Helper()
	res := mustSucceed(t, runCommand(t, nil, agentrt, "--root", root, "state", id))
	if err := json.Unmarshal([]byte(res.stdout), &state); err != nil {
		t.Fatalf("decode state: %v\n%s", err, res)
	}
	return state
}

// agentrtReport is the part of the enforcement report the tests check.
type agentrtReport struct {
	PolicyHash string            `json:"policyHash"`
	Profile    string            `json:"profile"`
	Channels   []string          `json:"channels"`
	Layers     map[string]string `json:"layers"`
}

// reportIn decodes the report annotation of a state.
func reportIn(t testing.TB, annotations map[string]string) agentrtReport {
	t.Helper()
	raw, ok := annotations[reportKey]
	if !ok {
		t.Fatalf("state has no %s annotation: %v", reportKey, annotations)
	}
	var rep agentrtReport
	if err := json.Unmarshal([]byte(raw), &rep); err != nil || rep.PolicyHash == "" {
		t.Fatalf("report %q: %v", raw, err)
	}
	return rep
}

// syncBuffer is a bytes.Buffer that a command writes to while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
