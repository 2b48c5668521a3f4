package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/agentrt/agentrt/integration/testenv"
	"github.com/agentrt/agentrt/runtime/landlock"
)

// requireLandlock stops a test that needs Landlock ABI abi, through
// SkipOrFail: CI kernels have it.
func requireLandlock(t *testing.T, abi int) {
	t.Helper()
	testenv.RequireRoot(t)
	if k := landlock.KernelABI(); k < abi {
		testenv.SkipOrFail(t, "needs Landlock ABI %d, the kernel has %d", abi, k)
	}
}

// TestLandlockPaths: `agentrt --config CFG run` of the probe on a
// writable rootfs, with the default policy's path lists: what the policy
// allows works, the rest fails with Landlock's EACCES (the rootfs is
// writable, so not EROFS), nothing in a writable path can be executed
// (W^X), and rename and link across the writable paths work (refer).
func TestLandlockPaths(t *testing.T) {
	requireLandlock(t, 2)
	steps := []struct {
		name string
		args []string
		want string
	}{
		{"read the image", []string{"read", "/usr/bin/probe"}, probeAllowed},
		{"read /proc", []string{"read", "/proc/self/status"}, probeAllowed},
		{"write /tmp", []string{"write", "/tmp/a"}, probeAllowed},
		{"write /workspace", []string{"write", "/workspace/b"}, probeAllowed},
		{"write a tool directory", []string{"write", "/usr/bin/new"}, probeEACCES},
		{"write a readable directory", []string{"write", "/srv/new"}, probeEACCES},
		{"write the root directory", []string{"write", "/new"}, probeEACCES},
		{"overwrite a tool", []string{"write", "/usr/bin/xtrue"}, probeEACCES},
		{"exec a tool", []string{"exec", "/usr/bin/xtrue"}, probeAllowed},
		{"exec outside the tool directories", []string{"exec", "/srv/xtrue"}, probeEACCES},
		{"exec from /tmp (W^X)", []string{"exec", "/tmp/xtrue"}, probeEACCES},
		{"exec from /workspace (W^X)", []string{"exec", "/workspace/xtrue"}, probeEACCES},
		{"write a file into /tmp", []string{"write", "/tmp/mine"}, probeAllowed},
		// Without Landlock this would be ENOEXEC: the file is not a program.
		{"exec the file written into /tmp (W^X)", []string{"exec", "/tmp/mine"}, probeEACCES},
		{"rename /tmp to /workspace (refer)", []string{"rename", "/tmp/a", "/workspace/a"}, probeAllowed},
		{"link /workspace to /tmp (refer)", []string{"link", "/workspace/a", "/tmp/a-link"}, probeAllowed},
		{"rename out of the writable paths", []string{"rename", "/workspace/b", "/usr/bin/b"}, probeEACCES},
		{"link out of the writable paths", []string{"link", "/workspace/b", "/srv/b"}, probeEACCES},
	}
	for _, kind := range landlockImages {
		t.Run(kind.name, func(t *testing.T) {
			rt := testenv.Agentrt(t)
			cfg := landlockConfig(t, rt, writableRootfs)
			b := landlockBundle(t, kind)
			for _, st := range steps {
				t.Run(st.name, func(t *testing.T) {
					res := runWithConfig(t, rt, cfg, b, append([]string{"probe"}, st.args...)...)
					wantProbe(t, res, st.want)
				})
			}
		})
	}
}

// shellWorkScript moves and links files across the writable paths with
// the image's own mv and ln, then checks W^X with a copy of true.
const shellWorkScript = `set -e
rm -rf /tmp/d /tmp/hard /tmp/soft /tmp/true /workspace/true
echo data > /tmp/a
mkdir -p /workspace/d
mv /tmp/a /workspace/d/a
ln /workspace/d/a /tmp/hard
mv /workspace/d /tmp/d
ln -s /tmp/d/a /workspace/soft
cat /workspace/soft /tmp/hard
rm /workspace/soft
cp /bin/true /tmp/true
cp /bin/true /workspace/true
if /tmp/true || /workspace/true; then echo "W^X broken"; exit 1; fi
/bin/true
echo done`

// TestLandlockShellTools: `agentrt --config CFG run` of sh, mv, ln and cp
// on the busybox and glibc images: the image's own tools move and link
// across writable directories, and a copied program does not run from a
// writable path, also when the admin makes "/" executable (the runtime
// then grants execute beside the writable paths).
func TestLandlockShellTools(t *testing.T) {
	requireLandlock(t, 2)
	configs := []struct {
		name  string
		edits []landlockEdit
	}{
		{"default lists", []landlockEdit{writableRootfs}},
		{"executable root", []landlockEdit{writableRootfs, executableRoot}},
	}
	for _, kind := range landlockImages {
		if !kind.shell {
			continue
		}
		t.Run(kind.name, func(t *testing.T) {
			rt := testenv.Agentrt(t)
			b := landlockBundle(t, kind)
			for _, c := range configs {
				t.Run(c.name, func(t *testing.T) {
					cfg := landlockConfig(t, rt, c.edits...)
					res := runWithConfig(t, rt, cfg, b, "sh", "-c", shellWorkScript)
					if res.ExitCode != 0 || res.Stdout != "data\ndata\ndone\n" {
						t.Errorf("got %s\nwant exit 0 and data, data, done", res)
					}
					if !strings.Contains(res.Stderr, "Permission denied") {
						t.Errorf("stderr: got %q, want the shell's Permission denied for /tmp/true", res.Stderr)
					}
					wantProbe(t, runWithConfig(t, rt, cfg, b, "probe", "exec", "/srv/xtrue"), execOutsideTools(c.name))
				})
			}
		})
	}
}

// execOutsideTools is the outcome of running /srv/xtrue: denied with the
// default lists, allowed when "/" is executable.
func execOutsideTools(config string) string {
	if config == "executable root" {
		return probeAllowed
	}
	return probeEACCES
}

// TestLandlockExec: `agentrt exec ID probe ...` into a running container
// gets the same rules as init: the exec'd process runs through the
// sandbox entry too, since setns does not carry init's domain.
func TestLandlockExec(t *testing.T) {
	requireLandlock(t, 2)
	steps := []struct {
		name string
		args []string
		want string
	}{
		{"write /tmp", []string{"write", "/tmp/e"}, probeAllowed},
		{"write outside the writable paths", []string{"write", "/usr/bin/e"}, probeEACCES},
		{"write the root directory", []string{"write", "/e"}, probeEACCES},
		{"exec a tool", []string{"exec", "/usr/bin/xtrue"}, probeAllowed},
		{"exec from /tmp (W^X)", []string{"exec", "/tmp/xtrue"}, probeEACCES},
		{"exec outside the tool directories", []string{"exec", "/srv/xtrue"}, probeEACCES},
	}
	for _, kind := range landlockImages {
		t.Run(kind.name, func(t *testing.T) {
			rt := testenv.Agentrt(t)
			cfg := landlockConfig(t, rt, writableRootfs)
			b := landlockBundle(t, kind)
			id, _ := startWithConfig(t, rt, cfg, b, "probe", "sleep", "60")
			for _, st := range steps {
				t.Run(st.name, func(t *testing.T) {
					res := rt.Run(t, append([]string{"--config", cfg, "exec", id, "probe"}, st.args...)...)
					wantProbe(t, res, st.want)
				})
			}
			t.Run("exec leaves no trace", func(t *testing.T) {
				pidFile := filepath.Join(t.TempDir(), "pid")
				rt.MustRun(t, "exec", "--detach", "--pid-file", pidFile, id, "probe", "sleep", "30")
				pid := pidFromFile(t, pidFile)
				waitExec(t, pid, []string{"probe", "sleep", "30"})
				for _, e := range procStrings(t, pid, "environ") {
					if strings.HasPrefix(e, "_AGENTRT") {
						t.Errorf("environment of the exec'd process holds %q", shorten(e))
					}
				}
			})
		})
	}
}

func pidFromFile(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("pid file %q: %v", data, err)
	}
	return pid
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// TestLandlockNoTrace: `agentrt run --detach` leaves no trace of the
// sandbox entry in the agent's process, read from the host's /proc: the
// agent is pid 1 with its own executable and args, its environment is
// the spec's, without the ruleset variable, and its open files and its
// mounts are those of runc running the spec agentrt hardened. The static
// image has no libc and no shell: the probe is the process.
func TestLandlockNoTrace(t *testing.T) {
	requireLandlock(t, 1)
	for _, kind := range landlockImages {
		t.Run(kind.name, func(t *testing.T) {
			args := []string{"sleep", "60"}
			if !kind.shell {
				args = []string{"probe", "sleep", "60"}
			}
			agentrt, runc := testenv.Agentrt(t), testenv.Runc(t)
			cfg := landlockConfig(t, agentrt, writableRootfs)
			b := landlockBundle(t, kind)
			id, pid := startWithConfig(t, agentrt, cfg, b, args...)
			runcID, runcPid := startBundleDir(t, runc, nil, hardenedBundle(t, cfg, b))
			waitExec(t, pid, args)
			waitExec(t, runcPid, args)
			if n := nsPid(t, pid); n != 1 {
				t.Errorf("the agent's pid in the container: got %d, want 1", n)
			}
			if got, want := procExe(t, pid), procExe(t, runcPid); got != want {
				t.Errorf("the agent's executable: got %q, want runc's %q", got, want)
			}
			env, runcEnv := procStrings(t, pid, "environ"), procStrings(t, runcPid, "environ")
			if !slices.Equal(env, runcEnv) {
				t.Errorf("/proc/1/environ: got %q, want runc's %q", env, runcEnv)
			}
			for _, e := range env {
				if strings.HasPrefix(e, "_AGENTRT") {
					t.Errorf("/proc/1/environ holds %q", shorten(e))
				}
			}
			gotFDs, wantFDs := openFDs(t, pid), openFDs(t, runcPid)
			if diff := cmp.Diff(wantFDs, gotFDs); diff != "" {
				t.Errorf("open files of pid 1 (-runc +agentrt):\n%s", diff)
			}
			if kind.shell && len(gotFDs) != 3 {
				t.Errorf("open files of sleep: got %v, want stdio only", gotFDs)
			}
			if diff := cmp.Diff(mountTable(t, runcPid, runcID), mountTable(t, pid, id)); diff != "" {
				t.Errorf("mounts of pid 1 (-runc +agentrt):\n%s", diff)
			}
		})
	}
}

// TestLandlockConnect: `agentrt run` of `probe connect` under an
// allowlist of loopback ports. The egress firewall lets loopback through
// on every port, so a refused loopback connection is Landlock's alone:
// EACCES for 9090 although a listener waits there, while 8080 connects.
// The second allowlist is every port but 9090, which the ruleset carries
// as ranges: 65534 single ports would not fit in the sandbox entry's
// environment.
func TestLandlockConnect(t *testing.T) {
	requireLandlock(t, 4)
	allowlists := []struct {
		name  string
		allow string
	}{
		{"one port", "['127.0.0.1/32:8080/tcp']"},
		{"all ports but one", "['127.0.0.1/32:1-9089/tcp', '127.0.0.1/32:9091-65535/tcp']"},
	}
	tests := []struct {
		name string
		addr string
		want string
	}{
		{"probeAllowed port", "127.0.0.1:8080", probeAllowed},
		{"port outside the policy", "127.0.0.1:9090", probeEACCES},
	}
	for _, kind := range landlockImages {
		for _, a := range allowlists {
			t.Run(kind.name+"/"+a.name, func(t *testing.T) {
				rt := testenv.Agentrt(t)
				cfg := landlockConfig(t, rt, writableRootfs,
					landlockEdit{"egress = 'none'", "egress = 'allowlist'"},
					landlockEdit{"allow = []", "allow = " + a.allow})
				b := landlockBundle(t, kind)
				for _, tc := range tests {
					t.Run(tc.name, func(t *testing.T) {
						listeners := func(pid int) {
							listenInNetns(t, pid, "tcp", "127.0.0.1:8080")
							listenInNetns(t, pid, "tcp", "127.0.0.1:9090")
						}
						out := createThenStart(t, rt, cfg, b, listeners, "probe", "connect", tc.addr)
						wantProbe(t, testenv.Result{Stdout: out, ExitCode: probeExit(out)}, tc.want)
					})
				}
			})
		}
	}
}

// probeExit is the probe's exit status for its output, for outputs read from
// a file rather than from a command that exited.
func probeExit(out string) int {
	if strings.TrimSpace(out) == probeAllowed {
		return 0
	}
	return 1
}

// scopeConfig is an admin config of a scoping test and what the probe
// must report across domains under it.
type scopeConfig struct {
	name  string
	edits []landlockEdit
	want  string
}

// scopeConfigs are Landlock on (a cross-domain probe gets EPERM) and off
// (it goes through), both with a writable rootfs.
func scopeConfigs() []scopeConfig {
	return []scopeConfig{
		{"landlock on", []landlockEdit{writableRootfs}, probeEPERM},
		{"landlock off", append([]landlockEdit{writableRootfs}, noLandlock...), probeAllowed},
	}
}

// TestLandlockAbstractSocket: `agentrt run` of `probe abstract NAME`
// where a process of the container's netns outside the agent's domain
// (the test, joined to the netns) listens on @NAME: Landlock's scope
// refuses the connection with EPERM; with the landlock layer off it
// connects.
func TestLandlockAbstractSocket(t *testing.T) {
	requireLandlock(t, 6)
	configs := scopeConfigs()
	for _, kind := range landlockImages {
		t.Run(kind.name, func(t *testing.T) {
			rt := testenv.Agentrt(t)
			b := landlockBundle(t, kind)
			for _, c := range configs {
				t.Run(c.name, func(t *testing.T) {
					cfg := landlockConfig(t, rt, c.edits...)
					name := "agentrt-test-" + testenv.NewID(t)
					listener := func(pid int) { listenInNetns(t, pid, "unix", "@"+name) }
					out := createThenStart(t, rt, cfg, b, listener, "probe", "abstract", name)
					wantProbe(t, testenv.Result{Stdout: out, ExitCode: probeExit(out)}, c.want)
				})
			}
		})
	}
}

// TestLandlockSignalScope: every `agentrt exec` process has a Landlock
// domain of its own, a sibling of init's, so a signal between an exec'd
// process and init crosses domains and is refused with EPERM (signal 0,
// which the kernel checks like any other), while a signal within a domain
// goes through; with the landlock layer off both go through.
func TestLandlockSignalScope(t *testing.T) {
	requireLandlock(t, 6)
	configs := scopeConfigs()
	for _, kind := range landlockImages {
		t.Run(kind.name, func(t *testing.T) {
			rt := testenv.Agentrt(t)
			b := landlockBundle(t, kind)
			for _, c := range configs {
				t.Run(c.name, func(t *testing.T) {
					cfg := landlockConfig(t, rt, c.edits...)
					id, _ := startWithConfig(t, rt, cfg, b, "probe", "sleep", "60")
					res := rt.Run(t, "--config", cfg, "exec", id, "probe", "kill", "1")
					t.Run("exec'd process signals init", func(t *testing.T) { wantProbe(t, res, c.want) })
					if kind.shell {
						res := rt.Run(t, "--config", cfg, "exec", id, "sh", "-c", "probe kill $$")
						t.Run("exec'd probe signals its shell", func(t *testing.T) { wantProbe(t, res, probeAllowed) })
					}
				})
			}
		})
	}
}

// initSignalsScript waits for the pid of a process the test starts with
// `agentrt exec`, signals it and then its own shell, and writes both
// outcomes to /tmp/kill.out.
const initSignalsScript = `while [ ! -s /tmp/target ]; do sleep 0.1; done
{ probe kill "$(cat /tmp/target)"; probe kill $$; } > /tmp/kill.tmp 2>&1
mv /tmp/kill.tmp /tmp/kill.out
sleep 60`

// TestLandlockInitSignalsExec: init (the image's shell) signals a process
// started by `agentrt exec`, which lives in another Landlock domain: EPERM
// with Landlock, allowed without; its own shell, in its domain, always.
func TestLandlockInitSignalsExec(t *testing.T) {
	requireLandlock(t, 6)
	configs := scopeConfigs()
	for _, kind := range landlockImages {
		if !kind.shell {
			continue
		}
		t.Run(kind.name, func(t *testing.T) {
			rt := testenv.Agentrt(t)
			b := landlockBundle(t, kind)
			for _, c := range configs {
				t.Run(c.name, func(t *testing.T) { testInitSignalsExec(t, rt, landlockConfig(t, rt, c.edits...), b, c.want) })
			}
		})
	}
}

// testInitSignalsExec runs initSignalsScript as init, gives it the pid of
// an exec'd process and checks the two outcomes it writes.
func testInitSignalsExec(t *testing.T, rt *testenv.Runtime, cfg string, b *testenv.Bundle, cross string) {
	for _, f := range []string{"target", "kill.out"} {
		os.Remove(filepath.Join(b.Rootfs, "tmp", f))
	}
	id, _ := startWithConfig(t, rt, cfg, b, "sh", "-c", initSignalsScript)
	pidFile := filepath.Join(t.TempDir(), "pid")
	rt.MustRun(t, "--config", cfg, "exec", "--detach", "--pid-file", pidFile, id, "probe", "sleep", "60")
	target := strconv.Itoa(nsPid(t, pidFromFile(t, pidFile)))
	if err := os.WriteFile(filepath.Join(b.Rootfs, "tmp", "target"), []byte(target), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := waitLines(t, filepath.Join(b.Rootfs, "tmp", "kill.out"), 2)
	t.Run("init signals the exec'd process", func(t *testing.T) {
		wantProbe(t, testenv.Result{Stdout: lines[0], ExitCode: probeExit(lines[0])}, cross)
	})
	t.Run("init's probe signals its shell", func(t *testing.T) {
		wantProbe(t, testenv.Result{Stdout: lines[1], ExitCode: probeExit(lines[1])}, probeAllowed)
	})
}

// waitLines waits for path to appear and returns its first n lines.
func waitLines(t *testing.T, path string, n int) []string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) < n {
			t.Fatalf("%s: got %q, want %d lines", path, data, n)
		}
		return lines[:n]
	}
	t.Fatalf("%s did not appear", path)
	return nil
}

// TestLandlockMinABI: `agentrt create` with an admin floor above the
// kernel's Landlock ABI refuses, naming both ABIs, and leaves nothing
// behind. The config validator caps landlock.min_abi at
// policy.MaxLandlockABI (64), so 99 is refused by `config check` and 64
// is the floor used.
func TestLandlockMinABI(t *testing.T) {
	requireLandlock(t, 1)
	rt := testenv.Agentrt(t)
	t.Run("config check of min_abi 99", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "config.toml")
		text := strings.Replace(rt.MustRun(t, "config", "default").Stdout, "min_abi = 1", "min_abi = 99", 1)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		res := rt.Run(t, "config", "check", path)
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, "landlock.min_abi") || !strings.Contains(res.Stderr, "0 to 64") {
			t.Errorf("got %s\nwant a refusal of landlock.min_abi, 0 to 64", res)
		}
	})
	cfg := landlockConfig(t, rt, landlockEdit{"min_abi = 1", "min_abi = 64"})
	b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), "true")
	want := fmt.Sprintf("the admin requires ABI 64 or newer (landlock.min_abi), but the kernel has ABI %d", landlock.KernelABI())
	for _, cmd := range []string{"create", "run"} {
		t.Run("agentrt "+cmd, func(t *testing.T) {
			id := testenv.NewID(t)
			res := rt.Run(t, "--config", cfg, cmd, "--bundle", b.Dir, id)
			if res.ExitCode == 0 || !strings.Contains(res.Stderr, want) {
				t.Errorf("got %s\nwant a refusal with %q", res, want)
			}
			if list := rt.Run(t, "list", "--quiet"); strings.Contains(list.Stdout, id) {
				t.Errorf("list after the refusal: got %q, want no %q", list.Stdout, id)
			}
			testenv.AssertNoLeaks(t, rt.Root, id)
		})
	}
}

// benignScript is an agent's ordinary shell work in bash: pipes, a here
// document (a temporary file in /tmp), command substitution, files in
// /workspace, a symbolic link and user lookup.
const benignScript = `#!/bin/bash
set -euo pipefail
cd /workspace
printf 'b\na\n' > in.txt
sort in.txt | tr a-z A-Z > out.txt
cat <<EOF > /tmp/heredoc
$(id -un)
EOF
mkdir -p sub && mv out.txt sub/ && ln -sf sub/out.txt link
echo "$(head -1 link) $(cat /tmp/heredoc) $(wc -l < in.txt) $(ls / | grep -c workspace)"
`

// benignC uses threads, stdio in /tmp, the user database, fork and exec.
const benignC = `#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void *worker(void *arg) { return arg; }

int main(void) {
	pthread_t th;
	void *r = 0;
	if (pthread_create(&th, 0, worker, (void *)42) || pthread_join(th, &r)) return 10;
	FILE *f = fopen("/tmp/c-out", "w");
	if (!f || fputs("x", f) < 0 || fclose(f)) return 11;
	struct passwd *pw = getpwuid(0);
	pid_t pid = fork();
	if (pid == 0) { execl("/bin/true", "true", (char *)0); _exit(127); }
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0) return 12;
	printf("threads=%ld user=%s child=%d\n", (long)r, pw ? pw->pw_name : "?", WEXITSTATUS(st));
	return 0;
}
`

// TestLandlockBenignWorkload: `agentrt run` under the embedded default
// policy (read-only rootfs and all) of ordinary work on the bookworm
// image: a bash script, a C program linked dynamically against the
// image's glibc and one linked statically (both built by the host's gcc,
// bookworm's too), name lookups through libc's NSS with /etc/hosts, and a
// terminal session.
func TestLandlockBenignWorkload(t *testing.T) {
	requireLandlock(t, 5)
	rt := testenv.Agentrt(t)
	cfg := landlockConfig(t, rt)
	b := testenv.NewBundle(t, testenv.GlibcRootfs(t), "true")
	bin := filepath.Join(b.Rootfs, "usr/local/bin")
	if err := os.WriteFile(filepath.Join(bin, "agent-task"), []byte(benignScript), 0o755); err != nil {
		t.Fatal(err)
	}
	installFile(t, gccBuild(t, "hello-dynamic", benignC), filepath.Join(bin, "hello-dynamic"), 0o755)
	installFile(t, gccBuild(t, "hello-static", benignC, "-static"), filepath.Join(bin, "hello-static"), 0o755)
	hosts := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
	if err := os.WriteFile(filepath.Join(b.Rootfs, "etc/hosts"), []byte(hosts), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"agent-task", []string{"agent-task"}, "A root 2 1\n"},
		{"hello-dynamic", []string{"hello-dynamic"}, "threads=42 user=root child=0\n"},
		{"hello-static", []string{"hello-static"}, "threads=42 user=root child=0\n"},
		{"getent hosts localhost", []string{"getent", "hosts", "localhost"}, "::1             localhost ip6-localhost ip6-loopback\n"},
		{"getent ahosts localhost", []string{"getent", "ahosts", "localhost"}, "::1             STREAM localhost\n" +
			"::1             DGRAM  \n::1             RAW    \n127.0.0.1       STREAM \n127.0.0.1       DGRAM  \n127.0.0.1       RAW    \n"},
		{"ldd", []string{"sh", "-c", "ldd /usr/local/bin/hello-dynamic | grep -c libc.so.6"}, "1\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runWithConfig(t, rt, cfg, b, tc.args...)
			if res.ExitCode != 0 || res.Stdout != tc.want {
				t.Errorf("got %s\nwant exit 0 and %q", res, tc.want)
			}
		})
	}
	t.Run("terminal", func(t *testing.T) { testTerminal(t, rt, cfg, b) })
}

// testTerminal runs `agentrt run` of a process with terminal true on a
// pty the test opened, as an engine's user at a terminal would: tty names
// the container's pty, and stty reads its size with an ioctl on the
// device (Landlock ABI 5 handles ioctl on devices; the baseline allows
// it on the terminal).
func testTerminal(t *testing.T, rt *testenv.Runtime, cfg string, b *testenv.Bundle) {
	b.Spec().Process.Terminal = true
	defer func() { b.Spec().Process.Terminal = false; b.Save(t) }()
	// stty -F opens the terminal anew, under Landlock, unlike the
	// inherited stdio.
	setProcessArgs(t, b, "sh", "-c", `tty; stty size; stty -F /dev/tty size; stty -F "$(tty)" size`)
	master, slave := openPty(t, 33, 101)
	id := testenv.NewID(t)
	ctx, cancel := context.WithTimeout(context.Background(), testenv.DefaultTimeout)
	defer cancel()
	cmd := rt.Command(ctx, "--config", cfg, "run", "--bundle", b.Dir, id)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	output := readUntilClosed(master)
	err := cmd.Wait()
	got := strings.ReplaceAll(<-output, "\r\n", "\n")
	testenv.AssertNoLeaks(t, rt.Root, id)
	if want := "/dev/pts/0\n33 101\n33 101\n33 101\n"; err != nil || got != want {
		t.Errorf("got %q (%v), want %q", got, err, want)
	}
}
