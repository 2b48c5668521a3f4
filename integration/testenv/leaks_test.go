package testenv

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFindLeaks checks that the leak checks see a live container (state
// dir, cgroups, process) and see nothing once it is deleted.
func TestFindLeaks(t *testing.T) {
	RequireRoot(t)
	rt := Runc(t)
	b := NewBundle(t, BusyboxRootfs(t), "sleep", "60")
	rt.MustRun(t, "run", "--detach", "--bundle", b.Dir, b.ID)
	leaks := strings.Join(findLeaks(rt.Root, b.ID), "\n")
	for _, want := range []string{"state directory", "cgroup \"/sys/fs/cgroup/pids/", "cgroup \"/sys/fs/cgroup/unified/", "process "} {
		if !strings.Contains(leaks, want) {
			t.Errorf("leaks of a running container do not mention %q; got:\n%s", want, leaks)
		}
	}
	rt.MustRun(t, "delete", "--force", b.ID)
	AssertNoLeaks(t, rt.Root, b.ID)
}

func TestParseMountInfo(t *testing.T) {
	tests := []struct {
		name string
		line string
		want mountInfo
		ok   bool
	}{
		{
			name: "with optional fields",
			line: `36 35 98:0 /mnt1 /mnt/a\040b rw,noatime master:1 - ext3 /dev/root rw,errors=continue`,
			want: mountInfo{root: "/mnt1", point: "/mnt/a b", fstype: "ext3", source: "/dev/root"},
			ok:   true,
		},
		{
			name: "cgroup2",
			line: `30 25 0:26 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`,
			want: mountInfo{root: "/", point: "/sys/fs/cgroup/unified", fstype: "cgroup2", source: "cgroup2"},
			ok:   true,
		},
		{name: "no separator", line: `30 25 0:26 / /x rw`, ok: false},
		{name: "empty", line: ``, ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseMountInfo(tc.line)
			if ok != tc.ok || got != tc.want {
				t.Errorf("parseMountInfo(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestMainIsSubreaper checks that a detached container's init is
// reparented to the reaper that Main starts, and reaped once it exits.
func TestMainIsSubreaper(t *testing.T) {
	RequireRoot(t)
	if os.Getenv(reapedEnv) == "" {
		t.Fatal("tests do not run below testenv.Main's reaper")
	}
	rt := Runc(t)
	b := NewBundle(t, BusyboxRootfs(t), "sleep", "60")
	rt.MustRun(t, "run", "--detach", "--bundle", b.Dir, b.ID)
	pid := containerPid(t, rt, b.ID)
	if got, want := parentOf(t, pid), os.Getppid(); got != want {
		t.Errorf("container init %d has parent %d, want the reaper %d", pid, got, want)
	}
	rt.MustRun(t, "kill", b.ID, "KILL")
	deadline := time.Now().Add(500 * time.Millisecond)
	for processExists(pid) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if processExists(pid) {
		t.Errorf("container init %d not reaped within 500ms of SIGKILL", pid)
	}
	rt.MustRun(t, "delete", b.ID)
	AssertNoLeaks(t, rt.Root, b.ID)
}

func containerPid(t *testing.T, rt *Runtime, id string) int {
	t.Helper()
	state := rt.MustRun(t, "state", id).Stdout
	i := strings.Index(state, `"pid": `)
	if i < 0 {
		t.Fatalf("no pid in state: %s", state)
	}
	pid, err := strconv.Atoi(strings.TrimRight(strings.Fields(state[i+7:])[0], ","))
	if err != nil {
		t.Fatalf("pid in state %s: %v", state, err)
	}
	return pid
}

func parentOf(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "PPid:"); ok {
			ppid, _ := strconv.Atoi(strings.TrimSpace(v))
			return ppid
		}
	}
	t.Fatalf("no PPid in /proc/%d/status", pid)
	return 0
}

// processExists reports whether pid is alive or an unreaped zombie.
func processExists(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil
}
