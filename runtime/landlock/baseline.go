package landlock

// Baseline is what every ordinary program needs, granted in every ruleset
// so that nothing ordinary breaks. Each entry says why. The rules are
// optional: an image without the path simply has no rule for it.
var Baseline = []struct {
	Rule
	Why string
}{
	{Rule{Path: "/dev/null", Access: Read | Write}, "the universal sink and empty source; shells redirect to it"},
	{Rule{Path: "/dev/zero", Access: Read | Write}, "zero pages for programs that map or read it"},
	{Rule{Path: "/dev/full", Access: Read | Write}, "part of the standard device set the runtime spec requires"},
	{Rule{Path: "/dev/random", Access: Read}, "entropy for TLS and key generation"},
	{Rule{Path: "/dev/urandom", Access: Read}, "entropy for TLS, hash seeds, UUIDs"},
	{Rule{Path: "/dev/tty", Access: Read | Write | Device}, "the controlling terminal; ioctl for job control and window size"},
	{Rule{Path: "/dev/console", Access: Read | Write | Device}, "the container's console when it has a terminal"},
	{Rule{Path: "/dev/ptmx", Access: Read | Write | Device}, "opening new pseudo-terminals (script, ssh, expect)"},
	{Rule{Path: "/dev/pts", Access: Read | Write | Device}, "the pseudo-terminal of --tty and of any pty the agent opens"},
	{Rule{Path: "/dev/shm", Access: Read | Write}, "POSIX shared memory and semaphores (glibc sem_open, python multiprocessing)"},
	{Rule{Path: "/dev/fd", Access: Read}, "the link to /proc/self/fd used by shells for process substitution"},
	{Rule{Path: "/proc", Access: Read}, "/proc/self (maps, fd, status), cpuinfo and meminfo, read by language runtimes; masked paths stay masked by the spec"},
	{Rule{Path: "/etc/resolv.conf", Access: Read}, "DNS resolution through libc"},
	{Rule{Path: "/etc/hosts", Access: Read}, "name resolution of localhost and the container's own name"},
	{Rule{Path: "/etc/hostname", Access: Read}, "the container's host name"},
	{Rule{Path: "/etc/nsswitch.conf", Access: Read}, "glibc's name service switch, read by every getaddrinfo and getpwnam"},
	{Rule{Path: "/etc/passwd", Access: Read}, "user names, looked up by shells, ls, id and language runtimes"},
	{Rule{Path: "/etc/group", Access: Read}, "group names, looked up like /etc/passwd"},
	{Rule{Path: "/etc/ld.so.cache", Access: Read}, "the dynamic loader's library index"},
	{Rule{Path: "/etc/localtime", Access: Read}, "time zone for date and logging"},
	{Rule{Path: "/lib", Access: Read | Execute}, "the dynamic loader and shared libraries: the kernel checks execute on the ELF interpreter"},
	{Rule{Path: "/lib64", Access: Read | Execute}, "the dynamic loader on x86_64 (/lib64/ld-linux-x86-64.so.2)"},
	{Rule{Path: "/usr/lib", Access: Read | Execute}, "shared libraries and the loader on merged-/usr images"},
	{Rule{Path: "/usr/lib64", Access: Read | Execute}, "shared libraries on images that use lib64"},
	{Rule{Path: "/usr/share/zoneinfo", Access: Read}, "time zone data"},
	{Rule{Path: "/etc/ssl", Access: Read}, "CA certificates for TLS to allowed hosts"},
	{Rule{Path: "/usr/share/ca-certificates", Access: Read}, "CA certificates, where /etc/ssl links to them"},
}

// BaselineRules returns the baseline as optional rules.
func BaselineRules() []Rule {
	rules := make([]Rule, 0, len(Baseline))
	for _, b := range Baseline {
		r := b.Rule
		r.Optional = true
		rules = append(rules, r)
	}
	return rules
}
