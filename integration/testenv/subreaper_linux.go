package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// reapedEnv marks the test binary that runs below the reaper.
const reapedEnv = "AGENTRT_TESTENV_REAPED"

// Main runs the tests of m below a subreaper and exits with their status;
// call it from TestMain. The process marks itself a child subreaper
// (PR_SET_CHILD_SUBREAPER), then runs the same test binary, with the same
// arguments, as its child and does nothing but reap: container inits that
// `create` leaves orphaned are reparented to it, and it reaps them as soon
// as they exit, where PID 1 on these machines can take 1.5 s. Reaping in
// the test process itself would race os/exec for its own children's exit
// status, hence the second process. Signals are passed on to the tests;
// if the reaper dies, the kernel kills the tests (PR_SET_PDEATHSIG).
func Main(m *testing.M) {
	if os.Getenv(reapedEnv) != "" {
		os.Exit(m.Run())
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: no subreaper, running tests directly: %v\n", err)
		os.Exit(m.Run())
	}
	os.Exit(reap())
}

// reap starts the tests as a child and reaps every child until that one
// exits, returning its status.
func reap() int {
	// Pdeathsig fires when the thread that started the child exits, so
	// keep this goroutine on its thread for the process's lifetime.
	runtime.LockOSThread()
	cmd := exec.Command("/proc/self/exe", os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(os.Environ(), reapedEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGQUIT, unix.SIGHUP, unix.SIGUSR1, unix.SIGUSR2)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: start tests below the subreaper: %v\n", err)
		return 1
	}
	child := cmd.Process.Pid
	go forwardSignals(sigs, child)
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "testenv: wait for tests: %v\n", err)
			return 1
		}
		if pid == child {
			return shellStatus(ws)
		}
	}
}

func forwardSignals(sigs <-chan os.Signal, pid int) {
	for s := range sigs {
		_ = unix.Kill(pid, s.(syscall.Signal))
	}
}

// shellStatus maps a wait status to an exit code: the code, or 128+N
// after signal N.
func shellStatus(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
