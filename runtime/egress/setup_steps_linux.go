package egress

import (
	"fmt"
	"net/netip"
)

// finish registers a container that joins live rules.
func (s *setup) finish() error {
	if err := s.register(); err != nil {
		return err
	}
	s.warnings = append(s.warnings, s.rec.Warnings...)
	return s.writeState()
}

// register adds the container to the netns's users. It comes before the
// filter starts, since the filter ends when no user is alive.
func (s *setup) register() error {
	u := userRecord{ID: s.o.ContainerID, StateDir: s.o.StateDir}
	if s.o.InitPID > 0 {
		id, err := identify(s.o.InitPID)
		if err != nil {
			return fmt.Errorf("container init: %w", err)
		}
		u.Init = id
	}
	if err := s.reg.addUser(s.key, u); err != nil {
		return fmt.Errorf("register egress user: %w", err)
	}
	s.registered = true
	return nil
}

func (s *setup) writeState() error {
	cs := &containerState{ID: s.o.ContainerID, RunDir: runDir(s.o), NetnsPath: s.o.NetnsPath,
		NetnsInode: s.ino, UserKey: s.key}
	if s.rec.Filter != nil {
		cs.FilterPID = s.rec.Filter.PID
	}
	return writeContainerState(s.o.StateDir, cs)
}

// rollback undoes a failed Setup. What live containers sharing the netns
// rely on (rules, filter, their registration) stays.
func (s *setup) rollback() {
	if s.started != nil && s.owner {
		s.started.stop(filterStopGrace)
	}
	if s.installed && s.owner {
		deleteTable(s.conn)
	}
	if s.registered {
		s.reg.removeUser(s.key)
	}
	if s.owner {
		s.reg.remove()
	}
	removeContainerState(s.o.StateDir)
}

func (s *setup) status() *Status {
	st := &Status{
		Applicable: true, Mode: s.p.Mode, Table: "inet " + TableName, NetnsInode: s.ino,
		Shared: s.shared, DNS: s.p.DNS, Upstreams: addrStrings(s.ups), PlanHash: s.p.hash(), Warnings: s.warnings,
	}
	if s.rec.Filter != nil {
		st.FilterPID = s.rec.Filter.PID
		st.FilterAddr = netip.AddrPortFrom(filterAddrs[0], s.rec.FilterPort).String()
	}
	for _, h := range s.p.Hosts {
		st.Sets = append(st.Sets, h.Set4, h.Set6)
	}
	return st
}

func addrStrings(in []netip.AddrPort) []string {
	var out []string
	for _, a := range in {
		out = append(out, a.String())
	}
	return out
}
