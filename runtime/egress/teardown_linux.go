package egress

import (
	"errors"

	"github.com/agentrt/agentrt/runtime/egress/netns"
)

// Teardown undoes Setup for the container whose state dir is stateDir:
// the container stops being a user of its netns, and with the last user
// the DNS filter is stopped, agentrt's table is removed (a netns the
// container owned takes its rules with it anyway; a joined one does not)
// and the netns's run dir entry goes. The container's egress files in
// stateDir are removed. Without egress state (egress open, or Teardown
// already done) it does nothing. Call it before the state dir is removed.
func Teardown(stateDir string) error {
	cs, err := readContainerState(stateDir)
	if err != nil || cs == nil {
		return err
	}
	reg, err := lockRegistry(cs.RunDir, cs.NetnsInode)
	if err != nil {
		return err
	}
	defer reg.unlock()
	if err := reg.removeUser(cs.UserKey); err != nil {
		return err
	}
	users, err := reg.liveUsers()
	if err != nil {
		return err
	}
	if len(users) == 0 {
		if err := releaseNetns(reg, cs); err != nil {
			return err
		}
	}
	return removeContainerState(stateDir)
}

// releaseNetns removes what agentrt holds for a netns nobody uses.
func releaseNetns(reg *registry, cs *containerState) error {
	rec, err := reg.readRecord()
	if err != nil {
		return err
	}
	paths := []string{cs.NetnsPath}
	var errs []error
	if rec != nil {
		if rec.Filter != nil {
			errs = append(errs, rec.Filter.stop(filterStopGrace))
		}
		if rec.NetnsPath != cs.NetnsPath {
			paths = append(paths, rec.NetnsPath)
		}
	}
	errs = append(errs, removeTableAt(paths, cs.NetnsInode), reg.remove())
	return errors.Join(errs...)
}

// removeTableAt removes agentrt's table from netns ino, opened through
// the first of paths that still leads to it. When none does, the netns is
// gone and its rules with it.
func removeTableAt(paths []string, ino uint64) error {
	for _, p := range paths {
		f, err := netns.Open(p)
		if err != nil {
			continue
		}
		got, err := netns.Inode(f)
		if err != nil || got != ino {
			f.Close()
			continue
		}
		defer f.Close()
		c, err := connIn(f)
		if err != nil {
			return err
		}
		return deleteTable(c)
	}
	return nil
}
