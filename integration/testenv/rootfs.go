package testenv

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/agentrt/agentrt/internal/testrootfs"
)

// ProbePath is where StaticRootfs and Bundle.AddProbe put the probe
// binary: a tool directory of the default policy, so that it may run.
const ProbePath = "/usr/bin/probe"

// modulePath is the module whose root repoRoot looks for.
const modulePath = "github.com/agentrt/agentrt"

// probePackage is the static probe program that StaticRootfs holds.
const probePackage = "integration/probe"

var (
	busyboxOnce = sync.OnceValues(func() (string, error) { return withCache(testrootfs.Busybox) })
	glibcOnce   = sync.OnceValues(func() (string, error) { return withCache(testrootfs.Glibc) })
	probeOnce   = sync.OnceValues(buildProbe)
	staticOnce  = sync.OnceValues(buildStatic)
)

func withCache(build func(cacheDir string) (string, error)) (string, error) {
	dir, err := testrootfs.CacheDir()
	if err != nil {
		return "", err
	}
	return build(dir)
}

// BusyboxRootfs returns the shared busybox rootfs (see
// testrootfs.Busybox), built once per machine and looked up once per test
// binary. It is read-only by convention: NewBundle copies it.
func BusyboxRootfs(t testing.TB) string {
	t.Helper()
	return mustRootfs(t, "busybox", busyboxOnce)
}

// GlibcRootfs returns the shared Debian bookworm minbase rootfs, made by
// debootstrap from the machine's apt mirror and cached across runs in
// /var/cache/agentrt-test/glibc-bookworm (about 25 s the first time). It
// needs root. It is read-only by convention: use NewSharedBundle to run it
// without a copy, or NewBundle for a private writable copy.
func GlibcRootfs(t testing.TB) string {
	t.Helper()
	RequireRoot(t)
	if _, err := exec.LookPath("debootstrap"); err != nil && !isExecutable("/usr/sbin/debootstrap") {
		SkipOrFail(t, "needs debootstrap to build a glibc rootfs (scripts/deps.sh base installs it)")
	}
	return mustRootfs(t, "glibc", glibcOnce)
}

// StaticRootfs returns a shared rootfs that holds nothing but the static
// probe binary (integration/probe, built with CGO_ENABLED=0) at ProbePath:
// no libc, no shell, no /etc, like a distroless image. The runtime creates
// the mount points it needs in a bundle's copy.
func StaticRootfs(t testing.TB) string {
	t.Helper()
	return mustRootfs(t, "static", staticOnce)
}

// ProbeBinary returns the path of the static probe binary, built once per
// machine for each version of its source; copy it into a rootfs to use it
// next to busybox.
func ProbeBinary(t testing.TB) string {
	t.Helper()
	return mustRootfs(t, "probe", probeOnce)
}

func mustRootfs(t testing.TB, what string, once func() (string, error)) string {
	t.Helper()
	path, err := once()
	if err != nil {
		t.Fatalf("build %s rootfs: %v", what, err)
	}
	return path
}

func buildStatic() (string, error) {
	probe, err := probeOnce()
	if err != nil {
		return "", err
	}
	cacheDir, err := testrootfs.CacheDir()
	if err != nil {
		return "", err
	}
	name := "static-v2-" + filepath.Base(filepath.Dir(probe))
	return testrootfs.Cached(cacheDir, name, func(dir string) error {
		data, err := os.ReadFile(probe)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(ProbePath)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, ProbePath), data, 0o755)
	})
}

// buildProbe builds the probe package of this module into the cache, keyed
// by its sources and the Go version, and returns the binary's path.
func buildProbe() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	src := filepath.Join(root, probePackage)
	key, err := sourceKey(src)
	if err != nil {
		return "", err
	}
	cacheDir, err := testrootfs.CacheDir()
	if err != nil {
		return "", err
	}
	dir, err := testrootfs.Cached(cacheDir, "probe-"+key, func(dir string) error {
		return goBuildStatic(root, "./"+probePackage, filepath.Join(dir, "probe"))
	})
	return filepath.Join(dir, "probe"), err
}

func goBuildStatic(moduleDir, pkg, out string) error {
	cmd := exec.Command(goTool(), "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w: %s", pkg, err, bytes.TrimSpace(msg))
	}
	return nil
}

// sourceKey hashes the .go files of dir and the Go toolchain version.
func sourceKey(dir string) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		return "", fmt.Errorf("no Go sources in %q", dir)
	}
	sort.Strings(files)
	h := sha256.New()
	ver, err := exec.Command(goTool(), "version").Output()
	if err != nil {
		return "", fmt.Errorf("go version: %w", err)
	}
	h.Write(ver)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// goTool finds the go command: on PATH, else in GOROOT or /usr/local/go.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "/usr/local/go/bin/go"
}

// repoRoot walks up from the working directory (a test's package
// directory) to the directory with this module's go.mod.
func repoRoot() (string, error) {
	start, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := start; ; {
		if isModuleRoot(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %q above %q", modulePath, start)
		}
		dir = parent
	}
}

func isModuleRoot(gomod string) bool {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "module "+modulePath {
			return true
		}
	}
	return false
}
