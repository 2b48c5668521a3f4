package policy

import (
	"cmp"
	"slices"
	"strings"
)

// capabilities are the Linux capability names up to CAP_CHECKPOINT_RESTORE
// (Linux 5.9), the last one added.
var capabilities = []string{
	"CAP_AUDIT_CONTROL", "CAP_AUDIT_READ", "CAP_AUDIT_WRITE", "CAP_BLOCK_SUSPEND",
	"CAP_BPF", "CAP_CHECKPOINT_RESTORE", "CAP_CHOWN", "CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_KILL", "CAP_LEASE", "CAP_LINUX_IMMUTABLE",
	"CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE", "CAP_MKNOD", "CAP_NET_ADMIN",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_RAW", "CAP_PERFMON",
	"CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYSLOG",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_CHROOT", "CAP_SYS_MODULE",
	"CAP_SYS_NICE", "CAP_SYS_PACCT", "CAP_SYS_PTRACE", "CAP_SYS_RAWIO",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_WAKE_ALARM",
}

// rlimitTypes are the OCI rlimit names (POSIX and Linux).
var rlimitTypes = []string{
	"RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE",
	"RLIMIT_LOCKS", "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",
	"RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_RSS", "RLIMIT_RTPRIO",
	"RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK",
}

// capabilityName spells a capability the OCI way: "net_raw" and
// "CAP_NET_RAW" are both "CAP_NET_RAW".
func capabilityName(s string) string {
	return withPrefix(strings.ToUpper(s), "CAP_")
}

// rlimitName spells an rlimit the OCI way: "nofile" is "RLIMIT_NOFILE".
func rlimitName(s string) string {
	return withPrefix(strings.ToUpper(s), "RLIMIT_")
}

func withPrefix(s, prefix string) string {
	if strings.HasPrefix(s, prefix) {
		return s
	}
	return prefix + s
}

func knownCapability(s string) bool { return slices.Contains(capabilities, capabilityName(s)) }

func knownRlimit(s string) bool { return slices.Contains(rlimitTypes, rlimitName(s)) }

// sortedUnique sorts a list and drops duplicates; empty becomes nil.
func sortedUnique[T cmp.Ordered](in []T) []T {
	if len(in) == 0 {
		return nil
	}
	out := slices.Clone(in)
	slices.Sort(out)
	return slices.Compact(out)
}

// ordered is a closed set of values listed from tightest to widest.
type ordered []string

// rank is the position of v, or -1 for a value not in the set.
func (o ordered) rank(v string) int { return slices.Index(o, v) }

var (
	modeOrder    = ordered{string(ModeEnforce), string(ModeAudit), string(ModeOff)}
	egressOrder  = ordered{string(EgressNone), string(EgressAllowlist), string(EgressOpen)}
	seccompOrder = ordered{SeccompAgent, SeccompEngine, SeccompUnconfined}
	dnsModes     = ordered{string(DNSFilter), string(DNSStatic)}
	tiers        = ordered{TierContainer}
)

// want lists the set for error messages: "enforce, audit or off".
func (o ordered) want() string {
	if len(o) == 1 {
		return o[0]
	}
	return strings.Join(o[:len(o)-1], ", ") + " or " + o[len(o)-1]
}
