// Package landlock compiles an agent's filesystem and network rules into a
// Landlock ruleset and applies it inside the container, as the last step
// before the agent's own process runs.
//
// # The sandbox entry
//
// The OCI runtime spec has no field for Landlock, and libcontainer's init
// gives no hook between pivot_root and the execve of the container's
// process. agentrt therefore rewrites the process it hands to libcontainer:
// the container's process becomes /proc/self/exe, which inside init is the
// sealed copy of agentrt's own static binary that libcontainer executed as
// init. That entry reads the ruleset from its environment, removes it from
// the environment, restricts itself and execs the original process.args
// with the original env and cwd. The agent is then pid 1, its
// /proc/1/cmdline shows its own args, and nothing was added to the rootfs
// or mounted: the binary comes from the init's own executable, not from a
// file in the image. Because agentrt is linked statically, the entry works
// in rootfs images with no libc and no shell.
//
// A separate helper binary was the alternative; it would have to be bind
// mounted or copied into the rootfs (a visible trace) or kept open as a
// host file descriptor across the init's execve (a leak). Re-executing the
// init's own image needs neither.
//
// The entry runs under the container's seccomp filter, which must allow
// the three landlock syscalls; they can only reduce rights.
//
// # Threads
//
// landlock_restrict_self applies to the calling thread only (ABI 8 adds a
// flag for all threads; this kernel baseline does not have it), and Go's
// AllThreadsSyscall is unavailable in binaries built with cgo, as agentrt is
// (libseccomp, nsenter). The entry locks itself to one OS thread, restricts
// that thread and calls execve from it: execve keeps the credentials, and
// so the Landlock domain, of the thread that calls it and ends every other
// thread. go-landlock's high-level API restricts all threads with
// AllThreadsSyscall, and its syscall package needs libcap's psx, so agentrt
// makes the three system calls itself (syscall_linux.go).
//
// # Rights and ABI versions
//
// Rights are handled only where the kernel supports them: the ruleset is
// compiled for the ABI the kernel reports, and the report names each right
// the policy wanted and the ABI could not enforce. The admin's minimum ABI
// is a floor: below it, create fails.
//
// # Write xor execute
//
// Landlock grants a file the union of the rights of every rule above it,
// so an executable rule on "/" would make a writable /tmp executable. A
// writable path with a mount of its own is noexec in the hardened spec;
// for one without (a writable rootfs), the ruleset names the writable
// paths beneath each executable rule (Rule.ExceptExecute), and the entry
// grants execute on the entries beside them instead, listing the
// directories inside the container.
//
// # Ports
//
// TCP ports travel as ranges and become one kernel rule per port only in
// the entry: the whole payload is one environment string, which the
// kernel limits to 128 KiB.
package landlock
