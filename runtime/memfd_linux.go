package runtime

import (
	"fmt"
	"os"
	"os/exec"
	goruntime "runtime"

	"golang.org/x/sys/unix"
)

// memfdNoexecArg makes agentrt's binary the helper that seals memfds in a
// container's pid namespace.
const memfdNoexecArg = "agentrt-memfd-noexec"

// memfdNoexecPath is the sysctl; it is per pid namespace (Linux 6.3) and
// applies to the namespace of the process that writes it.
const memfdNoexecPath = "/proc/sys/vm/memfd_noexec"

// sealMemfds sets vm.memfd_noexec to 2 in the pid namespace of init: a
// memfd is then created sealed against execution, and MFD_EXEC is refused.
// Without it an agent can write a binary into a memfd and execute it
// (execveat or /proc/self/fd/N), past Landlock's execute rights, which do
// not apply to memfd's internal mount: W^X would not hold.
//
// libcontainer refuses the sysctl in the spec, and the container's own
// init has no capability left to write it, so agentrt forks a helper into
// the container's pid namespace (setns on a locked thread, then fork from
// it) that writes the sysctl through agentrt's /proc and exits.
func sealMemfds(pid int) error {
	if _, err := os.Stat(memfdNoexecPath); err != nil {
		return nil // kernel before 6.3: nothing to set, nothing to bypass it with
	}
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/pid", pid))
	if err != nil {
		return fmt.Errorf("seal memfds: %w", err)
	}
	defer ns.Close()
	done := make(chan error, 1)
	go func() {
		// The thread leaves agentrt's pid namespace for its children;
		// it is not unlocked, so the Go runtime discards it.
		goruntime.LockOSThread()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWPID); err != nil {
			done <- err
			return
		}
		out, err := exec.Command("/proc/self/exe", memfdNoexecArg).CombinedOutput()
		if err != nil {
			err = fmt.Errorf("%w: %s", err, out)
		}
		done <- err
	}()
	if err := <-done; err != nil {
		return fmt.Errorf("seal memfds in the container's pid namespace: %w", err)
	}
	return nil
}

// maybeSealMemfdsHelper is the helper's body: write the sysctl and exit.
func maybeSealMemfdsHelper() {
	if len(os.Args) != 2 || os.Args[1] != memfdNoexecArg {
		return
	}
	if err := os.WriteFile(memfdNoexecPath, []byte("2"), 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}
