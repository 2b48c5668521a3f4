package seccomp

// The lists below name native x86_64 and aarch64 system calls. A name that
// one of the two architectures lacks (open, fork, arch_prctl on aarch64)
// is resolved by libseccomp to a pseudo number there and has no effect.
// Every name is known to libseccomp 2.5.4 (Debian 12's 2.5.4-1+deb12u1);
// TestNamesKnownToLibseccomp checks that with the installed library.

// allowedSyscalls are allowed unconditionally, grouped by what they do.
var allowedSyscalls = [][]string{
	// Reading and writing open files.
	{"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
		"preadv2", "pwritev2", "lseek", "sendfile", "splice", "tee", "copy_file_range",
		"fsync", "fdatasync", "sync", "syncfs", "sync_file_range", "fadvise64",
		"readahead", "fallocate", "ftruncate", "flock"},
	// Opening, closing and duplicating descriptors.
	{"open", "openat", "openat2", "creat", "close", "close_range", "dup", "dup2", "dup3",
		"fcntl", "ioctl", "pipe", "pipe2", "memfd_create"},
	// File metadata and the directory tree. Landlock, not seccomp, decides
	// which paths these may touch.
	{"stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs", "access",
		"faccessat", "faccessat2", "readlink", "readlinkat", "getdents", "getdents64",
		"getcwd", "chdir", "fchdir", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat",
		"rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat",
		"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown",
		"fchownat", "truncate", "utime", "utimes", "utimensat", "futimesat", "mknod",
		"mknodat", "umask", "inotify_init", "inotify_init1", "inotify_add_watch",
		"inotify_rm_watch", "cachestat"},
	// Extended attributes.
	{"getxattr", "lgetxattr", "fgetxattr", "setxattr", "lsetxattr", "fsetxattr",
		"listxattr", "llistxattr", "flistxattr", "removexattr", "lremovexattr",
		"fremovexattr"},
	// Memory. The NUMA calls change the caller's own policy only.
	{"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "msync", "mincore",
		"mlock", "mlock2", "munlock", "mlockall", "munlockall", "membarrier",
		"pkey_alloc", "pkey_free", "pkey_mprotect", "get_mempolicy", "set_mempolicy",
		"mbind", "set_mempolicy_home_node", "map_shadow_stack"},
	// Processes and threads; clone is allowed below with a flag check.
	{"fork", "vfork", "execve", "execveat", "exit", "exit_group", "wait4", "waitid",
		"getpid", "getppid", "gettid", "getpgid", "setpgid", "getpgrp", "getsid",
		"setsid", "set_tid_address", "set_robust_list", "get_robust_list", "rseq",
		"arch_prctl", "prctl", "pidfd_open", "pidfd_send_signal", "seccomp",
		"landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self"},
	// Credentials: changing them needs capabilities the policy decides.
	{"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups",
		"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
		"setgroups", "setfsuid", "setfsgid", "capget", "capset"},
	// Futexes and scheduling.
	{"futex", "futex_waitv", "futex_wake", "futex_wait", "futex_requeue",
		"sched_yield", "sched_getaffinity", "sched_setaffinity", "sched_getparam",
		"sched_setparam", "sched_getscheduler", "sched_setscheduler",
		"sched_get_priority_max", "sched_get_priority_min", "sched_rr_get_interval",
		"sched_getattr", "sched_setattr", "getpriority", "setpriority", "ioprio_get",
		"ioprio_set", "getcpu"},
	// Limits, accounting and system information.
	{"getrlimit", "setrlimit", "prlimit64", "getrusage", "times", "uname", "sysinfo"},
	// Signals.
	{"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigpending",
		"rt_sigtimedwait", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "sigaltstack",
		"kill", "tkill", "tgkill", "pause", "alarm", "signalfd", "signalfd4",
		"restart_syscall"},
	// Clocks and timers (reading only; setting the clock is denied).
	{"clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday",
		"time", "getitimer", "setitimer", "timer_create", "timer_settime",
		"timer_gettime", "timer_getoverrun", "timer_delete", "timerfd_create",
		"timerfd_settime", "timerfd_gettime"},
	// Waiting for events.
	{"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait",
		"epoll_pwait2", "poll", "ppoll", "select", "pselect6", "eventfd", "eventfd2"},
	// System V and POSIX IPC, private to the container's IPC namespace.
	{"shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semctl",
		"msgget", "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink", "mq_timedsend",
		"mq_timedreceive", "mq_notify", "mq_getsetattr"},
	// Sockets once created; socket and socketpair are allowed below by family.
	{"bind", "listen", "accept", "accept4", "connect", "getsockname", "getpeername",
		"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown",
		"setsockopt", "getsockopt"},
	// Linux AIO, used by databases through libaio (io_uring is denied).
	{"io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents"},
	// Randomness.
	{"getrandom"},
}

// enosysSyscalls answer ENOSYS so that callers take their fallback path.
var enosysSyscalls = []string{
	// glibc 2.34+ tries clone3 first and falls back to clone on ENOSYS;
	// clone3's flags are in memory, so only clone's can be checked.
	"clone3",
	// libaio falls back to io_getevents.
	"io_pgetevents",
	// Secret memory is boot-time optional; callers handle its absence.
	"memfd_secret",
	// Reaps the memory of a dying process: a job for an OOM daemon.
	"process_mrelease",
}

// deniedSyscalls answer EPERM, each group for the reason in its comment.
// The default action denies them anyway; naming them documents the
// choice and keeps the errno when the profile is merged with an engine
// profile whose default answer differs.
var deniedSyscalls = [][]string{
	// io_uring bypasses seccomp for the operations it performs and has been
	// a steady source of kernel privilege escalations.
	{"io_uring_setup", "io_uring_enter", "io_uring_register"},
	// Reading, writing or controlling other processes.
	{"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd",
		"process_madvise", "kcmp"},
	// Kernel attack surface with no use for an agent.
	{"bpf", "perf_event_open", "userfaultfd", "lookup_dcookie", "fanotify_init",
		"migrate_pages", "move_pages"},
	// The kernel keyring is not namespaced.
	{"keyctl", "add_key", "request_key"},
	// The mount family: changing the filesystem view would undo masks,
	// read-only paths and Landlock's assumptions.
	{"mount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
		"open_tree", "mount_setattr", "pivot_root", "chroot"},
	// Namespace creation and joining (clone's flags are checked below).
	{"unshare", "setns"},
	// Opening files by handle escapes the mount namespace ("shocker").
	{"open_by_handle_at"},
	// Host administration: modules, kexec, reboot, swap, accounting, the
	// kernel log, quotas, names, the clock and raw I/O ports.
	{"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
		"reboot", "swapon", "swapoff", "acct", "syslog", "quotactl", "quotactl_fd",
		"sethostname", "setdomainname", "settimeofday", "clock_settime",
		"clock_adjtime", "adjtimex", "iopl", "ioperm", "modify_ldt", "vhangup",
		"_sysctl", "uselib", "ustat", "sysfs"},
}

// Constants of the argument rules.
const (
	afUnix    = 1
	afInet    = 2
	afInet6   = 10
	afNetlink = 16
	afPacket  = 17

	sockStream   = 1
	sockDgram    = 2
	sockRaw      = 3
	sockTypeMask = 0xf // SOCK_TYPE_MASK: the rest are SOCK_NONBLOCK, SOCK_CLOEXEC

	netlinkRoute = 0

	// cloneNewMask is CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
	// CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET.
	// CLONE_NEWTIME (0x80) overlaps clone's exit-signal byte and is only
	// accepted by clone3 and unshare, both denied.
	cloneNewMask = 0x7e020000
)

// personalities are the values personality(2) may be called with: the
// query (0xffffffff) and the plain Linux personalities (PER_LINUX,
// PER_LINUX32, each with UNAME26). READ_IMPLIES_EXEC and ADDR_NO_RANDOMIZE,
// which weaken W^X and ASLR, are refused.
var personalities = []uint64{0x0, 0x8, 0x20000, 0x20008, 0xffffffff}
