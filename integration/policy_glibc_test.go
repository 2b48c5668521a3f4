package integration

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/agentrt/agentrt/integration/testenv"
	"github.com/agentrt/agentrt/internal/testrootfs"
)

// threadsSource starts and joins eight POSIX threads. Built on the host
// and dynamically linked against the host's glibc, which is the glibc of
// the bookworm rootfs too, it makes the dynamic loader, libc and
// clone-based threads run under the policy's Landlock and seccomp rules.
const threadsSource = `#include <pthread.h>
#include <stdio.h>

static void *work(void *arg) { *(int *)arg += 1; return NULL; }

int main(void) {
	enum { N = 8 };
	pthread_t t[N];
	int v[N] = {0}, sum = 0;
	for (int i = 0; i < N; i++)
		if (pthread_create(&t[i], NULL, work, &v[i]) != 0) {
			perror("pthread_create");
			return 1;
		}
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		sum += v[i];
	}
	printf("threads: %d joined\n", sum);
	return sum == N ? 0 : 1;
}
`

// glibcChecks are what the default policy allows an agent in a Debian
// rootfs beyond defaultPolicyChecks: bash job control and a dynamically
// linked threaded program.
var glibcChecks = []agentCheck{
	{name: "bash -c 'sleep 0.1 & sleep 0.1 & wait'", args: []string{"bash", "-c", "sleep 0.1 & sleep 0.1 & wait; echo jobs done"}, stdout: "jobs done"},
	{name: "threads (dynamically linked, pthread_create)", args: []string{"threads"}, stdout: "threads: 8 joined"},
	{name: "bash -c 'echo > /etc/agent-file'", args: []string{"bash", "-c", "echo x > /etc/agent-file 2>/dev/null || echo refused"}, stdout: "refused"},
}

// TestAgentrtRunGlibcRootfs runs `agentrt run` on bundles of a Debian
// bookworm rootfs that ask for nothing but whose spec grants much (see
// permissiveEngine): the default policy lets the agent run bash, its
// tools and threads, and denies the rest as in busybox.
func TestAgentrtRunGlibcRootfs(t *testing.T) {
	testenv.RequireRoot(t)
	rootfs := glibcAgentRootfs(t)
	newBundle := func(t testing.TB, args ...string) *testenv.Bundle {
		return testenv.NewSharedBundle(t, rootfs, args...)
	}
	runChecks(t, append(append([]agentCheck(nil), defaultPolicyChecks...), glibcChecks...), newBundle)
}

// glibcAgentRootfs returns a private copy of the glibc rootfs with the
// probe, an empty /workspace, and the threads program at
// /usr/local/bin/threads, built with the host's gcc.
func glibcAgentRootfs(t testing.TB) string {
	t.Helper()
	gcc := testenv.RequireCommand(t, "gcc")
	rootfs := filepath.Join(t.TempDir(), "glibc")
	if err := testrootfs.Copy(testenv.GlibcRootfs(t), rootfs); err != nil {
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
	mkdirsIn(t, rootfs, "workspace")
	buildThreads(t, gcc, filepath.Join(rootfs, "usr/local/bin/threads"))
	return rootfs
}

// buildThreads compiles threadsSource to out and checks that the result
// is dynamically linked, so that the loader is part of what runs.
func buildThreads(t testing.TB, gcc, out string) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "threads.c")
	if err := os.WriteFile(src, []byte(threadsSource), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(gcc, "-O2", "-pthread", "-o", out, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc threads.c: %v\n%s", err, msg)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return
		}
	}
	t.Fatalf("%s is statically linked, want a dynamic executable", out)
}
