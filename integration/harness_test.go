package integration

import (
	"testing"

	"github.com/agentrt/agentrt/integration/testenv"
)

// TestMain runs the integration tests below a subreaper, so that orphaned
// container processes are reaped as soon as they exit.
func TestMain(m *testing.M) { testenv.Main(m) }

// TestRunExitStatus is the harness smoke test: `RUNTIME run ID` on a
// busybox bundle running sh -c 'exit 3' returns exit status 3 and leaves
// nothing behind, for runc 1.5.3 and for agentrt.
func TestRunExitStatus(t *testing.T) {
	tests := []struct {
		name    string
		runtime func(testing.TB) *testenv.Runtime
	}{
		{"runc run ID", testenv.Runc},
		{"agentrt run ID", testenv.Agentrt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			testenv.RequireRoot(t)
			rt := tc.runtime(t)
			b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), "sh", "-c", "exit 3")
			res := rt.Run(t, "run", "--bundle", b.Dir, b.ID)
			if res.ExitCode != 3 {
				t.Errorf("got exit status %d, want 3\n%s", res.ExitCode, res)
			}
			testenv.AssertNoLeaks(t, rt.Root, b.ID)
		})
	}
}
