package seccomp

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// profileNames returns every system call name the agent profile uses.
func profileNames() []string {
	var names []string
	for _, sc := range Agent().Syscalls {
		names = append(names, sc.Names...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// resolver builds testdata/resolve.c against the installed libseccomp.
func resolver(t *testing.T) string {
	t.Helper()
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("needs a C compiler (cc) to build the libseccomp resolver: " + err.Error())
	}
	if _, err := os.Stat("/usr/include/seccomp.h"); err != nil {
		t.Skip("needs libseccomp-dev (/usr/include/seccomp.h) to resolve names")
	}
	bin := filepath.Join(t.TempDir(), "resolve")
	out, err := exec.Command(cc, "-o", bin, "testdata/resolve.c", "-lseccomp").CombinedOutput()
	if err != nil {
		t.Fatalf("build resolver: %v\n%s", err, out)
	}
	return bin
}

// TestNamesKnownToLibseccomp checks every name of the agent profile with
// libseccomp itself: runc silently ignores names libseccomp does not know,
// so a misspelt name would quietly drop a rule.
func TestNamesKnownToLibseccomp(t *testing.T) {
	cmd := exec.Command(resolver(t))
	cmd.Stdin = strings.NewReader(strings.Join(profileNames(), "\n"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("run resolver: %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	n := 0
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 {
			t.Fatalf("resolver line %q: want 4 fields", sc.Text())
		}
		n++
		amd64, _ := strconv.Atoi(f[1])
		arm64, _ := strconv.Atoi(f[2])
		if amd64 == -1 {
			t.Errorf("%q: unknown to libseccomp %s on x86_64", f[0], f[3])
		}
		if amd64 < 0 && arm64 < 0 {
			t.Errorf("%q: native on neither x86_64 nor aarch64 (got %d, %d)", f[0], amd64, arm64)
		}
		if n == 1 {
			t.Logf("libseccomp %s", f[3])
		}
	}
	if want := len(profileNames()); n != want {
		t.Errorf("resolver answered %d names, want %d", n, want)
	}
}
