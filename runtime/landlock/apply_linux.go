package landlock

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Apply restricts the calling OS thread with rs, compiled for the given
// ABI. The caller must hold the thread (runtime.LockOSThread) and execve
// from it; no_new_privs must already be set.
func Apply(rs *Ruleset, abi int) error {
	if abi < 1 {
		return errors.New("landlock: the kernel does not support Landlock")
	}
	attr := handled(rs, abi)
	fd, err := createRuleset(&attr)
	if err != nil {
		return fmt.Errorf("landlock: create ruleset: %w", err)
	}
	defer unix.Close(fd)
	for _, r := range rs.Rules {
		if err := addPathRule(fd, r, attr.Handled_access_fs); err != nil {
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
		ports  []uint16
		access uint64
	}{{rs.ConnectTCP, unix.LANDLOCK_ACCESS_NET_CONNECT_TCP}, {rs.BindTCP, unix.LANDLOCK_ACCESS_NET_BIND_TCP}} {
		if handledNet&set.access == 0 {
			continue
		}
		for _, p := range set.ports {
			attr := netPortAttr{allowedAccess: set.access, port: uint64(p)}
			if err := addNetPort(rulesetFD, &attr); err != nil {
				return fmt.Errorf("landlock: port rule %d: %w", p, err)
			}
		}
	}
	return nil
}
