package integration

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentrt/agentrt/integration/testenv"
	"github.com/agentrt/agentrt/policy"
)

// ctrEnv is one containerd with a namespace of the test's own, the way
// ctr users work: `ctr -n NS ...`.
type ctrEnv struct {
	*containerd
	bins binaries
	ns   string
	fifo string
}

// newCtrEnv starts containerd without CRI for ctr tests, with the admin
// config adminConfig, and cleans up the namespace's agentrt root and
// cgroups after containerd stops.
func newCtrEnv(t *testing.T, adminConfig string) *ctrEnv {
	t.Helper()
	testenv.RequireRoot(t)
	bins := agentrtBinaries(t)
	ns := "agentrt-" + randomSuffix(t)
	t.Cleanup(func() {
		removeCgroupParent(t, "/"+ns)
		if err := os.Remove(filepath.Join(shimDefaultRoot, ns)); err != nil && !os.IsNotExist(err) {
			t.Errorf("agentrt root of namespace %q left: %v", ns, err)
		}
		// The shim's root is agentrt's own: remove it unless another
		// namespace still uses it.
		removeEmptyDir(shimDefaultRoot, false)
	})
	cd := startContainerd(t, containerdConfig{Bins: bins, AdminConfig: adminConfig})
	return &ctrEnv{containerd: cd, bins: bins, ns: ns, fifo: filepath.Join(cd.Dir, "fifo")}
}

// run runs `ctr -n NS ARGS`.
func (e *ctrEnv) run(t testing.TB, args ...string) cmdResult {
	t.Helper()
	return e.ctr(t, append([]string{"-n", e.ns}, args...)...)
}

// importImage imports an image's oci-archive into the namespace.
func (e *ctrEnv) importImage(t testing.TB, img *testImage) {
	t.Helper()
	mustSucceed(t, e.run(t, "images", "import", img.Archive))
}

// root is agentrt's state root for the namespace, as the shim sets it.
func (e *ctrEnv) root() string { return filepath.Join(shimDefaultRoot, e.ns) }

// exec runs a process in a running task and returns its result.
func (e *ctrEnv) exec(t testing.TB, id string, args ...string) cmdResult {
	t.Helper()
	return e.run(t, append([]string{"tasks", "exec", "--fifo-dir", e.fifo, "--exec-id", "x" + randomSuffix(t), id}, args...)...)
}

// TestCtrRunShim is `ctr run --runtime io.containerd.agentrt.v2 IMAGE ID`
// on an image carrying agentrt.io/* labels and annotations: the image
// channel reaches agentrt (a writable path only the image asks for can be
// written, the spec's own agentrt.io/image.* keys are dropped), the report
// event and the egress denial event are published, exec, pause, resume,
// metrics, kill and delete work, and the shim exits with nothing left
// behind.
func TestCtrRunShim(t *testing.T) {
	e := newCtrEnv(t, writeAdminConfig(t, allowData))
	img := buildImage(t, "agentrt.test/shim:"+randomSuffix(t),
		map[string]string{"agentrt.io/writable": "/workspace,/data"},
		map[string]string{"agentrt.io/mode": "enforce"}, "sleep", "1000")
	e.importImage(t, img)
	id := testenv.NewID(t)
	events := e.watchEvents(t)

	start := time.Now()
	mustSucceed(t, e.run(t, "run", "-d", "--null-io", "--fifo-dir", e.fifo, "--runtime", shimRuntime,
		"--annotation", "agentrt.io/image.writable=/", "--annotation", "agentrt.io/image.egress=open",
		img.Ref, id))
	t.Logf("ctr run -d: %v", time.Since(start))

	t.Run("the image channel reaches agentrt", func(t *testing.T) {
		st := agentrtState(t, e.bins.agentrt, e.root(), id)
		want := map[string]string{
			"agentrt.io/image.writable": "/workspace,/data",
			"agentrt.io/image.mode":     "enforce",
			"agentrt.io/image.ref":      img.Ref,
			"agentrt.io/image.digest":   img.Digest,
		}
		for k, v := range want {
			if got := st.Annotations[k]; got != v {
				t.Errorf("state annotation %s: got %q, want %q", k, got, v)
			}
		}
		if v, ok := st.Annotations["agentrt.io/image.egress"]; ok {
			t.Errorf("the spec's own agentrt.io/image.egress=%q survived; the shim must drop it", v)
		}
		if rep := reportIn(t, st.Annotations); !slices.Contains(rep.Channels, string(policy.ChannelImage)) {
			t.Errorf("report channels %v, want the image channel applied", rep.Channels)
		}
	})
	t.Run("the runtime is bin/agentrt under its own root", func(t *testing.T) {
		opts, err := os.ReadFile(filepath.Join(e.Dir, "state", "io.containerd.runtime.v2.task", e.ns, id, "options.json"))
		if err != nil {
			t.Fatal(err)
		}
		var o struct {
			BinaryName string `json:"binary_name"`
			Root       string `json:"root"`
		}
		if err := json.Unmarshal(opts, &o); err != nil || o.BinaryName != e.bins.agentrt || o.Root != shimDefaultRoot {
			t.Errorf("options.json %s: got binary %q root %q, want %q and %q", opts, o.BinaryName, o.Root, e.bins.agentrt, shimDefaultRoot)
		}
	})
	t.Run("exec: writable paths from the image, read-only rootfs", func(t *testing.T) {
		res := mustSucceed(t, e.exec(t, id, "sh", "-c", "echo ok > /data/f && cat /data/f && echo ok > /workspace/f"))
		if strings.TrimSpace(res.stdout) != "ok" {
			t.Errorf("got %q, want ok", res.stdout)
		}
		if res := e.exec(t, id, "sh", "-c", "echo no > /etc/f"); res.code == 0 || !strings.Contains(res.stderr+res.stdout, "Read-only file system") {
			t.Errorf("write to /etc: want a read-only file system error\n%s", res)
		}
	})
	t.Run("pause, resume, metrics", func(t *testing.T) {
		mustSucceed(t, e.run(t, "tasks", "pause", id))
		e.waitTaskStatus(t, e.ns, id, "PAUSED")
		mustSucceed(t, e.run(t, "tasks", "resume", id))
		e.waitTaskStatus(t, e.ns, id, "RUNNING")
		if res := mustSucceed(t, e.run(t, "tasks", "metrics", id)); !strings.Contains(res.stdout, "memory.usage_in_bytes") {
			t.Errorf("metrics without memory usage\n%s", res)
		}
	})
	t.Run("ctr plugins inspect-runtime", func(t *testing.T) {
		res := mustSucceed(t, e.run(t, "plugins", "inspect-runtime", "--runtime", shimRuntime))
		var info struct {
			Name    string `json:"Name"`
			Options struct {
				BinaryName string `json:"binary_name"`
			} `json:"Options"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &info); err != nil {
			t.Fatalf("decode runtime info: %v\n%s", err, res)
		}
		if info.Name != shimRuntime || info.Options.BinaryName != e.bins.agentrt {
			t.Errorf("runtime info names %q running %q, want %q running %q\n%s", info.Name, info.Options.BinaryName, shimRuntime, e.bins.agentrt, res.stdout)
		}
	})
	t.Run("report event", func(t *testing.T) {
		ev := events.find(t, "/agentrt/report", id)
		var body struct {
			ID     string            `json:"id"`
			Image  string            `json:"image"`
			Labels map[string]string `json:"labels"`
		}
		if err := json.Unmarshal([]byte(ev), &body); err != nil {
			t.Fatalf("decode event %q: %v", ev, err)
		}
		if body.Image != img.Ref || body.Labels["agentrt.io/image.digest"] != img.Digest {
			t.Errorf("event %s: want image %q and digest %q", ev, img.Ref, img.Digest)
		}
		reportIn(t, body.Labels)
	})

	t.Run("egress denial event", func(t *testing.T) {
		// The container's netns has only lo, which egress "none" allows:
		// give it a veth pair on a test subnet, so that a connection
		// leaves through the firewall and is refused and counted.
		testenv.RequireCommand(t, "ip")
		pid := agentrtPid(t, e.bins.agentrt, e.root(), id)
		mustSucceed(t, runCommand(t, nil, "nsenter", "-t", pid, "-n", "sh", "-c",
			"ip link add v0 type veth peer name v1 && ip link set v0 up && ip link set v1 up && ip addr add 10.99.0.1/24 dev v0"))
		if res := e.exec(t, id, "nc", "-w", "1", "10.99.0.2", "80"); res.code == 0 {
			t.Fatalf("connection to 10.99.0.2:80 succeeded, want it refused by egress none\n%s", res)
		}
		ev := events.findWithin(t, "/agentrt/egress/denied", id, 30*time.Second)
		if !strings.Contains(ev, `\"10.99.0.2\":1`) {
			t.Errorf("event %s: want one denial of 10.99.0.2", ev)
		}
	})

	mustSucceed(t, e.run(t, "tasks", "kill", "-s", "SIGKILL", id))
	e.waitTaskStatus(t, e.ns, id, "STOPPED")
	mustSucceed(t, e.run(t, "tasks", "rm", id))
	mustSucceed(t, e.run(t, "containers", "rm", id))
	waitNoProcessWith(t, "shim", "-id\x00"+id)
	testenv.AssertNoLeaks(t, e.root(), id)
}

// TestCtrRunShimBinaryName is `ctr run --runtime io.containerd.agentrt.v2
// --runtime-config-path FILE`, with FILE naming another BinaryName: refused
// unless shim.allowed_binaries lists it, and a listed runtime that is not
// agentrt (runc) fails create, its container deleted.
func TestCtrRunShimBinaryName(t *testing.T) {
	runc := testenv.Runc(t).Bin
	e := newCtrEnv(t, writeAdminConfig(t, func(c *policy.Config) {
		c.Shim.AllowedBinaries = []string{runc}
	}))
	img := buildImage(t, "agentrt.test/binary:"+randomSuffix(t), nil, nil, "true")
	e.importImage(t, img)
	crun := filepath.Join(t.TempDir(), "crun")
	if err := os.WriteFile(crun, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		binary string
		want   []string
	}{
		{"refused", crun, []string{"runtime binary refused", `BinaryName "` + crun + `"`, "shim.allowed_binaries"}},
		{"allowed but not agentrt", runc, []string{"runtime left no agentrt report", "it is not agentrt", "the container was deleted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := filepath.Join(t.TempDir(), "options.toml")
			if err := os.WriteFile(opts, []byte("BinaryName = '"+tt.binary+"'\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			id := testenv.NewID(t)
			res := e.run(t, "run", "--rm", "--fifo-dir", e.fifo, "--runtime", shimRuntime, "--runtime-config-path", opts, img.Ref, id)
			if res.code == 0 {
				t.Fatalf("got success, want create refused\n%s", res)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.stderr, w) {
					t.Errorf("error does not say %q\n%s", w, res)
				}
			}
			e.run(t, "containers", "rm", id)
			if st := e.taskStatus(t, e.ns, id); st != "" {
				t.Errorf("task %q left with status %s", id, st)
			}
			waitNoProcessWith(t, "shim", "-id\x00"+id)
			testenv.AssertNoLeaks(t, e.root(), id)
		})
	}
}

// eventLog is the output of a `ctr events` running during a test.
type eventLog struct {
	out *syncBuffer
}

// watchEvents runs `ctr events` until the test ends.
func (e *ctrEnv) watchEvents(t *testing.T) *eventLog {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "ctr", "--address", e.Address, "events")
	log := &eventLog{out: &syncBuffer{}}
	cmd.Stdout = log.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	return log
}

// find returns the JSON body of the first event on topic for container
// id, waiting for it a few seconds.
func (l *eventLog) find(t testing.TB, topic, id string) string {
	t.Helper()
	return l.findWithin(t, topic, id, 5*time.Second)
}

// findWithin is find with a deadline: the shim reads egress counters every
// 10 s.
func (l *eventLog) findWithin(t testing.TB, topic, id string, wait time.Duration) string {
	t.Helper()
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for line := range strings.Lines(l.out.String()) {
			// TIMESTAMP (4 fields) NAMESPACE TOPIC JSON
			f := strings.SplitN(strings.TrimSpace(line), " ", 7)
			if len(f) == 7 && f[5] == topic && strings.Contains(f[6], `"id":"`+id+`"`) {
				return f[6]
			}
		}
	}
	t.Fatalf("no %s event for %q; events:\n%s", topic, id, l.out.String())
	return ""
}

// agentrtPid returns the init pid of a container, as agentrt states it.
func agentrtPid(t testing.TB, agentrt, root, id string) string {
	t.Helper()
	res := mustSucceed(t, runCommand(t, nil, agentrt, "--root", root, "state", id))
	var st struct {
		Pid int `json:"pid"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &st); err != nil || st.Pid == 0 {
		t.Fatalf("init pid of %q: %v\n%s", id, err, res)
	}
	return strconv.Itoa(st.Pid)
}
