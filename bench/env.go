package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/agentrt/agentrt/internal/testrootfs"
)

// runcVersion is the reference runc release.
const runcVersion = "1.5.3"

// runtimeUnderTest is one runtime binary with its own state root.
type runtimeUnderTest struct {
	name    string // "agentrt" or "runc"
	bin     string
	root    string
	version string // first line of --version
}

// command returns `bin --root root ARGS`.
func (r *runtimeUnderTest) command(args ...string) *exec.Cmd {
	return exec.Command(r.bin, append([]string{"--root", r.root}, args...)...)
}

// env is what every case shares: the two runtimes, a scratch directory
// and the busybox rootfs.
type env struct {
	agentrt, runc *runtimeUnderTest
	workDir       string
	busybox       string
}

func newEnv(o options) (*env, error) {
	work, err := os.MkdirTemp("", "agentrt-bench-")
	if err != nil {
		return nil, err
	}
	e := &env{workDir: work}
	if e.agentrt, err = newRuntime("agentrt", o.agentrt, filepath.Join(work, "agentrt-root")); err != nil {
		e.close()
		return nil, err
	}
	if e.runc, err = newRuntime("runc", o.runc, filepath.Join(work, "runc-root")); err != nil {
		e.close()
		return nil, err
	}
	if !strings.Contains(e.runc.version, "runc version "+runcVersion) {
		e.close()
		return nil, fmt.Errorf("-runc %q is %q, want runc %s", o.runc, e.runc.version, runcVersion)
	}
	if e.busybox, err = busyboxRootfs(); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func busyboxRootfs() (string, error) {
	cache, err := testrootfs.CacheDir()
	if err != nil {
		return "", err
	}
	return testrootfs.Busybox(cache)
}

func newRuntime(name, bin, root string) (*runtimeUnderTest, error) {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return nil, err
	}
	out, err := exec.Command(abs, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("-%s %q: %s --version: %w", name, bin, abs, err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return &runtimeUnderTest{name: name, bin: abs, root: root, version: strings.TrimSpace(first)}, nil
}

// newBundle copies the busybox rootfs into dir/rootfs and writes runc's
// default spec with args as the process.
func (e *env) newBundle(dir string, args ...string) error {
	if err := testrootfs.Copy(e.busybox, filepath.Join(dir, "rootfs")); err != nil {
		return err
	}
	_, err := testrootfs.Bundle(e.runc.bin, dir, "rootfs", args...)
	return err
}

// close deletes what the runs left under both roots, then the scratch
// directory.
func (e *env) close() {
	for _, rt := range []*runtimeUnderTest{e.agentrt, e.runc} {
		if rt != nil {
			rt.deleteAll()
		}
	}
	os.RemoveAll(e.workDir)
}

func (r *runtimeUnderTest) deleteAll() {
	if _, err := os.Stat(r.root); err != nil {
		return
	}
	out, _ := r.command("list", "--quiet").Output()
	for _, id := range strings.Fields(string(out)) {
		var stderr bytes.Buffer
		cmd := r.command("delete", "--force", id)
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %s delete --force %s: %v: %s\n", r.name, id, err, stderr.Bytes())
		}
	}
}
