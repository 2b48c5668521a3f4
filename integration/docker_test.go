package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/agentrt/agentrt/integration/testenv"
	"github.com/agentrt/agentrt/policy"
)

// dockerd is a dockerd (moby v2, API 1.56) of one test, on the test's own
// containerd, sockets and directories, with agentrt configured twice: as a
// path runtime (the runc shim runs agentrt) and as the shim's runtime
// type.
type dockerd struct {
	host, execRoot, ns string
	cmd                *exec.Cmd
	log                string
	done               chan struct{}
}

// Runtime names in contrib/docker/daemon.json.
const (
	dockerPathRuntime = "agentrt"
	dockerShimRuntime = "agentrt-shim"
)

// contribDaemonJSON is contrib/docker/daemon.json, the file users install,
// with agentrt's path changed to the binary under test.
func contribDaemonJSON(t testing.TB, bins binaries) string {
	t.Helper()
	data, err := os.ReadFile("../contrib/docker/daemon.json")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Runtimes map[string]map[string]string `json:"runtimes"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("contrib/docker/daemon.json: %v", err)
	}
	path, shim := cfg.Runtimes[dockerPathRuntime], cfg.Runtimes[dockerShimRuntime]
	if path["path"] != "/usr/local/bin/agentrt" || shim["runtimeType"] != shimRuntime {
		t.Fatalf("contrib/docker/daemon.json: runtimes %v, want %s by path and %s by runtime type", cfg.Runtimes, dockerPathRuntime, dockerShimRuntime)
	}
	path["path"] = bins.agentrt
	return writeJSON(t, cfg)
}

func startDockerd(t *testing.T, cd *containerd, bins binaries) *dockerd {
	t.Helper()
	bin := testenv.RequireCommand(t, "dockerd")
	testenv.RequireCommand(t, "docker")
	dir := t.TempDir()
	d := &dockerd{
		host:     "unix://" + filepath.Join(dir, "docker.sock"),
		execRoot: filepath.Join(dir, "exec"),
		ns:       "agentrt-docker-" + randomSuffix(t),
		log:      filepath.Join(dir, "dockerd.log"),
		done:     make(chan struct{}),
	}
	config := contribDaemonJSON(t, bins)
	cgroupParent := "/" + d.ns
	pluginsExisted := exists("/run/docker/plugins")
	t.Cleanup(func() {
		removeCgroupParent(t, cgroupParent)
		removeEmptyDir("/run/docker/plugins", pluginsExisted)
		removeEmptyDir("/run/docker", pluginsExisted)
		if err := os.Remove(filepath.Join(shimDefaultRoot, d.ns)); err != nil && !os.IsNotExist(err) {
			t.Errorf("agentrt root of namespace %q left: %v", d.ns, err)
		}
		removeEmptyDir(shimDefaultRoot, false)
	})
	logf, err := os.Create(d.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	d.cmd = exec.Command(bin, "--config-file", config, "-H", d.host,
		"--data-root", filepath.Join(dir, "data"), "--exec-root", d.execRoot, "--pidfile", filepath.Join(dir, "docker.pid"),
		"--containerd", cd.Address, "--containerd-namespace", d.ns, "--containerd-plugins-namespace", d.ns+"-plugins",
		"--cgroup-parent", cgroupParent, "--bridge=none", "--iptables=false", "--ip6tables=false",
		"--ip-forward=false", "--ip-masq=false", "--userland-proxy=false")
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	d.cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bins.shim)+":"+os.Getenv("PATH"))
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start dockerd: %v", err)
	}
	go func() {
		_ = d.cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() { d.stop(t, dir) })
	d.waitReady(t)
	return d
}

// docker runs the docker CLI against the test's dockerd.
func (d *dockerd) docker(t testing.TB, args ...string) cmdResult {
	t.Helper()
	return runCommand(t, []string{"DOCKER_HOST=" + d.host, "DOCKER_CONFIG=" + filepath.Join(d.execRoot, "cli")}, "docker", args...)
}

func (d *dockerd) waitReady(t testing.TB) {
	t.Helper()
	for deadline := time.Now().Add(2 * daemonTimeout); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		select {
		case <-d.done:
			t.Fatalf("dockerd exited\n%s", tail(d.log))
		default:
		}
		if d.docker(t, "version").code == 0 {
			return
		}
	}
	t.Fatalf("dockerd did not answer on %q\n%s", d.host, tail(d.log))
}

// stop removes every container, then stops dockerd.
func (d *dockerd) stop(t testing.TB, dir string) {
	t.Helper()
	if ids := strings.Fields(d.docker(t, "ps", "-aq").stdout); len(ids) > 0 {
		d.docker(t, append([]string{"rm", "-f"}, ids...)...)
	}
	_ = d.cmd.Process.Signal(unix.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(daemonTimeout):
		t.Errorf("dockerd did not stop within %v; killing it", daemonTimeout)
		_ = d.cmd.Process.Kill()
		<-d.done
	}
	unmountUnder(t, dir)
	if t.Failed() {
		t.Logf("dockerd log:\n%s", tail(d.log))
	}
}

func tail(path string) string {
	data, _ := os.ReadFile(path)
	if len(data) > 8<<10 {
		data = data[len(data)-8<<10:]
	}
	return string(data)
}

// TestDockerRunAgentrt is `docker run --runtime=agentrt --annotation
// agentrt.io/writable=...` with agentrt as a path runtime and as the shim
// runtime type: the annotation reaches agentrt and takes effect, the
// rootfs is read-only, the exit status comes back, and nothing is left.
func TestDockerRunAgentrt(t *testing.T) {
	testenv.RequireRoot(t)
	bins := agentrtBinaries(t)
	cd := startContainerd(t, containerdConfig{Bins: bins, AdminConfig: writeAdminConfig(t, allowData)})
	d := startDockerd(t, cd, bins)
	img := buildImage(t, "agentrt.test/docker:"+randomSuffix(t), nil, nil, "sleep", "1000")
	load := mustSucceed(t, d.docker(t, "load", "-i", img.Archive))
	if !strings.Contains(load.stdout, img.Ref) {
		t.Fatalf("docker load did not load %q\n%s", img.Ref, load)
	}
	tests := []struct {
		name    string
		runtime string
		root    string
	}{
		{"path runtime", dockerPathRuntime, filepath.Join(d.execRoot, "runtime-runc", d.ns)},
		{"shim runtime type", dockerShimRuntime, filepath.Join(shimDefaultRoot, d.ns)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			id := strings.TrimSpace(mustSucceed(t, d.docker(t, "run", "-d", "--runtime", tt.runtime, "--network", "none",
				"--annotation", "agentrt.io/writable=/workspace,/data", img.Ref)).stdout)
			t.Logf("docker run -d --runtime %s: %v", tt.runtime, time.Since(start))
			st := agentrtState(t, bins.agentrt, tt.root, id)
			if got := st.Annotations["agentrt.io/writable"]; got != "/workspace,/data" {
				t.Errorf("state annotation agentrt.io/writable: got %q, want /workspace,/data", got)
			}
			if rep := reportIn(t, st.Annotations); !slices.Contains(rep.Channels, string(policy.ChannelAnnotation)) {
				t.Errorf("report channels %v, want the annotation channel", rep.Channels)
			}
			res := mustSucceed(t, d.docker(t, "exec", id, "sh", "-c", "echo ok > /data/f && cat /data/f"))
			if strings.TrimSpace(res.stdout) != "ok" {
				t.Errorf("got %q, want ok", res.stdout)
			}
			if res := d.docker(t, "exec", id, "sh", "-c", "echo no > /etc/f"); res.code == 0 {
				t.Errorf("write to /etc succeeded, want a read-only rootfs\n%s", res)
			}
			mustSucceed(t, d.docker(t, "rm", "-f", id))
			if res := d.docker(t, "run", "--rm", "--runtime", tt.runtime, "--network", "none", img.Ref, "sh", "-c", "exit 3"); res.code != 3 {
				t.Errorf("got exit status %d, want 3\n%s", res.code, res)
			}
			testenv.AssertNoLeaks(t, tt.root, id)
			waitNoProcessWith(t, "shim", id)
		})
	}
}
