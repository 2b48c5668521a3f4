package egress

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"

	"github.com/google/nftables"

	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/runtime/egress/netns"
)

// Setup enforces o.Network in the netns at o.NetnsPath. Call it while the
// container's init waits on the exec fifo, before any container code
// runs. It installs agentrt's nftables table in one atomic batch and, for
// host entries with DNS mode filter, starts the DNS filter; with DNS mode
// static it resolves the host entries once instead.
//
// A netns that already carries agentrt's rules for the same policy (a
// joined netns, such as a pod's) is checked rather than programmed again,
// and programmed again if its rules or filter are not live. One for
// another policy is refused with a *SharedNetnsError.
//
// Egress open installs nothing: the Status says not applicable. On error
// nothing of agentrt is left in the netns, the run dir or the state dir,
// except the rules a live container sharing the netns still needs.
func Setup(ctx context.Context, o Options) (*Status, error) {
	p, err := compile(o.Network)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return &Status{Mode: policy.EgressOpen}, nil
	}
	if w := p.wildcards(); p.static() && len(w) > 0 {
		return nil, fmt.Errorf("network.allow host %q: %w", w[0], ErrWildcardStatic)
	}
	s, err := openSetup(&o, p)
	if err != nil {
		return nil, err
	}
	defer s.close()
	if err := s.run(ctx); err != nil {
		s.rollback()
		return nil, fmt.Errorf("egress of container %q: %w", o.ContainerID, err)
	}
	return s.status(), nil
}

// setup is one run of Setup, holding the run dir lock.
type setup struct {
	o    *Options
	p    *plan
	nsf  *os.File
	ino  uint64
	ups  []netip.AddrPort
	conn *nftables.Conn
	reg  *registry
	key  string

	rec    *netnsRecord
	shared bool
	// owner: no live container used the netns, so this Setup owns its
	// rules and run dir entry, and a rollback removes them.
	owner      bool
	registered bool
	installed  bool
	started    *procID
	warnings   []string
}

func openSetup(o *Options, p *plan) (_ *setup, retErr error) {
	if o.NetnsPath == "" || o.StateDir == "" {
		return nil, errors.New("egress setup: netns path and state dir are required")
	}
	s := &setup{o: o, p: p, key: userKey(o.StateDir)}
	var err error
	if s.nsf, err = netns.Open(o.NetnsPath); err != nil {
		return nil, err
	}
	defer func() {
		if retErr != nil {
			s.nsf.Close()
		}
	}()
	if s.ino, err = netns.Inode(s.nsf); err != nil {
		return nil, err
	}
	if isHostNetns(s.ino) {
		return nil, fmt.Errorf("netns %q: %w", o.NetnsPath, ErrHostNetns)
	}
	if len(p.Hosts) > 0 {
		if s.ups, err = upstreams(o); err != nil {
			return nil, err
		}
	}
	if s.conn, err = connIn(s.nsf); err != nil {
		return nil, err
	}
	if s.reg, err = lockRegistry(runDir(o), s.ino); err != nil {
		return nil, err
	}
	return s, nil
}

func runDir(o *Options) string {
	if o.RunDir != "" {
		return o.RunDir
	}
	return DefaultRunDir
}

func (s *setup) close() {
	s.reg.unlock()
	s.nsf.Close()
}

// run joins the netns's live rules when other containers use it with the
// same plan, and programs it otherwise.
func (s *setup) run(ctx context.Context) error {
	users, err := s.reg.liveUsers()
	if err != nil {
		return err
	}
	delete(users, s.key)
	rec, err := s.reg.readRecord()
	if err != nil {
		return err
	}
	if len(users) == 0 || rec == nil {
		// Live users without a record should not happen; if it does,
		// their rules are replaced in one batch, never removed first.
		s.owner = len(users) == 0
		return s.program(ctx, rec, !s.owner)
	}
	if rec.PlanHash != s.p.hash() {
		return &SharedNetnsError{NetnsPath: s.o.NetnsPath, Have: rec.PlanHash, Want: s.p.hash()}
	}
	s.shared = true
	err = s.checkLive(ctx, rec)
	if err == nil {
		s.rec = rec
		return s.finish()
	}
	s.warnings = append(s.warnings, fmt.Sprintf("rules of the shared netns were not live (%v); programmed them again", err))
	return s.program(ctx, rec, true)
}

// checkLive checks the rules and filter another container's Setup left.
func (s *setup) checkLive(ctx context.Context, rec *netnsRecord) error {
	port, err := checkTable(s.conn, s.p)
	if err != nil || !s.p.filter() {
		return err
	}
	if rec.Filter == nil || !rec.Filter.alive() {
		return errors.New("dns filter is not running")
	}
	if port != rec.FilterPort {
		return fmt.Errorf("redirect to port %d, filter on %d", port, rec.FilterPort)
	}
	return probeFilter(ctx, s.nsf, port)
}

// program installs the table and starts the filter. repair is set when
// live containers share the netns: then the old table is replaced in the
// same batch, never removed first.
func (s *setup) program(ctx context.Context, old *netnsRecord, repair bool) error {
	if err := s.register(); err != nil {
		return err
	}
	if old != nil && old.Filter != nil {
		old.Filter.stop(filterStopGrace)
	}
	exists, err := tableExists(s.conn)
	if err != nil {
		return err
	}
	if exists && !repair {
		// Stale rules nobody needs: gone before static resolution asks
		// the upstreams through them.
		if err := deleteTable(s.conn); err != nil {
			return err
		}
		exists = false
	}
	rs, ls, err := s.prepare(ctx)
	if err != nil {
		return err
	}
	if ls != nil {
		defer ls.close()
	}
	if err := rs.install(s.conn, exists); err != nil {
		return err
	}
	s.installed = true
	return s.startAndRecord(ctx, ls)
}

// prepare gathers what the rules need besides the plan: the static
// addresses, or the DNS filter's sockets and port.
func (s *setup) prepare(ctx context.Context) (*ruleset, *listeners, error) {
	rs := &ruleset{plan: s.p, upstreams: s.ups}
	if s.p.static() {
		var w []string
		rs.static, w = resolveStatic(ctx, s.nsf, s.p, s.ups)
		s.warnings = append(s.warnings, w...)
	}
	if !s.p.filter() {
		return rs, nil, nil
	}
	ls, err := listenFilter(s.nsf)
	if err != nil {
		return nil, nil, err
	}
	rs.filterPort = ls.port
	return rs, ls, nil
}

func (s *setup) startAndRecord(ctx context.Context, ls *listeners) error {
	rec := &netnsRecord{PlanHash: s.p.hash(), NetnsPath: s.o.NetnsPath, Upstreams: addrStrings(s.ups), Warnings: s.warnings}
	if ls != nil {
		id, err := startFilter(ctx, s, ls)
		if err != nil {
			return err
		}
		s.started, rec.Filter, rec.FilterPort = &id, &id, ls.port
	}
	s.rec = rec
	if err := s.reg.writeRecord(rec); err != nil {
		return err
	}
	return s.writeState()
}

// isHostNetns reports whether ino is agentrt's own netns or PID 1's.
// Agentrt's own is the calling thread's: /proc/self is the main thread,
// which netns.Do may have left in another netns for good (Go wedges a
// locked main thread instead of ending it, see netns.Do).
func isHostNetns(ino uint64) bool {
	for _, p := range []string{"/proc/thread-self/ns/net", "/proc/1/ns/net"} {
		f, err := netns.Open(p)
		if err != nil {
			continue
		}
		own, err := netns.Inode(f)
		f.Close()
		if err == nil && own == ino {
			return true
		}
	}
	return false
}
