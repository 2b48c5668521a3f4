package egress

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// procID names a process across pid reuse: its pid and its start time in
// clock ticks since boot (field 22 of /proc/PID/stat).
type procID struct {
	PID   int    `json:"pid"`
	Start uint64 `json:"start"`
}

// identify returns the procID of a running process.
func identify(pid int) (procID, error) {
	start, state, err := procStat(pid)
	if err != nil {
		return procID{}, err
	}
	if state == "Z" {
		return procID{}, fmt.Errorf("process %d has exited", pid)
	}
	return procID{PID: pid, Start: start}, nil
}

// procStat reads the start time and state of pid. The command name in
// parentheses may hold spaces, so fields are counted after its ")".
func procStat(pid int) (start uint64, state string, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, "", err
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, "", fmt.Errorf("parse /proc/%d/stat", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, "", fmt.Errorf("parse /proc/%d/stat", pid)
	}
	start, err = strconv.ParseUint(f[19], 10, 64)
	return start, f[0], err
}

// alive reports whether the process still runs (not a zombie) and is the
// same process, not a later one with its pid. A zero PID is a user whose
// init is unknown: it counts as alive until it is removed.
func (p procID) alive() bool {
	if p.PID == 0 {
		return true
	}
	start, state, err := procStat(p.PID)
	return err == nil && start == p.Start && state != "Z"
}

// stop ends the process p with SIGTERM, then SIGKILL after grace, and
// reaps it when it is our child. It does nothing when p is gone or its
// pid now belongs to another process.
func (p procID) stop(grace time.Duration) error {
	if p.PID == 0 || !p.alive() {
		reap(p.PID)
		return nil
	}
	if err := unix.Kill(p.PID, unix.SIGTERM); err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("stop process %d: %w", p.PID, err)
	}
	deadline := time.Now().Add(grace)
	for p.alive() {
		reap(p.PID)
		if time.Now().After(deadline) {
			unix.Kill(p.PID, unix.SIGKILL)
			deadline = time.Now().Add(grace)
		}
		time.Sleep(5 * time.Millisecond)
	}
	reap(p.PID)
	return nil
}

// reap collects pid if it is an exited child of this process (the case
// of tests and of `agentrt run`, which outlive the filter they started).
func reap(pid int) {
	if pid > 0 {
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	}
}
