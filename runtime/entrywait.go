package runtime

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/agentrt/agentrt/runtime/landlock"
)

// entryTimeout bounds the wait for the sandbox entry to exec the agent's
// process; the entry needs a few milliseconds (a Go binary's start-up).
const entryTimeout = 5 * time.Second

// waitEntryDone waits until process pid has left agentrt: libcontainer's
// init (for an exec, Start returns before init's final execve) and then
// the sandbox entry. It returns once the process runs the agent's own
// command or is gone. An engine that reads the pid file of a detached
// process, or runs `ps` right after `start`, then sees the agent's
// command, as with runc, and never the entry.
func waitEntryDone(pid int) error {
	deadline := time.Now().Add(entryTimeout)
	for delay := 100 * time.Microsecond; ; delay = min(2*delay, 5*time.Millisecond) {
		if !inAgentrt(pid) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("process %d is still in agentrt's init or sandbox entry after %v", pid, entryTimeout)
		}
		time.Sleep(delay)
	}
}

// inAgentrt reports whether pid still runs agentrt's code: "ARGV0 init",
// the sandbox entry, or nothing yet (an empty cmdline while execve swaps
// the process image). A process that is gone or a zombie is not.
func inAgentrt(pid int) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	switch {
	case bytes.HasPrefix(cmdline, []byte(landlock.EntryCmdlinePrefix)):
		return true
	case bytes.Equal(cmdline, []byte(os.Args[0]+"\x00init\x00")):
		return true
	case len(cmdline) == 0:
		return !zombie(pid)
	}
	return false
}

func zombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses and
	// may itself contain spaces or parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z'
}
