package landlock

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// KernelABI returns the Landlock ABI version of the running kernel, 0 when
// Landlock is absent or disabled.
func KernelABI() int {
	v, err := kernelABI()
	if err != nil {
		return 0
	}
	return v
}

// feature is one part of Landlock that a ruleset may want, with the ABI
// that brought it.
type feature struct {
	name string
	abi  int
	want func(*Ruleset) bool
}

// features lists, oldest first, what agentrt uses of Landlock.
var features = []feature{
	{"fs.read", 1, always},
	{"fs.write", 1, always},
	{"fs.execute", 1, always},
	{"fs.refer", 2, always},    // cross-directory rename and link
	{"fs.truncate", 3, always}, // truncate(2) and O_TRUNC
	{"net.tcp", 4, func(rs *Ruleset) bool { return rs.HandleConnect || rs.HandleBind }},
	{"fs.ioctl_dev", 5, always},
	{"scope.abstract_unix_socket", 6, func(rs *Ruleset) bool { return rs.Scope }},
	{"scope.signal", 6, func(rs *Ruleset) bool { return rs.Scope }},
}

func always(*Ruleset) bool { return true }

// Status is what a ruleset enforces on a kernel: per feature, "enforced"
// or "unsupported".
type Status struct {
	ABI      int               `json:"abi"`
	Features map[string]string `json:"features"`
}

// Check compiles the status of rs on a kernel with the given ABI. It fails
// when the kernel is below the admin's floor, or when a feature the ruleset
// wants is missing and best effort is not allowed.
func Check(rs *Ruleset, abi int) (*Status, error) {
	if abi < rs.MinABI {
		return nil, fmt.Errorf("landlock: the admin requires ABI %d or newer (landlock.min_abi), but the kernel has ABI %d", rs.MinABI, abi)
	}
	st := &Status{ABI: abi, Features: map[string]string{}}
	var missing []string
	for _, f := range features {
		if !f.want(rs) {
			continue
		}
		if abi >= f.abi {
			st.Features[f.name] = "enforced"
			continue
		}
		st.Features[f.name] = "unsupported"
		missing = append(missing, fmt.Sprintf("%s (ABI %d)", f.name, f.abi))
	}
	if len(missing) > 0 && !rs.BestEffort {
		return nil, fmt.Errorf("landlock: the kernel has ABI %d and cannot enforce %s; allow landlock.best_effort to run with less",
			abi, strings.Join(missing, ", "))
	}
	return st, nil
}

// handled are the kernel rights the ruleset handles on an ABI: everything
// the ABI supports of what agentrt uses. A handled right is denied unless
// a rule grants it.
func handled(rs *Ruleset, abi int) unix.LandlockRulesetAttr {
	var attr unix.LandlockRulesetAttr
	if abi >= 1 {
		attr.Handled_access_fs = fsRights(Read|Write|Execute) &^ (unix.LANDLOCK_ACCESS_FS_REFER | unix.LANDLOCK_ACCESS_FS_TRUNCATE)
		// MAKE_CHAR and MAKE_BLOCK are handled and never granted: an
		// agent has no business creating device nodes.
		attr.Handled_access_fs |= unix.LANDLOCK_ACCESS_FS_MAKE_CHAR | unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK
	}
	if abi >= 2 {
		attr.Handled_access_fs |= unix.LANDLOCK_ACCESS_FS_REFER
	}
	if abi >= 3 {
		attr.Handled_access_fs |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	if abi >= 4 && rs.HandleConnect {
		attr.Handled_access_net |= unix.LANDLOCK_ACCESS_NET_CONNECT_TCP
	}
	if abi >= 4 && rs.HandleBind {
		attr.Handled_access_net |= unix.LANDLOCK_ACCESS_NET_BIND_TCP
	}
	if abi >= 5 {
		attr.Handled_access_fs |= unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	if abi >= 6 && rs.Scope {
		attr.Scoped = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL
	}
	return attr
}
