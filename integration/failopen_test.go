package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/integration/testenv"
)

// These tests hold findings of a review that tried to make agentrt run a
// container with less confinement than the admin allows. Each must fail
// closed.

// TestAgentrtRunEmptyPathLists: a request that narrows every path list to
// nothing must not turn Landlock off; it grants nothing but the baseline,
// so not even the agent's own command may run.
func TestAgentrtRunEmptyPathLists(t *testing.T) {
	testenv.RequireRoot(t)
	rt := testenv.Agentrt(t)
	b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), "sh", "-c", "echo ran")
	b.SetAnnotation("agentrt.io/policy", `{"filesystem":{"readable":[],"writable":[],"executable":[]}}`)
	b.Save(t)
	res := rt.Run(t, "run", "--bundle", b.Dir, b.ID)
	if res.ExitCode == 0 || strings.Contains(res.Stdout, "ran") {
		t.Fatalf("agentrt run with empty path lists: got exit %d, stdout %q; want the command refused by Landlock", res.ExitCode, res.Stdout)
	}
	testenv.AssertNoLeaks(t, rt.Root, b.ID)
}

// TestAgentrtRunJoinsHostPidNamespace: joining agentrt's own (the host's)
// pid namespace through any path, not only /proc/1/ns/pid, is refused
// unless the admin allows host_pid.
func TestAgentrtRunJoinsHostPidNamespace(t *testing.T) {
	testenv.RequireRoot(t)
	rt := testenv.Agentrt(t)
	for _, path := range []string{"/proc/self/ns/pid", "/proc/thread-self/ns/pid"} {
		t.Run("agentrt run with linux.namespaces pid path "+path, func(t *testing.T) {
			b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), "true")
			s := b.Spec()
			for i, ns := range s.Linux.Namespaces {
				if ns.Type == specs.PIDNamespace {
					s.Linux.Namespaces[i].Path = path
				}
			}
			b.Save(t)
			res := rt.Run(t, "run", "--bundle", b.Dir, b.ID)
			if res.ExitCode == 0 || !strings.Contains(errorText(res.Stderr), "pid namespace") {
				t.Errorf("got exit %d, stderr %q; want a refusal naming the pid namespace", res.ExitCode, res.Stderr)
			}
			testenv.AssertNoLeaks(t, rt.Root, b.ID)
		})
	}
}

// TestAgentrtRunSymlinkedBindSource: a bind source that is a symlink to
// the host's / is refused like / itself.
func TestAgentrtRunSymlinkedBindSource(t *testing.T) {
	testenv.RequireRoot(t)
	rt := testenv.Agentrt(t)
	link := filepath.Join(t.TempDir(), "hostroot")
	if err := os.Symlink("/", link); err != nil {
		t.Fatal(err)
	}
	b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), "ls", "/mnt")
	s := b.Spec()
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/mnt", Type: "bind", Source: link, Options: []string{"rbind", "ro"}})
	b.Save(t)
	res := rt.Run(t, "run", "--bundle", b.Dir, b.ID)
	if res.ExitCode == 0 || !strings.Contains(errorText(res.Stderr), "mount_sources") {
		t.Errorf("got exit %d, stderr %q; want a refusal naming isolation.mount_sources", res.ExitCode, res.Stderr)
	}
	testenv.AssertNoLeaks(t, rt.Root, b.ID)
}

// TestAgentrtStartAfterKilledCreate: a create killed before it finished
// (before the egress rules and the report) leaves a container that start
// must refuse.
func TestAgentrtStartAfterKilledCreate(t *testing.T) {
	testenv.RequireRoot(t)
	rt := testenv.Agentrt(t)
	b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), "true")
	b.Save(t)
	rt.MustRun(t, "create", "--bundle", b.Dir, b.ID)
	// Stand in for a create killed after libcontainer saved its state but
	// before agentrt finished: drop the record's completion mark.
	recPath := filepath.Join(rt.Root, b.ID, "agentrt.json")
	data, err := os.ReadFile(recPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(recPath, []byte(strings.Replace(string(data), `"created":true`, `"created":false`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	res := rt.Run(t, "start", b.ID)
	if res.ExitCode == 0 || !strings.Contains(errorText(res.Stderr), "did not finish") {
		t.Errorf("start after an unfinished create: got exit %d, stderr %q; want a refusal", res.ExitCode, res.Stderr)
	}
	rt.MustRun(t, "delete", "--force", b.ID)
	testenv.AssertNoLeaks(t, rt.Root, b.ID)
}

// TestAgentrtRunMemfdExec: a binary copied into a memfd cannot be executed
// (vm.memfd_noexec=2 in the container's pid namespace), so W^X holds past
// Landlock, which does not see memfd's internal mount.
func TestAgentrtRunMemfdExec(t *testing.T) {
	testenv.RequireRoot(t)
	rt := testenv.Agentrt(t)
	b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), "probe", "memfd-exec", testenv.ProbePath)
	b.AddProbe(t)
	b.Save(t)
	res := rt.Run(t, "run", "--bundle", b.Dir, b.ID)
	if res.ExitCode == 0 || !strings.Contains(res.Stdout, "blocked") {
		t.Errorf("probe memfd-exec: got exit %d, stdout %q; want blocked", res.ExitCode, res.Stdout)
	}
	testenv.AssertNoLeaks(t, rt.Root, b.ID)
	if data, err := os.ReadFile("/proc/sys/vm/memfd_noexec"); err == nil && strings.TrimSpace(string(data)) == "2" {
		t.Errorf("the host's vm.memfd_noexec is 2: agentrt set it outside the container's pid namespace")
	}
}

// TestAgentrtStateImageUnavailable: when the shim could not read the
// image's policy, the strict default applies and the report says why.
func TestAgentrtStateImageUnavailable(t *testing.T) {
	testenv.RequireRoot(t)
	rt := testenv.Agentrt(t)
	b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), "sleep", "30")
	b.SetAnnotation("agentrt.io/image.unavailable", "image \"registry.example/agent:1\" not found in namespace default")
	b.Save(t)
	rt.MustRun(t, "run", "--detach", "--bundle", b.Dir, b.ID)
	rep := stateReport(t, rt, b.ID)
	found := false
	for _, w := range rep.Warnings {
		found = found || strings.Contains(w, "image policy unavailable") && strings.Contains(w, "not found in namespace default")
	}
	if !found {
		t.Errorf("report warnings %q do not say why the image policy is missing", rep.Warnings)
	}
	rt.MustRun(t, "delete", "--force", b.ID)
	testenv.AssertNoLeaks(t, rt.Root, b.ID)
}
