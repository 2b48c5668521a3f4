package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentrt/agentrt/integration/testenv"
	"github.com/agentrt/agentrt/policy"
)

// criNamespace is the containerd namespace CRI keeps everything in.
const criNamespace = "k8s.io"

// criEnv is containerd with CRI, a bridge CNI on a 127.x subnet and two
// runtime handlers: agentrt, exactly as contrib/containerd/config.toml
// configures it, and agentrt-runc (the shim told to run runc).
type criEnv struct {
	*containerd
	bins binaries
	// crictlConfig is an empty crictl config, so that /etc/crictl.yaml
	// does not apply.
	crictlConfig string
	cgroupParent string
	logDir       string
}

// contribContainerdConfig is the containerd config snippet users install.
const contribContainerdConfig = "../contrib/containerd/config.toml"

// newCRIEnv starts containerd with CRI for one test, with images for the
// pause container and the tests imported into k8s.io.
func newCRIEnv(t *testing.T, pause *testImage) *criEnv {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "crictl")
	bins := agentrtBinaries(t)
	for _, plugin := range []string{"bridge", "host-local", "loopback"} {
		if _, err := os.Stat(filepath.Join(cniBinDir, plugin)); err != nil {
			testenv.SkipOrFail(t, "CNI plugin %q not in %s: run scripts/deps.sh cri", plugin, cniBinDir)
		}
	}
	suffix := randomSuffix(t)
	e := &criEnv{
		bins:         bins,
		crictlConfig: filepath.Join(t.TempDir(), "crictl.yaml"),
		cgroupParent: "/agentrt-cri-" + suffix,
		logDir:       t.TempDir(),
	}
	if err := os.WriteFile(e.crictlConfig, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	net := newCNINetwork(t, suffix)
	t.Cleanup(func() {
		removeCgroupParent(t, e.cgroupParent)
		removeEmptyDir(filepath.Join(shimDefaultRoot, criNamespace), false)
		removeEmptyDir(shimDefaultRoot, false)
	})
	e.containerd = startContainerd(t, containerdConfig{
		Bins:        bins,
		AdminConfig: writeAdminConfig(t, allowData),
		CRI:         e.criTOML(t, net.confDir, pause.Ref),
	})
	t.Cleanup(func() { e.removeAllPods(t) })
	return e
}

// cniBinDir is where scripts/deps.sh cri installs the CNI plugins.
const cniBinDir = "/opt/cni/bin"

// criTOML is the CRI part of the test's containerd config: the contrib
// snippet's handler, one handler naming runc as BinaryName, and what this
// machine needs (CLIENTS.md).
func (e *criEnv) criTOML(t testing.TB, cniConfDir, pause string) string {
	t.Helper()
	contrib, err := os.ReadFile(contribContainerdConfig)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "[plugins.'io.containerd.cri.v1.runtime']\n  restrict_oom_score_adj = true\n  netns_mounts_under_state_dir = true\n  cdi_spec_dirs = []\n")
	fmt.Fprintf(&b, "[plugins.'io.containerd.cri.v1.runtime'.cni]\n  bin_dirs = [%q]\n  conf_dir = %q\n", cniBinDir, cniConfDir)
	fmt.Fprintf(&b, "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.agentrt-runc]\n  runtime_type = %q\n", shimRuntime)
	fmt.Fprintf(&b, "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.agentrt-runc.options]\n  BinaryName = %q\n", testenv.DefaultRuncBin)
	fmt.Fprintf(&b, "[plugins.'io.containerd.cri.v1.images'.pinned_images]\n  sandbox = %q\n", pause)
	b.WriteString(strings.Replace(string(contrib), "version = 4\n", "", 1))
	return b.String()
}

// cniNetwork is a bridge network of one test, without gateway or
// masquerading, on a 127.x subnet, its IPAM state in the test's directory.
type cniNetwork struct {
	name, bridge, confDir string
}

func newCNINetwork(t *testing.T, suffix string) *cniNetwork {
	t.Helper()
	n := &cniNetwork{name: "agentrt-" + suffix, bridge: "agrt" + suffix, confDir: t.TempDir()}
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       n.name,
		"plugins": []any{
			map[string]any{
				"type": "bridge", "bridge": n.bridge, "isGateway": false, "ipMasq": false,
				"ipam": map[string]any{
					"type":    "host-local",
					"ranges":  [][]map[string]string{{{"subnet": "127.77.0.0/24"}}},
					"dataDir": filepath.Join(t.TempDir(), "ipam"),
				},
			},
			map[string]any{"type": "loopback"},
		},
	}
	data, err := json.Marshal(conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(n.confDir, "10-agentrt.conflist"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	cacheExisted := exists("/var/lib/cni")
	t.Cleanup(func() { n.remove(t, cacheExisted) })
	return n
}

// remove deletes the bridge and libcni's cached results of the network.
func (n *cniNetwork) remove(t testing.TB, cacheExisted bool) {
	t.Helper()
	if exists("/sys/class/net/" + n.bridge) {
		mustSucceed(t, runCommand(t, nil, "ip", "link", "del", n.bridge))
	}
	left, _ := filepath.Glob(filepath.Join("/var/lib/cni/results", n.name+"-*"))
	for _, f := range left {
		t.Errorf("CNI result %q left after the pods were removed", f)
		os.Remove(f)
	}
	removeEmptyDir("/var/lib/cni/results", cacheExisted)
	removeEmptyDir("/var/lib/cni", cacheExisted)
}

// crictl runs `crictl ARGS` against the test's containerd.
func (e *criEnv) crictl(t testing.TB, args ...string) cmdResult {
	t.Helper()
	endpoint := "unix://" + e.Address
	base := []string{"--config", e.crictlConfig, "--runtime-endpoint", endpoint, "--image-endpoint", endpoint, "--timeout", "60s"}
	return runCommand(t, nil, "crictl", append(base, args...)...)
}

// writeJSON writes v to a file for crictl and returns its path.
func writeJSON(t testing.TB, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// podConfig is a pod sandbox config with the given annotations, on the
// test's CNI network and below the test's cgroup parent.
func (e *criEnv) podConfig(t testing.TB, annotations map[string]string) string {
	t.Helper()
	suffix := randomSuffix(t)
	return writeJSON(t, map[string]any{
		"metadata":      map[string]any{"name": "pod-" + suffix, "namespace": "agentrt-test", "uid": suffix, "attempt": 0},
		"annotations":   annotations,
		"log_directory": e.logDir,
		"linux":         map[string]any{"cgroup_parent": e.cgroupParent},
	})
}

func containerConfig(t testing.TB, image string, args ...string) string {
	t.Helper()
	suffix := randomSuffix(t)
	return writeJSON(t, map[string]any{
		"metadata": map[string]any{"name": "c-" + suffix},
		"image":    map[string]any{"image": image},
		"command":  args,
		"log_path": "c-" + suffix + ".log",
	})
}

// removeAllPods stops and removes every pod left, so that their shims
// exit before containerd stops.
func (e *criEnv) removeAllPods(t testing.TB) {
	t.Helper()
	for _, id := range strings.Fields(e.crictl(t, "pods", "-q").stdout) {
		e.crictl(t, "stopp", id)
		e.crictl(t, "rmp", "-f", id)
	}
}

// TestCrictlAgentrtHandler is crictl runp --runtime agentrt, create,
// start, exec, stop and rm, as a Kubernetes RuntimeClass with handler
// agentrt drives containerd: the pod's agentrt.io annotations (through
// pod_annotations) and the image's labels both take effect, a request
// beyond the admin's ceiling fails runp with the reason, and a handler
// that names another BinaryName is refused.
func TestCrictlAgentrtHandler(t *testing.T) {
	testenv.RequireRoot(t)
	suffix := randomSuffix(t)
	pause := buildImage(t, "agentrt.test/pause:"+suffix, nil, nil, "sleep", "2147483647")
	agent := buildImage(t, "agentrt.test/agent:"+suffix, map[string]string{"agentrt.io/writable": "/workspace,/data"}, nil, "sleep", "1000")
	e := newCRIEnv(t, pause)
	for _, img := range []*testImage{pause, agent} {
		mustSucceed(t, e.ctr(t, "-n", criNamespace, "images", "import", img.Archive))
	}
	stateRoot := filepath.Join(shimDefaultRoot, criNamespace)

	podJSON := e.podConfig(t, map[string]string{"agentrt.io/policy": `{"resources":{"pids":100}}`})
	pod := strings.TrimSpace(mustSucceed(t, e.crictl(t, "runp", "--runtime", "agentrt", podJSON)).stdout)
	ctrJSON := containerConfig(t, agent.Ref, "sleep", "1000")
	cid := strings.TrimSpace(mustSucceed(t, e.crictl(t, "create", pod, ctrJSON, podJSON)).stdout)
	mustSucceed(t, e.crictl(t, "start", cid))

	t.Run("pod annotations and image labels reach agentrt", func(t *testing.T) {
		st := agentrtState(t, e.bins.agentrt, stateRoot, cid)
		for k, want := range map[string]string{
			"agentrt.io/policy":         `{"resources":{"pids":100}}`,
			"agentrt.io/image.writable": "/workspace,/data",
			"agentrt.io/image.ref":      agent.Ref,
			"agentrt.io/image.digest":   agent.Digest,
		} {
			if got := st.Annotations[k]; got != want {
				t.Errorf("state annotation %s: got %q, want %q", k, got, want)
			}
		}
		rep := reportIn(t, st.Annotations)
		for _, ch := range []policy.Channel{policy.ChannelImage, policy.ChannelAnnotation} {
			if !slices.Contains(rep.Channels, string(ch)) {
				t.Errorf("report channels %v, want %q", rep.Channels, ch)
			}
		}
		if got := pidsMax(t, e.bins.agentrt, stateRoot, cid); got != "100" {
			t.Errorf("pids.max of the container: got %q, want 100 from the pod annotation", got)
		}
	})
	t.Run("the pause container runs under agentrt", func(t *testing.T) {
		st := agentrtState(t, e.bins.agentrt, stateRoot, pod)
		if st.Annotations["agentrt.io/image.ref"] != pause.Ref {
			t.Errorf("sandbox image ref %q, want %q", st.Annotations["agentrt.io/image.ref"], pause.Ref)
		}
		reportIn(t, st.Annotations)
	})
	t.Run("exec", func(t *testing.T) {
		res := mustSucceed(t, e.crictl(t, "exec", cid, "sh", "-c", "echo ok > /data/f && cat /data/f"))
		if strings.TrimSpace(res.stdout) != "ok" {
			t.Errorf("got %q, want ok", res.stdout)
		}
		if res := e.crictl(t, "exec", cid, "sh", "-c", "echo no > /etc/f"); res.code == 0 {
			t.Errorf("write to /etc succeeded, want a read-only rootfs\n%s", res)
		}
	})
	t.Run("a request beyond the ceiling fails runp with the reason", func(t *testing.T) {
		res := e.crictl(t, "runp", "--runtime", "agentrt", e.podConfig(t, map[string]string{"agentrt.io/egress": "evil.example:25"}))
		if res.code == 0 {
			t.Fatalf("runp succeeded, want the egress request refused\n%s", res)
		}
		t.Logf("crictl runp: %s", res.stderr)
		for _, want := range []string{"agentrt.io/egress", "evil.example:25"} {
			if !strings.Contains(res.stderr, want) {
				t.Errorf("error does not name %q\n%s", want, res)
			}
		}
	})
	t.Run("a handler with another BinaryName is refused", func(t *testing.T) {
		res := e.crictl(t, "runp", "--runtime", "agentrt-runc", e.podConfig(t, nil))
		if res.code == 0 {
			t.Fatalf("runp succeeded, want the handler refused\n%s", res)
		}
		t.Logf("crictl runp: %s", res.stderr)
		for _, want := range []string{"runtime binary refused", testenv.DefaultRuncBin, "shim.allowed_binaries"} {
			if !strings.Contains(res.stderr, want) {
				t.Errorf("error does not say %q\n%s", want, res)
			}
		}
	})

	mustSucceed(t, e.crictl(t, "stop", cid))
	mustSucceed(t, e.crictl(t, "rm", cid))
	mustSucceed(t, e.crictl(t, "stopp", pod))
	mustSucceed(t, e.crictl(t, "rmp", pod))
	waitNoProcessWith(t, "shim", "-id\x00"+pod)
	testenv.AssertNoLeaks(t, stateRoot, cid)
	testenv.AssertNoLeaks(t, stateRoot, pod)
}

// pidsMax reads the pids limit of a container's cgroup on the host.
func pidsMax(t testing.TB, agentrt, root, id string) string {
	t.Helper()
	res := mustSucceed(t, runCommand(t, nil, agentrt, "--root", root, "state", id))
	var st struct {
		Pid int `json:"pid"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &st); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", st.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		f := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(f) == 3 && f[1] == "pids" {
			limit, err := os.ReadFile(filepath.Join("/sys/fs/cgroup/pids", f[2], "pids.max"))
			if err != nil {
				t.Fatal(err)
			}
			return strings.TrimSpace(string(limit))
		}
	}
	t.Fatalf("no pids cgroup for pid %d", st.Pid)
	return ""
}
