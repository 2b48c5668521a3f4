package landlock

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary act as the sandbox entry, so that the
// irreversible restriction happens in a child process, never in the test
// binary itself.
func TestMain(m *testing.M) {
	MaybeEnter()
	maybeHelper()
	os.Exit(m.Run())
}

// runEntry runs sh -c script through the entry with rs, and returns its
// combined output and exit code.
func runEntry(t *testing.T, rs *Ruleset, script string) (string, int) {
	t.Helper()
	abi := KernelABI()
	if abi < 1 {
		t.Skip("needs Landlock; the kernel has none")
	}
	data, err := json.Marshal(entryPayload{Ruleset: rs, ABI: abi})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], EntryArg, "--", "/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), envRuleset+string(data))
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

func hostRuleset(extra ...Rule) *Ruleset {
	rules := []Rule{
		{Path: "/", Access: Read},
		{Path: "/bin", Access: Read | Execute},
		{Path: "/usr", Access: Read | Execute},
		{Path: "/lib", Access: Read | Execute},
		{Path: "/lib64", Access: Read | Execute},
		{Path: "/dev/null", Access: Read | Write},
	}
	return &Ruleset{Rules: append(rules, extra...), HandleConnect: true, Scope: true}
}

func TestEntryEnforcesPaths(t *testing.T) {
	dir := t.TempDir()
	rw := filepath.Join(dir, "rw")
	ro := filepath.Join(dir, "ro")
	for _, d := range []string{rw, ro, filepath.Join(rw, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(ro, "tool"), []byte("#!/bin/sh\necho ran\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	rs := hostRuleset(Rule{Path: rw, Access: Read | Write})
	tests := []struct {
		name   string
		script string
		want   int
	}{
		{"write in a writable path", "echo x > " + rw + "/f", 0},
		{"write outside", "echo x > " + ro + "/f", 2}, // dash: redirection failed
		{"rename across writable directories", "echo x > " + rw + "/a && mv " + rw + "/a " + rw + "/sub/a", 0},
		{"hard link inside writable", "echo x > " + rw + "/b && ln " + rw + "/b " + rw + "/sub/b", 0},
		{"exec outside the tool paths", ro + "/tool", 126},
		{"copied binary in a writable path cannot run (W^X)", "cp /bin/true " + rw + "/t && " + rw + "/t", 126},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := runEntry(t, rs, tc.script)
			if code != tc.want {
				t.Errorf("got exit %d, want %d; output: %s", code, tc.want, out)
			}
		})
	}
}

func TestEntryRemovesPayloadFromEnv(t *testing.T) {
	out, code := runEntry(t, hostRuleset(), "env")
	if code != 0 {
		t.Fatalf("got exit %d, want 0: %s", code, out)
	}
	if strings.Contains(out, strings.TrimSuffix(envRuleset, "=")) {
		t.Errorf("the agent's environment still holds the ruleset:\n%s", out)
	}
}

func TestEntryRefusesWithoutPayload(t *testing.T) {
	cmd := exec.Command(os.Args[0], EntryArg, "--", "/bin/true")
	out, err := cmd.CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 126 {
		t.Fatalf("got %v (%s), want exit 126", err, out)
	}
}
