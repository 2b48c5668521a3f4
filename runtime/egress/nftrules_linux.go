package egress

import (
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"golang.org/x/sys/unix"
)

// Names in agentrt's table.
const (
	chainInput    = "input"
	chainOutput   = "output"
	chainDeny     = "deny"
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
	deny := c.AddChain(&nftables.Chain{Name: chainDeny, Table: b.t})
	b.addRules(deny, rs.denyRules(b))
	b.addRules(in, inputRules())
	b.addRules(out, rs.outputRules(b))
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

// outputRules are the egress policy, in order: replies; the DNS filter's
// upstream traffic (or, for static DNS, the container's); the filter
// itself; every other DNS and DNS over TLS refused; loopback; ICMPv6
// neighbor discovery; the CIDR entries; the host entries; refuse the rest.
func (rs *ruleset) outputRules(b *builder) []rule {
	rules := []rule{{planComment + rs.plan.hash(), join(matchEstablished(), []expr.Any{accept()})}}
	rules = append(rules, rs.upstreamRules()...)
	rules = append(rules, rs.filterRules()...)
	for _, p := range []string{"tcp", "udp"} {
		rules = append(rules, rule{"no other dns " + p,
			join(matchL4(protoNumbers[p]), matchOrigDport(dnsPort), []expr.Any{jump(chainDeny)})})
	}
	rules = append(rules,
		rule{"loopback", join(matchIface(expr.MetaKeyOIF, loopbackIndex), []expr.Any{accept()})},
		rule{"icmpv6 nd and mld", join(matchICMPv6Types(130, 136), []expr.Any{accept()})},
		rule{"icmpv6 mldv2", join(matchICMPv6Types(143, 143), []expr.Any{accept()})},
	)
	for _, p := range []string{"tcp", "udp"} {
		rules = append(rules, rule{"no dns over tls " + p,
			join(matchL4(protoNumbers[p]), matchDport(portRange(dotPort)), []expr.Any{jump(chainDeny)})})
	}
	for _, c := range rs.plan.CIDRs {
		rules = append(rules, cidrRules(c)...)
	}
	for _, h := range rs.plan.Hosts {
		rules = append(rules, hostRules(h)...)
	}
	return append(rules, rule{"refuse the rest", []expr.Any{jump(chainDeny)}})
}

// upstreamRules let the upstream resolvers be reached on their port: by
// the DNS filter only (its mark), or with static DNS by the container.
// They match the connection's original destination, so that an engine's
// DNAT (Docker's 127.0.0.11) does not hide it.
func (rs *ruleset) upstreamRules() []rule {
	if !rs.plan.filter() && !rs.plan.static() {
		return nil
	}
	var mark []expr.Any
	who := "container"
	if rs.plan.filter() {
		mark, who = matchMark(filterMark), "dns filter"
	}
	var rules []rule
	for _, u := range rs.upstreams {
		for _, p := range []string{"tcp", "udp"} {
			rules = append(rules, rule{fmt.Sprintf("%s to upstream %s %s", who, u, p),
				join(mark, matchL4(protoNumbers[p]), matchOrigDport(u.Port()), matchOrigDaddr(u.Addr()), []expr.Any{accept()})})
		}
	}
	return rules
}

// filterRules accept the questions redirected to the DNS filter.
func (rs *ruleset) filterRules() []rule {
	if rs.filterPort == 0 {
		return nil
	}
	var rules []rule
	for _, a := range filterAddrs {
		for _, p := range []string{"tcp", "udp"} {
			rules = append(rules, rule{"dns filter " + p, join(matchFamily(a.Is6()), matchDaddr(netip.PrefixFrom(a, a.BitLen()), expr.CmpOpEq),
				matchL4(protoNumbers[p]), matchDport(portRange(rs.filterPort)), []expr.Any{accept()})})
		}
	}
	return rules
}

// filterAddrs are where the filter listens: nftables' redirect in the
// output hook sends to 127.0.0.1 or ::1.
var filterAddrs = []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}

// redirectRules send every DNS question to the filter, except the
// filter's own questions to its upstreams.
func (rs *ruleset) redirectRules() []rule {
	rules := []rule{{"dns filter upstream", join(matchMark(filterMark), []expr.Any{accept()})}}
	for _, p := range []string{"tcp", "udp"} {
		rules = append(rules, rule{"dns to filter " + p, join(matchL4(protoNumbers[p]), matchDport(portRange(dnsPort)), []expr.Any{
			&expr.Immediate{Register: reg, Data: binaryutil.BigEndian.PutUint16(rs.filterPort)},
			&expr.Redir{RegisterProtoMin: reg, Flags: unix.NF_NAT_RANGE_PROTO_SPECIFIED},
		})})
	}
	return rules
}
