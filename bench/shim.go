package main

// Cases that compare agentrt's containerd shim (containerd-shim-agentrt-v2
// running agentrt) with containerd's runc shim (containerd-shim-runc-v2
// running runc), on one containerd 2.4 the bench starts for them:
//
//	shim rss:    resident memory of the idle shim holding one container
//	             running sleep (target: agentrt at most 1.1 × runc)
//	shim ctr run: wall time of `ctr run --rm IMAGE ID true`
//
// They need containerd, ctr and containerd-shim-runc-v2 (scripts/deps.sh
// containerd), umoci and skopeo (scripts/deps.sh base), and the shim next
// to the agentrt binary under test (make build). The containerd is shared
// by both cases; it has SIGTERM as its parent-death signal, so it stops
// when the bench exits, and its directory is under the bench's scratch
// directory, which env.close removes. Every trial deletes its container,
// so that no shim outlives it.

import (
	"bytes"
	"context"
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
	"time"
)

func init() {
	cases = append(cases,
		benchCase{name: "shim rss", unit: "MiB", runs: 10, prepare: prepareShimRSS},
		benchCase{name: "shim ctr run", unit: "ms", runs: 30, prepare: prepareShimRun},
	)
}

const (
	// shimBenchNamespace is the containerd namespace of the shim cases.
	shimBenchNamespace = "agentrt-bench"
	// shimBenchImage is the image the shim cases run.
	shimBenchImage = "agentrt.bench/busybox:1"
	// shimIdle is how long a shim is left alone before its memory is read,
	// so that the create's garbage is collected in both shims alike.
	shimIdle = 2 * time.Second
)

// shimRuntimes maps the runtimes under test to ctr's runtime flags:
// agentrt's shim, which finds agentrt next to itself, and the runc shim
// told to run the reference runc.
func shimRuntimeFlags(rt *runtimeUnderTest) []string {
	if rt.name == "agentrt" {
		return []string{"--runtime", "io.containerd.agentrt.v2"}
	}
	return []string{"--runtime", "io.containerd.runc.v2", "--runc-binary", rt.bin}
}

// prepareShimRSS measures the resident set of each idle shim, in MiB.
func prepareShimRSS(e *env, dir string) (trial, error) {
	cd, err := sharedContainerd(e)
	if err != nil {
		return nil, err
	}
	return func(rt *runtimeUnderTest, i int) (float64, error) {
		id := fmt.Sprintf("bench-shim-rss-%s-%d", rt.name, i)
		args := append([]string{"run", "-d", "--null-io"}, shimRuntimeFlags(rt)...)
		if out, err := cd.ctr(append(args, shimBenchImage, id, "sleep", "1000")...); err != nil {
			return 0, fmt.Errorf("%w: %s", err, out)
		}
		defer func() {
			cd.remove(id)
			tidyShimDirs()
		}()
		time.Sleep(shimIdle)
		pid, err := cd.shimPid(id)
		if err != nil {
			return 0, err
		}
		kib, err := residentKiB(pid)
		return float64(kib) / 1024, err
	}, nil
}

// prepareShimRun times `ctr run --rm` of a container running true.
func prepareShimRun(e *env, dir string) (trial, error) {
	cd, err := sharedContainerd(e)
	if err != nil {
		return nil, err
	}
	return func(rt *runtimeUnderTest, i int) (float64, error) {
		id := fmt.Sprintf("bench-shim-run-%s-%d", rt.name, i)
		args := append([]string{"run", "--rm", "--null-io"}, shimRuntimeFlags(rt)...)
		start := time.Now()
		out, err := cd.ctr(append(args, shimBenchImage, id, "true")...)
		elapsed := time.Since(start)
		if err != nil {
			cd.remove(id)
		}
		tidyShimDirs()
		if err != nil {
			return 0, fmt.Errorf("%w: %s", err, out)
		}
		return float64(elapsed.Microseconds()) / 1000, nil
	}, nil
}

// benchContainerd is the containerd of the shim cases.
type benchContainerd struct {
	dir, address string
}

var (
	shimContainerdOnce sync.Once
	shimContainerd     *benchContainerd
	shimContainerdErr  error
)

// sharedContainerd starts the shim cases' containerd once and imports the
// busybox image into it.
func sharedContainerd(e *env) (*benchContainerd, error) {
	shimContainerdOnce.Do(func() {
		shimContainerd, shimContainerdErr = startBenchContainerd(e)
	})
	return shimContainerd, shimContainerdErr
}

func startBenchContainerd(e *env) (*benchContainerd, error) {
	shim := filepath.Join(filepath.Dir(e.agentrt.bin), "containerd-shim-agentrt-v2")
	if _, err := os.Stat(shim); err != nil {
		return nil, fmt.Errorf("agentrt's shim next to -agentrt: %w (run make build)", err)
	}
	for _, tool := range []string{"containerd", "ctr", "containerd-shim-runc-v2", "umoci", "skopeo"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s: %w (run scripts/deps.sh base containerd)", tool, err)
		}
	}
	cd := &benchContainerd{dir: filepath.Join(e.workDir, "containerd")}
	cd.address = filepath.Join(cd.dir, "c.sock")
	if err := cd.start(filepath.Dir(shim)); err != nil {
		return nil, err
	}
	archive, err := benchImage(e, cd.dir)
	if err != nil {
		return nil, err
	}
	if out, err := cd.ctr("images", "import", archive); err != nil {
		return nil, fmt.Errorf("import the bench image: %w: %s", err, out)
	}
	return cd, nil
}

// start runs containerd with a version 4 config of its own, the shim's
// directory first on its PATH, and waits for its socket.
func (cd *benchContainerd) start(shimDir string) error {
	if err := os.MkdirAll(cd.dir, 0o700); err != nil {
		return err
	}
	config := fmt.Sprintf("version = 4\nroot = %q\nstate = %q\n"+
		"disabled_plugins = ['io.containerd.grpc.v1.cri', 'io.containerd.cri.v1.runtime', 'io.containerd.cri.v1.images', 'io.containerd.podsandbox.controller.v1.podsandbox']\n"+
		"[plugins.'io.containerd.server.v1.grpc']\n  address = %q\n"+
		"[plugins.'io.containerd.server.v1.ttrpc']\n  address = %q\n"+
		"[plugins.'io.containerd.nri.v1.nri']\n  disable = true\n"+
		"[plugins.'io.containerd.internal.v1.opt']\n  path = %q\n",
		filepath.Join(cd.dir, "root"), filepath.Join(cd.dir, "state"), cd.address, cd.address+".ttrpc", filepath.Join(cd.dir, "opt"))
	path := filepath.Join(cd.dir, "config.toml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(cd.dir, "containerd.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command("containerd", "--config", path)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), "PATH="+shimDir+":"+os.Getenv("PATH"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start containerd: %w", err)
	}
	go cmd.Wait()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if conn, err := net.Dial("unix", cd.address); err == nil {
			conn.Close()
			return nil
		}
	}
	return errors.New("containerd did not listen within 30s; see " + logf.Name())
}

// ctr runs `ctr --address SOCK -n NS ARGS` and returns its output.
func (cd *benchContainerd) ctr(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "ctr", append([]string{"--address", cd.address, "-n", shimBenchNamespace}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// remove kills and deletes container id, so that its shim exits.
func (cd *benchContainerd) remove(id string) {
	_, _ = cd.ctr("tasks", "kill", "-s", "SIGKILL", id)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := cd.ctr("tasks", "rm", id); err == nil {
			break
		}
	}
	if out, err := cd.ctr("containers", "rm", id); err != nil {
		fmt.Fprintf(os.Stderr, "bench: delete container %s: %v: %s\n", id, err, out)
	}
}

// shimPid finds the shim serving container id: the process started with
// -id ID and this containerd's address.
func (cd *benchContainerd) shimPid(id string) (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(data, []byte("-id\x00"+id+"\x00")) && bytes.Contains(data, []byte(cd.address)) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no shim process for container %q", id)
}

// tidyShimDirs removes what the shims' runtimes leave of the bench
// namespace once its containers are gone: the state root of the
// namespace (runc's and agentrt's) and its cgroup in every hierarchy. Each
// goes only if empty; the next trial makes them again.
func tidyShimDirs() {
	for _, root := range []string{"/run/containerd/agentrt", "/run/containerd/runc"} {
		_ = syscall.Rmdir(filepath.Join(root, shimBenchNamespace))
		_ = syscall.Rmdir(root)
	}
	cgroups, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup/*", shimBenchNamespace))
	for _, dir := range cgroups {
		_ = syscall.Rmdir(dir)
	}
}

// residentKiB reads VmRSS of a process.
func residentKiB(pid int) (int, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

// benchImage builds an oci-archive of the busybox rootfs with umoci and
// skopeo and returns its path.
func benchImage(e *env, dir string) (string, error) {
	layout := filepath.Join(dir, "image")
	image := layout + ":latest"
	archive := filepath.Join(dir, "image.tar")
	steps := [][]string{
		{"umoci", "init", "--layout", layout},
		{"umoci", "new", "--image", image},
		{"umoci", "insert", "--image", image, e.busybox, "/"},
		{"umoci", "config", "--image", image, "--config.env", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"},
		{"skopeo", "copy", "oci:" + image, "oci-archive:" + archive + ":" + shimBenchImage},
	}
	for _, s := range steps {
		if out, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
			return "", fmt.Errorf("%s: %w: %s", strings.Join(s, " "), err, bytes.TrimSpace(out))
		}
	}
	return archive, nil
}
