package landlock

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The three Landlock system calls, on golang.org/x/sys/unix. go-landlock's
// own syscall package would do, but it imports libcap's psx, whose cgo
// build wraps pthread_create for the whole binary, and agentrt's binary is
// also libcontainer's init. These wrappers are all agentrt needs.

const ruleNetPort = 2 // LANDLOCK_RULE_NET_PORT; not yet in x/sys/unix

// netPortAttr is struct landlock_net_port_attr.
type netPortAttr struct {
	allowedAccess uint64
	port          uint64
}

// kernelABI is landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION).
func kernelABI() (int, error) {
	v, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e != 0 {
		return 0, e
	}
	return int(v), nil
}

// createRuleset passes only the fields up to Scoped: the kernel accepts a
// shorter struct from older callers, and ABI 7 does not know the rest.
func createRuleset(attr *unix.LandlockRulesetAttr) (int, error) {
	size := unsafe.Offsetof(attr.Scoped) + unsafe.Sizeof(attr.Scoped)
	fd, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(attr)), size, 0)
	if e != 0 {
		return -1, e
	}
	return int(fd), nil
}

func addPathBeneath(rulesetFD int, attr *unix.LandlockPathBeneathAttr) error {
	_, _, e := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(rulesetFD),
		unix.LANDLOCK_RULE_PATH_BENEATH, uintptr(unsafe.Pointer(attr)), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func addNetPort(rulesetFD int, attr *netPortAttr) error {
	_, _, e := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(rulesetFD),
		ruleNetPort, uintptr(unsafe.Pointer(attr)), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

func restrictSelf(rulesetFD int) error {
	_, _, e := unix.Syscall(unix.SYS_LANDLOCK_RESTRICT_SELF, uintptr(rulesetFD), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}
