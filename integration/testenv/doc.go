// Package testenv is the harness for agentrt's integration tests: root
// filesystems and bundles to run, drivers for agentrt and the reference
// runc 1.5.3, JSON normalisation for parity checks, leak checks after a
// container is gone, a subreaper for the test binary, and skip rules that
// turn every skip into a failure in CI.
//
// It is meant to be imported from _test.go files only: every helper takes
// a testing.TB and fails the test itself.
//
// A test package starts with
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// and a test reads like
//
//	testenv.RequireRoot(t)
//	rt := testenv.Runc(t)
//	b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), "sh", "-c", "exit 3")
//	res := rt.Run(t, "run", "--bundle", b.Dir, b.ID)
//	// res.ExitCode == 3
//	testenv.AssertNoLeaks(t, rt.Root, b.ID)
package testenv
