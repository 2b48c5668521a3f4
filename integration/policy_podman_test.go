package integration

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/agentrt/agentrt/integration/testenv"
	"github.com/agentrt/agentrt/internal/testrootfs"
)

// agentrtDefaultRoot is agentrt's state root when no --root is given.
const agentrtDefaultRoot = "/run/agentrt"

// podman drives podman 4.3 with agentrt as its runtime, with storage, run
// and temporary directories of its own, passing everything as flags (see
// CLIENTS.md); --runtime-flag hands agentrt the test's admin config. The
// state root stays agentrt's default: podman 4.3 leaves the runtime flags
// out of the cleanup command it gives conmon, so `agentrt delete` after a
// container's exit would look for the container in the default root
// anyway, and a container created elsewhere would be left behind.
type podman struct {
	bin     string
	agentrt string
	dir     string // storage, run root and tmpdir live below it
	cfg     policyConfig
}

// newPodman returns a podman driver whose containers run under agentrt
// with cfg. Containers and images left behind are removed when the test
// ends.
func newPodman(t testing.TB, rt *testenv.Runtime, cfg policyConfig) *podman {
	t.Helper()
	p := &podman{bin: testenv.RequireCommand(t, "podman"), dir: t.TempDir(), cfg: cfg}
	p.agentrt = rt.Bin
	t.Cleanup(func() {
		for _, args := range [][]string{{"rm", "--all", "--force", "--time", "0"}, {"rmi", "--all", "--force"}} {
			if res := p.run(t, args...); res.ExitCode != 0 {
				t.Logf("clean up podman: %s", res)
			}
		}
	})
	return p
}

func (p *podman) globalArgs() []string {
	return []string{
		"--root", filepath.Join(p.dir, "storage"), "--runroot", filepath.Join(p.dir, "run"),
		"--tmpdir", filepath.Join(p.dir, "tmp"), "--cgroup-manager", "cgroupfs", "--events-backend", "file",
		"--runtime", p.agentrt, "--runtime-flag", "config=" + p.cfg.Path,
	}
}

// run runs `podman GLOBAL-FLAGS ARGS` and returns what it did.
func (p *podman) run(t testing.TB, args ...string) testenv.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testenv.DefaultTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.bin, append(p.globalArgs(), args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	res := testenv.Result{Args: cmd.Args[1:], Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: -1}
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	if ctx.Err() != nil {
		t.Fatalf("podman killed after %v\n%s", testenv.DefaultTimeout, res)
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("podman %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// runContainer runs `podman run --rm …` with the flags this machine needs
// (see CLIENTS.md), then opts, image and args, and returns the result
// and the container's id.
func (p *podman) runContainer(t testing.TB, opts []string, image string, args ...string) (testenv.Result, string) {
	t.Helper()
	cidfile := filepath.Join(t.TempDir(), "cid")
	run := []string{"run", "--rm", "--cidfile", cidfile, "--network", "none",
		"--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"}
	res := p.run(t, append(append(append(run, opts...), image), args...)...)
	cid, err := os.ReadFile(cidfile)
	if err != nil || len(cid) == 0 {
		t.Fatalf("podman wrote no container id (%v)\n%s", err, res)
	}
	return res, string(cid)
}

// agentImages builds an OCI image of the busybox rootfs with the probe, an
// empty /workspace and /home/agent, and loads it into p's storage twice:
// plain, and with the manifest annotation
// agentrt.io/writable=/workspace,/home/agent. It returns the two image
// names.
func agentImages(t testing.TB, p *podman) (plain, annotated string) {
	t.Helper()
	umoci := testenv.RequireCommand(t, "umoci")
	dir := t.TempDir()
	layout, unpacked := filepath.Join(dir, "layout"), filepath.Join(dir, "unpacked")
	image := layout + ":base"
	mustCommand(t, umoci, "init", "--layout", layout)
	mustCommand(t, umoci, "new", "--image", image)
	mustCommand(t, umoci, "unpack", "--image", image, unpacked)
	rootfs := filepath.Join(unpacked, "rootfs")
	if err := os.RemoveAll(rootfs); err != nil {
		t.Fatal(err)
	}
	if err := testrootfs.Copy(testenv.BusyboxRootfs(t), rootfs); err != nil {
		t.Fatal(err)
	}
	probe, err := os.ReadFile(testenv.ProbeBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	writeRootfsFile(t, rootfs, testenv.ProbePath, string(probe))
	if err := os.Chmod(filepath.Join(rootfs, testenv.ProbePath), 0o755); err != nil {
		t.Fatal(err)
	}
	mkdirsIn(t, rootfs, "workspace", "home/agent")
	mustCommand(t, umoci, "repack", "--image", image, unpacked)
	mustCommand(t, umoci, "config", "--image", image, "--config.cmd", "sh", "--tag", "plain")
	mustCommand(t, umoci, "config", "--image", image, "--config.cmd", "sh",
		"--manifest.annotation", "agentrt.io/writable=/workspace,/home/agent", "--tag", "annotated")
	return p.load(t, layout, "plain"), p.load(t, layout, "annotated")
}

// load copies the image tag of an OCI layout into an archive with
// skopeo and loads that into p's storage as localhost/agent:TAG, which it
// returns. (podman pull oci:DIR names the image after DIR, which fails
// for a temporary directory with capitals in its path.)
func (p *podman) load(t testing.TB, layout, tag string) string {
	t.Helper()
	skopeo := testenv.RequireCommand(t, "skopeo")
	name := "localhost/agent:" + tag
	archive := filepath.Join(t.TempDir(), tag+".tar")
	mustCommand(t, skopeo, "copy", "oci:"+layout+":"+tag, "oci-archive:"+archive+":"+name)
	if res := p.run(t, "load", "--quiet", "--input", archive); res.ExitCode != 0 || !strings.Contains(res.Stdout, name) {
		t.Fatalf("podman load: want %s loaded\n%s", name, res)
	}
	return name
}

// mustCommand runs a tool that must succeed.
func mustCommand(t testing.TB, bin string, args ...string) {
	t.Helper()
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, out)
	}
}

// TestPodmanRunAnnotation runs agent containers through `podman run` with
// agentrt as the runtime: the default policy applies, a widening
// agentrt.io/* annotation given with --annotation or carried by the
// image's manifest takes effect (both reach agentrt as the annotation
// channel, with the same effective policy), and one beyond the ceiling
// is refused with agentrt's message and nothing left behind.
func TestPodmanRunAnnotation(t *testing.T) {
	testenv.RequireRoot(t)
	rt := testenv.Agentrt(t)
	cfg := newPolicyConfig(t, rt)
	p := newPodman(t, rt, cfg)
	plain, annotated := agentImages(t, p)
	script := shellArgs("probe write /home/agent/f; probe write /workspace/f; probe ptrace; true")
	const (
		homeBlocked = "blocked: open /home/agent/f: read-only file system\n"
		widened     = "allowed\nallowed\n" + blockedEPERM
	)
	tests := []struct {
		name     string
		opts     []string
		image    string
		want     string
		channels []string
	}{
		{"podman run IMAGE", nil, plain, homeBlocked + "allowed\n" + blockedEPERM, nil},
		// podman splits --annotation values at commas, as CSV, unless
		// the value is quoted.
		{"podman run --annotation agentrt.io/writable=/workspace,/home/agent IMAGE",
			[]string{"--annotation", `"agentrt.io/writable=/workspace,/home/agent"`}, plain, widened, []string{"annotation"}},
		{"podman run IMAGE with manifest annotation agentrt.io/writable=/workspace,/home/agent",
			nil, annotated, widened, []string{"annotation"}},
	}
	hashes := map[string]string{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, cid := p.runContainer(t, tc.opts, tc.image, script...)
			assertRun(t, res, 0, tc.want)
			testenv.AssertNoLeaks(t, agentrtDefaultRoot, cid)
			rec := cfg.record(t, "created", cid)
			if rec.Report == nil || !cmp.Equal(rec.Report.Channels, tc.channels, cmpopts.EquateEmpty()) {
				t.Errorf("audit created record: got report %+v, want channels %q", rec.Report, tc.channels)
			}
			hashes[tc.name] = rec.PolicyHash
		})
	}
	if h := hashes[tests[1].name]; h == "" || h != hashes[tests[2].name] || h == hashes[tests[0].name] {
		t.Errorf("policy hashes: got %q, want --annotation and the manifest annotation to give the same policy, other than the default", hashes)
	}

	t.Run("podman run --annotation agentrt.io/egress=evil.example:25 IMAGE", func(t *testing.T) {
		res, cid := p.runContainer(t, []string{"--annotation", "agentrt.io/egress=evil.example:25"}, plain, "true")
		msg := `agentrt.io/egress "evil.example:25" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.network.allow`
		if res.ExitCode == 0 || !strings.Contains(errorText(res.Stderr), msg) {
			t.Errorf("got %s\nwant a failure with %q", res, msg)
		}
		testenv.AssertNoLeaks(t, agentrtDefaultRoot, cid)
		if rec := cfg.record(t, "refused", cid); !strings.Contains(rec.Reason, msg) {
			t.Errorf("audit refused record: got reason %q, want it to hold %q", rec.Reason, msg)
		}
		if ps := p.run(t, "ps", "--all", "--quiet", "--no-trunc"); strings.Contains(ps.Stdout, cid) {
			t.Errorf("podman still lists the refused container %s\n%s", cid, ps)
		}
	})
}
