package seccomp

import (
	"math/bits"
	goruntime "runtime"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Errno values the profiles answer with.
const (
	// EPERM is the answer for denied system calls.
	EPERM uint = 1
	// ENOSYS is the answer for calls that callers fall back from.
	ENOSYS uint = 38
	// MaxErrno is the kernel's MAX_ERRNO: a seccomp errno above it is
	// clamped by the kernel, so profiles that use one are refused.
	MaxErrno uint = 4095
)

// Architectures are the architectures the agent profile lists: the one
// agentrt runs on, since a container runs on its host's. Listing another
// native architecture would only double the filter libseccomp compiles at
// every start. See the package documentation for why the compat ABIs are
// left out.
var Architectures = nativeArchitectures(goruntime.GOARCH)

func nativeArchitectures(goarch string) []specs.Arch {
	switch goarch {
	case "arm64":
		return []specs.Arch{specs.ArchAARCH64}
	case "amd64":
		return []specs.Arch{specs.ArchX86_64}
	}
	return []specs.Arch{specs.ArchX86_64, specs.ArchAARCH64}
}

// Agent returns agentrt's agent profile, a new copy on every call.
func Agent() *specs.LinuxSeccomp {
	p := &specs.LinuxSeccomp{
		DefaultAction:   specs.ActErrno,
		DefaultErrnoRet: errnoPtr(EPERM),
		Architectures:   slices.Clone(Architectures),
	}
	p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{
		Names: AllowedSyscalls(), Action: specs.ActAllow})
	p.Syscalls = append(p.Syscalls, conditionalRules()...)
	p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{
		Names: slices.Clone(enosysSyscalls), Action: specs.ActErrno, ErrnoRet: errnoPtr(ENOSYS)})
	p.Syscalls = append(p.Syscalls, specs.LinuxSyscall{
		Names: DeniedSyscalls(), Action: specs.ActErrno, ErrnoRet: errnoPtr(EPERM)})
	p.Syscalls = append(p.Syscalls, conditionalDenials()...)
	return p
}

// AllowedSyscalls returns, sorted, the system calls the agent profile
// allows without conditions.
func AllowedSyscalls() []string {
	var names []string
	for _, group := range allowedSyscalls {
		names = append(names, group...)
	}
	slices.Sort(names)
	return names
}

// DeniedSyscalls returns, sorted, the system calls the agent profile
// denies with EPERM on purpose.
func DeniedSyscalls() []string {
	var names []string
	for _, group := range deniedSyscalls {
		names = append(names, group...)
	}
	slices.Sort(names)
	return names
}

// conditionalRules are the rules that allow a call for some arguments.
func conditionalRules() []specs.LinuxSyscall {
	rules := []specs.LinuxSyscall{
		allow("clone", masked(0, cloneNewMask, 0)),
		allow("socket", eq(0, afUnix)),
	}
	for _, family := range []uint64{afInet, afInet6} {
		for _, typ := range []uint64{sockStream, sockDgram} {
			rules = append(rules, allow("socket", eq(0, family), masked(1, sockTypeMask, typ)))
		}
	}
	rules = append(rules,
		allow("socket", eq(0, afNetlink), eq(2, netlinkRoute)),
		allow("socketpair", eq(0, afUnix)))
	for _, v := range personalities {
		rules = append(rules, allow("personality", eq(0, v)))
	}
	return rules
}

// conditionalDenials answer EPERM for the argument values that the
// conditional rules refuse and that matter: namespace flags to clone, and
// packet and raw sockets. Other refused arguments (other socket families,
// netlink protocols other than NETLINK_ROUTE) get the default answer.
func conditionalDenials() []specs.LinuxSyscall {
	var rules []specs.LinuxSyscall
	for m := uint64(cloneNewMask); m != 0; m &= m - 1 {
		bit := uint64(1) << bits.TrailingZeros64(m)
		rules = append(rules, deny("clone", EPERM, masked(0, bit, bit)))
	}
	return append(rules,
		deny("socket", EPERM, eq(0, afPacket)),
		deny("socket", EPERM, eq(0, afInet), masked(1, sockTypeMask, sockRaw)),
		deny("socket", EPERM, eq(0, afInet6), masked(1, sockTypeMask, sockRaw)))
}

// allow returns a rule allowing name when all args hold.
func allow(name string, args ...specs.LinuxSeccompArg) specs.LinuxSyscall {
	return specs.LinuxSyscall{Names: []string{name}, Action: specs.ActAllow, Args: args}
}

// deny returns a rule answering errno for name when all args hold.
func deny(name string, errno uint, args ...specs.LinuxSeccompArg) specs.LinuxSyscall {
	return specs.LinuxSyscall{Names: []string{name}, Action: specs.ActErrno,
		ErrnoRet: errnoPtr(errno), Args: args}
}

// eq and masked build argument conditions.
func eq(idx uint, v uint64) specs.LinuxSeccompArg {
	return specs.LinuxSeccompArg{Index: idx, Op: specs.OpEqualTo, Value: v}
}

func masked(idx uint, mask, v uint64) specs.LinuxSeccompArg {
	return specs.LinuxSeccompArg{Index: idx, Op: specs.OpMaskedEqual, Value: mask, ValueTwo: v}
}

// errnoPtr returns a pointer to a copy of e.
func errnoPtr(e uint) *uint { return &e }
