package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run in CI, where CI=true (or 1) is set.
// In CI every prerequisite is installed, so a missing one is a failure.
func InCI() bool {
	v := os.Getenv("CI")
	return v == "true" || v == "1"
}

// SkipOrFail stops the test because a prerequisite is missing: it skips
// with the reason, except in CI, where it fails with it, because a skip in
// CI hides a broken CI.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("%s (CI=true: a missing prerequisite fails the test)", reason)
	}
	t.Skip(reason)
}

// RequireRoot stops the test unless it runs as root (uid 0), through
// SkipOrFail.
func RequireRoot(t testing.TB) {
	t.Helper()
	if uid := os.Geteuid(); uid != 0 {
		SkipOrFail(t, "needs root to create containers, runs as uid %d", uid)
	}
}

// RequireCommand returns the path of the executable name (looked up on
// PATH unless it holds a slash), stopping the test through SkipOrFail when
// there is none.
func RequireCommand(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		SkipOrFail(t, "needs %q (scripts/deps.sh installs it): %v", name, err)
	}
	return path
}
