package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentrt/agentrt/internal/testrootfs"
)

// LeakGrace is how long AssertNoLeaks waits for processes and cgroups to
// go away before it calls them leaked: the kernel removes an exited
// process from its cgroup a moment after its parent sees it exit.
const LeakGrace = 3 * time.Second

// AssertNoLeaks fails the test when anything of container id is left
// after it was deleted:
//
//   - a state directory root/id;
//   - a cgroup directory named after the id (or with the id in its name)
//     in any cgroup hierarchy mounted on the host: with linux.cgroupsPath
//     empty, libcontainer puts them at <controller>/<id> relative to the
//     runtime's own cgroup, in each v1 controller and in the unified
//     hierarchy at /sys/fs/cgroup/unified;
//   - a mount whose source, root or mount point mentions the id (bundles
//     from NewBundle have the id in their path, so their mounts count);
//   - a process whose command line, environment or cgroup mentions the id.
//
// Processes and cgroups get LeakGrace to disappear.
func AssertNoLeaks(t testing.TB, root, id string) {
	t.Helper()
	if id == "" {
		t.Fatal("AssertNoLeaks: empty container id")
	}
	leaks := findLeaks(root, id)
	for deadline := time.Now().Add(LeakGrace); len(leaks) > 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		leaks = findLeaks(root, id)
	}
	for _, l := range leaks {
		t.Errorf("container %q leaked %s", id, l)
	}
}

// findLeaks returns one line per leaked object of container id.
func findLeaks(root, id string) []string {
	var leaks []string
	for _, check := range []func(root, id string) []string{
		stateLeaks, cgroupLeaks, mountLeaks, processLeaks,
	} {
		leaks = append(leaks, check(root, id)...)
	}
	return leaks
}

func stateLeaks(root, id string) []string {
	dir := filepath.Join(root, id)
	if _, err := os.Lstat(dir); err == nil {
		return []string{fmt.Sprintf("state directory %q", dir)}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return []string{fmt.Sprintf("state directory %q: %v", dir, err)}
	}
	return nil
}

// cgroupLeaks walks every cgroup hierarchy mounted on the host.
func cgroupLeaks(_, id string) []string {
	var leaks []string
	for _, m := range mountPoints() {
		if m.fstype != "cgroup" && m.fstype != "cgroup2" {
			continue
		}
		_ = filepath.WalkDir(m.point, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			if path != m.point && strings.Contains(d.Name(), id) {
				leaks = append(leaks, fmt.Sprintf("cgroup %q%s", path, cgroupProcs(path)))
				return fs.SkipDir
			}
			return nil
		})
	}
	return leaks
}

// cgroupProcs describes the processes still in a cgroup.
func cgroupProcs(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		return ""
	}
	return " with processes " + strings.Join(strings.Fields(string(data)), ",")
}

func mountLeaks(_, id string) []string {
	var leaks []string
	for _, m := range mountPoints() {
		if strings.Contains(m.point, id) || strings.Contains(m.root, id) || strings.Contains(m.source, id) {
			leaks = append(leaks, fmt.Sprintf("mount %q (%s from %q)", m.point, m.fstype, m.source))
		}
	}
	return leaks
}

// processLeaks scans /proc for processes other than this one that carry
// the id.
func processLeaks(_, id string) []string {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return []string{fmt.Sprintf("(cannot scan /proc: %v)", err)}
	}
	self := os.Getpid()
	var leaks []string
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if where := processMentions(pid, id); where != "" {
			leaks = append(leaks, fmt.Sprintf("process %d (%s) with the id in its %s", pid, processName(pid), where))
		}
	}
	return leaks
}

// processMentions says which of pid's command line, environment and
// cgroup paths contains id, or "" if none does.
func processMentions(pid int, id string) string {
	dir := "/proc/" + strconv.Itoa(pid)
	for _, f := range []string{"cmdline", "environ", "cgroup"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err == nil && bytes.Contains(data, []byte(id)) {
			return f
		}
	}
	return ""
}

func processName(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || len(data) == 0 {
		return "?"
	}
	return strings.TrimSpace(string(bytes.ReplaceAll(data, []byte{0}, []byte{' '})))
}

// mountInfo is one line of /proc/self/mountinfo.
type mountInfo struct {
	root, point, fstype, source string
}

func mountPoints() []mountInfo {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	var out []mountInfo
	for _, line := range strings.Split(string(data), "\n") {
		if m, ok := parseMountInfo(line); ok {
			out = append(out, m)
		}
	}
	return out
}

// parseMountInfo reads "ID PARENT MAJ:MIN ROOT POINT OPTS [TAGS...] -
// FSTYPE SOURCE SUPEROPTS".
func parseMountInfo(line string) (mountInfo, bool) {
	pre, post, ok := strings.Cut(line, " - ")
	if !ok {
		return mountInfo{}, false
	}
	a, b := strings.Fields(pre), strings.Fields(post)
	if len(a) < 5 || len(b) < 2 {
		return mountInfo{}, false
	}
	return mountInfo{
		root:   testrootfs.UnescapeMountinfo(a[3]),
		point:  testrootfs.UnescapeMountinfo(a[4]),
		fstype: b[0],
		source: testrootfs.UnescapeMountinfo(b[1]),
	}, true
}
