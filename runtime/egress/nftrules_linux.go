package egress

import (
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"golang.org/x/sys/unix"
)

// Names in agentrt's table.
const (
	chainInput    = "input"
	chainOutput   = "output"
	chainDeny     = "deny"
	chainGuard    = "dns_guard"
	chainRedirect = "dns_redirect"
	setDenied4    = "denied_v4"
	setDenied6    = "denied_v6"
	// planComment prefixes the comment of the first output rule, which
	// carries the plan hash for Verify and for containers that join.
	planComment = "agentrt plan "
)

const (
	// filterMark is the SO_MARK of the DNS filter's upstream sockets
	// ("agrt"): the redirect skips them and the output chain lets them
	// reach the upstream resolvers, and nothing else.
	filterMark uint32 = 0x61677274
	// deniedSetSize bounds the per-destination denial counters; once
	// full, denials are still refused but no longer counted.
	deniedSetSize = 65535
	// guardPriority runs the DNS guard after conntrack (-200) and before
	// any NAT, so that it sees the destination a DNS question was sent to.
	guardPriority = -160
	// redirectPriority runs agentrt's DNS redirect before the dstnat
	// chains (-100) of engines, such as Docker's DNAT for 127.0.0.11: the
	// first DNAT of a connection wins, so agentrt's must come first.
	redirectPriority = -150
	// dnsPort and dotPort are plain DNS and DNS over TLS.
	dnsPort = 53
	dotPort = 853
)

// ruleset is what install programs: the plan and what Setup learnt.
type ruleset struct {
	plan       *plan
	upstreams  []netip.AddrPort
	filterPort uint16                  // 0 without a DNS filter
	static     map[string][]netip.Addr // set name -> addresses (static DNS)
}

type rule struct {
	comment string
	exprs   []expr.Any
}

// builder queues agentrt's table on one netlink batch.
type builder struct {
	c    *nftables.Conn
	t    *nftables.Table
	sets map[string]*nftables.Set
}

func agentrtTable() *nftables.Table {
	return &nftables.Table{Name: TableName, Family: nftables.TableFamilyINet}
}

// install programs the whole table in one batch, so that the netns goes
// from no rules (or the old table, when replace is set) to the complete
// ruleset atomically: no packet ever sees half of it.
func (rs *ruleset) install(c *nftables.Conn, replace bool) error {
	b := &builder{c: c, t: agentrtTable(), sets: map[string]*nftables.Set{}}
	if replace {
		c.DelTable(b.t)
	}
	c.AddTable(b.t)
	if err := rs.addSets(b); err != nil {
		return err
	}
	drop, acceptPolicy := nftables.ChainPolicyDrop, nftables.ChainPolicyAccept
	in := c.AddChain(&nftables.Chain{Name: chainInput, Table: b.t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookInput, Priority: nftables.ChainPriorityFilter, Policy: &drop})
	out := c.AddChain(&nftables.Chain{Name: chainOutput, Table: b.t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityFilter, Policy: &drop})
	guard := c.AddChain(&nftables.Chain{Name: chainGuard, Table: b.t, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityRef(guardPriority), Policy: &acceptPolicy})
	deny := c.AddChain(&nftables.Chain{Name: chainDeny, Table: b.t})
	b.addRules(deny, rs.denyRules(b))
	b.addRules(in, inputRules())
	b.addRules(guard, rs.guardRules())
	b.addRules(out, rs.outputRules())
	if rs.filterPort != 0 {
		nat := c.AddChain(&nftables.Chain{Name: chainRedirect, Table: b.t, Type: nftables.ChainTypeNAT,
			Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityRef(redirectPriority), Policy: &acceptPolicy})
		b.addRules(nat, rs.redirectRules())
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("install nftables table %q: %w", "inet "+TableName, err)
	}
	return nil
}

func (b *builder) addRules(ch *nftables.Chain, rules []rule) {
	for _, r := range rules {
		var ud []byte
		if r.comment != "" {
			ud = userdata.AppendString(nil, userdata.TypeComment, r.comment)
		}
		b.c.AddRule(&nftables.Rule{Table: b.t, Chain: ch, Exprs: r.exprs, UserData: ud})
	}
}

// addSets adds the denial counters and one IPv4 and one IPv6 set per host
// entry: with per-element timeouts for the DNS filter, filled once and
// without timeouts for static DNS.
func (rs *ruleset) addSets(b *builder) error {
	for _, d := range []struct {
		name string
		t    nftables.SetDatatype
	}{{setDenied4, nftables.TypeIPAddr}, {setDenied6, nftables.TypeIP6Addr}} {
		s := &nftables.Set{Table: b.t, Name: d.name, KeyType: d.t, Dynamic: true, Counter: true, Size: deniedSetSize}
		if err := b.addSet(s, nil); err != nil {
			return err
		}
	}
	for _, h := range rs.plan.Hosts {
		for _, name := range []string{h.Set4, h.Set6} {
			t := nftables.TypeIPAddr
			if name == h.Set6 {
				t = nftables.TypeIP6Addr
			}
			s := &nftables.Set{Table: b.t, Name: name, KeyType: t, HasTimeout: rs.plan.filter(), Comment: h.Host}
			if err := b.addSet(s, elements(rs.static[name])); err != nil {
				return err
			}
		}
	}
	return nil
}

func (b *builder) addSet(s *nftables.Set, elems []nftables.SetElement) error {
	if err := b.c.AddSet(s, elems); err != nil {
		return fmt.Errorf("nftables set %q: %w", s.Name, err)
	}
	b.sets[s.Name] = s
	return nil
}

func elements(addrs []netip.Addr) []nftables.SetElement {
	var out []nftables.SetElement
	for _, a := range addrs {
		out = append(out, nftables.SetElement{Key: a.AsSlice()})
	}
	return out
}

// inputRules let in what belongs to connections the container opened,
// loopback, and the ICMPv6 that IPv6 needs to work at all (neighbor and
// router discovery, MLD). New inbound connections are dropped: a peer that
// could connect in could be sent data on an established connection, past
// the egress allowlist.
func inputRules() []rule {
	return []rule{
		{"replies", join(matchEstablished(), []expr.Any{accept()})},
		{"loopback", join(matchIface(expr.MetaKeyIIF, loopbackIndex), []expr.Any{accept()})},
		{"icmpv6 nd and mld", join(matchICMPv6Types(130, 136), []expr.Any{accept()})},
		{"icmpv6 mldv2", join(matchICMPv6Types(143, 143), []expr.Any{accept()})},
	}
}

// denyRules count the destination of a refused packet and refuse it
// visibly: TCP gets a reset (ECONNREFUSED at once), everything else an
// ICMP or ICMPv6 administratively-prohibited error (the sender's send
// fails with EPERM, a connected UDP socket then sees EHOSTUNREACH or
// EACCES). Nothing is dropped silently, so no client waits for a timeout.
func (rs *ruleset) denyRules(b *builder) []rule {
	count := func(v6 bool, set string) []expr.Any {
		s := b.sets[set]
		return join(matchFamily(v6), []expr.Any{daddrLoad(v6), &expr.Dynset{
			SrcRegKey: reg, SetName: s.Name, SetID: s.ID, Operation: unix.NFT_DYNSET_OP_UPDATE,
			Exprs: []expr.Any{&expr.Counter{}},
		}})
	}
	return []rule{
		{"count ipv4", count(false, setDenied4)},
		{"count ipv6", count(true, setDenied6)},
		{"reset tcp", join(matchL4(unix.IPPROTO_TCP), []expr.Any{&expr.Reject{Type: unix.NFT_REJECT_TCP_RST}})},
		{"refuse", []expr.Any{&expr.Reject{Type: unix.NFT_REJECT_ICMPX_UNREACH, Code: unix.NFT_REJECT_ICMPX_ADMIN_PROHIBITED}}},
	}
}
