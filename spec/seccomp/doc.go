// Package seccomp builds agentrt's agent seccomp profile and combines it
// with the profile an engine put in the spec.
//
// # The agent profile
//
// Agent returns an allowlist: the default action is SCMP_ACT_ERRNO with
// EPERM and only the system calls that ordinary programs (glibc, musl,
// busybox, Go, Python, Node) make are allowed. Some calls are allowed only
// with argument conditions: clone without any CLONE_NEW* flag, socket for
// AF_UNIX, TCP and UDP over IPv4 and IPv6 and NETLINK_ROUTE (glibc's
// getaddrinfo asks the kernel for the interface addresses that way),
// socketpair for AF_UNIX, and personality for the plain Linux
// personalities. Denied on purpose, with an explicit EPERM rule so the
// profile documents them, are io_uring, ptrace and its relatives, bpf,
// perf_event_open, the keyring, the mount family, namespace creation,
// module loading and host administration.
//
// # Architectures
//
// The profile lists SCMP_ARCH_X86_64 and SCMP_ARCH_AARCH64 only. runc
// compiles the profile with libseccomp and leaves libseccomp's bad-arch
// action at its default, which kills the thread. So an i386 system call
// (a 32-bit binary, or int 0x80 from 64-bit code, both reported to
// seccomp as AUDIT_ARCH_I386) is killed, and so is an arm32 compat call on
// arm64. x32 calls arrive with the native AUDIT_ARCH_X86_64 token and bit
// 30 (__X32_SYSCALL_BIT) set in the number; libseccomp 2.5.4 emits, for an
// x86_64 filter without SCMP_ARCH_X32, a "number >= 0x40000000" test that
// sends them to the bad-arch action as well (checked by exporting the BPF
// of such a filter on Debian's libseccomp 2.5.4). Listing SCMP_ARCH_X86
// or SCMP_ARCH_X32 would instead run those ABIs through the same
// allowlist, a larger surface for no program an agent needs; audit mode
// does list them, so that their calls are logged rather than killed.
//
// # EPERM, ENOSYS and new system calls
//
// Denials answer EPERM, what a program expects of a sandbox. Calls that
// C libraries and runtimes probe and fall back from answer ENOSYS: clone3
// (glibc 2.34 and later fall back to clone, whose flags the profile can
// inspect; clone3 passes its flags in memory, out of seccomp's reach) and
// a short list of recent calls no agent needs. System calls newer than
// the profile are numbered above every call it names; runc's libcontainer
// prepends a stub to filters whose default is an errno other than ENOSYS
// that answers ENOSYS for exactly those numbers, so they fall back too.
// The limit: that stub is runc's, and a call added out of order below the
// highest named number would get EPERM. A default of ENOSYS with explicit
// EPERM rules for the denied set was considered and not taken: it answers
// "not implemented" for every call the profile merely omits, which sends
// programs down fallback paths that report confusing errors, and it turns
// off runc's stub, which is the better tool for the new-call problem.
//
// # Merging with the engine's profile
//
// Merge allows a call only where both profiles allow it. Each profile is
// read, per system call, as a set of argument regions: the regions of its
// permitting rules (ALLOW, LOG, NOTIFY, TRACE), minus the regions of its
// denying rules (deny wins, which is stricter than libseccomp, where an
// unconditional rule shadows conditional ones). A rule's arguments are a
// conjunction; two rules for one call are a disjunction. The merged
// permits are the pairwise conjunctions of both sides' permits,
// simplified. Two different conditions on one argument cannot be written
// as one rule (runc splits such a rule into one rule per condition, which
// ORs them), so where a conjunction cannot be reduced to one condition
// per argument it is dropped: the result is then stricter than either
// side, and Merge says so in its notes.
//
// The engine's explicit denials are copied unchanged, so their errnoRet
// values survive. The result's default action is the engine's when the
// engine's profile is an allowlist, so calls neither side allows get the
// engine's answer; when the engine's profile is a denylist (default
// ALLOW), the result keeps the agent default and the engine's denials.
// Where the engine allows a call that the agent profile denies, the agent
// profile's answer is written out as an explicit rule. For a call the
// agent profile allows only with conditions, that is done where it has
// explicit denials (clone's namespace flags, packet and raw sockets);
// other refused arguments get the engine's default answer.
//
// The Landlock calls are allowed whatever the engine's profile says
// (AllowRequired): the runtime applies Landlock from inside the container
// once the filter is installed, and Landlock can only take rights away.
package seccomp
