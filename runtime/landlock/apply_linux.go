package landlock

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Apply restricts the calling OS thread with rs, compiled for the given
// ABI. The caller must hold the thread (runtime.LockOSThread) and execve
// from it; no_new_privs must already be set. A kernel without Landlock is
// an error, unless the ruleset allows it as Check does: no admin floor
// and best effort, where the agent runs without Landlock as the report
// of create said.
func Apply(rs *Ruleset, abi int) error {
	if abi < 1 {
		if rs.MinABI < 1 && rs.BestEffort {
			return nil
		}
		return errors.New("landlock: the kernel does not support Landlock")
	}
	attr := handled(rs, abi)
	fd, err := createRuleset(&attr)
	if err != nil {
		return fmt.Errorf("landlock: create ruleset: %w", err)
	}
	defer unix.Close(fd)
	for _, r := range rs.Rules {
		if err := addRule(fd, r, attr.Handled_access_fs); err != nil {
			return err
		}
	}
	if err := addPortRules(fd, rs, attr.Handled_access_net); err != nil {
		return err
	}
	if err := restrictSelf(fd); err != nil {
		return fmt.Errorf("landlock: restrict self: %w", err)
	}
	return nil
}

// addRule adds r, with Execute granted beside its ExceptExecute paths
// rather than on its path when it has any.
func addRule(rulesetFD int, r Rule, handledFS uint64) error {
	if len(r.ExceptExecute) == 0 || handledFS&unix.LANDLOCK_ACCESS_FS_EXECUTE == 0 {
		return addPathRule(rulesetFD, r, handledFS)
	}
	rest := r
	rest.Access &^= Execute
	if rest.Access != 0 {
		if err := addPathRule(rulesetFD, rest, handledFS); err != nil {
			return err
		}
	}
	return addExecuteBeside(rulesetFD, r, handledFS)
}

func addPathRule(rulesetFD int, r Rule, handledFS uint64) error {
	fd, err := unix.Open(r.Path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		if r.Optional && (errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR)) {
			return nil
		}
		return fmt.Errorf("landlock: rule for %q: %w", r.Path, err)
	}
	defer unix.Close(fd)
	rights := fsRights(r.Access) & handledFS
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("landlock: rule for %q: %w", r.Path, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		rights &= fileRights
	}
	if rights == 0 {
		return nil
	}
	attr := unix.LandlockPathBeneathAttr{Allowed_access: rights, Parent_fd: int32(fd)}
	if err := addPathBeneath(rulesetFD, &attr); err != nil {
		return fmt.Errorf("landlock: rule for %q (%s): %w", r.Path, r.Access, err)
	}
	return nil
}

func addPortRules(rulesetFD int, rs *Ruleset, handledNet uint64) error {
	for _, set := range []struct {
		ports  []PortRange
		access uint64
	}{{rs.ConnectTCP, unix.LANDLOCK_ACCESS_NET_CONNECT_TCP}, {rs.BindTCP, unix.LANDLOCK_ACCESS_NET_BIND_TCP}} {
		if handledNet&set.access == 0 {
			continue
		}
		for _, r := range set.ports {
			if err := addPortRange(rulesetFD, r, set.access); err != nil {
				return err
			}
		}
	}
	return nil
}

// addPortRange adds one rule per port of r: Landlock has no range rule.
// The int loop does not wrap at 65535.
func addPortRange(rulesetFD int, r PortRange, access uint64) error {
	for p := int(r.First); p <= int(r.Last); p++ {
		attr := netPortAttr{allowedAccess: access, port: uint64(p)}
		if err := addNetPort(rulesetFD, &attr); err != nil {
			return fmt.Errorf("landlock: port rule %d: %w", p, err)
		}
	}
	return nil
}
