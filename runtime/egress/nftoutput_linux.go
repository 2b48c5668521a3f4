package egress

import (
	"fmt"
	"net/netip"

	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// guardRules decide every DNS question before any NAT rewrites it: the
// DNS filter's own questions to its upstreams pass (with static DNS, the
// container's), any other packet with the filter's mark is refused (a
// container with CAP_NET_RAW may set marks), questions to port 53 pass to
// the redirect when a filter runs, and are refused otherwise, whatever
// their address, loopback included (Docker's 127.0.0.11 would forward
// anything to the outside).
func (rs *ruleset) guardRules() []rule {
	rules := []rule{{"replies", join(matchEstablished(), []expr.Any{accept()})}}
	rules = append(rules, rs.upstreamRules()...)
	if rs.filterPort != 0 {
		rules = append(rules, rule{"no other marked packets", join(matchMark(filterMark), []expr.Any{jump(chainDeny)})})
	}
	for _, p := range []string{"tcp", "udp"} {
		verdict, what := jump(chainDeny), "no other dns "
		if rs.filterPort != 0 {
			verdict, what = accept(), "dns to the filter "
		}
		rules = append(rules, rule{what + p, join(matchL4(protoNumbers[p]), matchDport(portRange(dnsPort)), []expr.Any{verdict})})
	}
	return rules
}

// outputRules are the egress policy, in order: replies; the upstream
// resolvers (for the filter, or the container with static DNS); the DNS
// filter; loopback; ICMPv6 neighbor discovery; DNS over TLS refused; the
// CIDR entries; the host entries; refuse the rest.
func (rs *ruleset) outputRules() []rule {
	rules := []rule{{planComment + rs.plan.hash(), join(matchEstablished(), []expr.Any{accept()})}}
	rules = append(rules, rs.upstreamRules()...)
	rules = append(rules, rs.filterRules()...)
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
// the DNS filter only (its mark), or with static DNS by the container. In
// the output chain they match after NAT; an engine that DNATs its
// resolver does so to loopback (Docker's 127.0.0.11), which the loopback
// rule accepts.
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
		a := u.Addr().WithZone("")
		where := join(mark, matchFamily(a.Is6()), matchDaddr(netip.PrefixFrom(a, a.BitLen()), expr.CmpOpEq))
		for _, p := range []string{"tcp", "udp"} {
			rules = append(rules, rule{fmt.Sprintf("%s to upstream %s %s", who, u, p),
				join(where, matchL4(protoNumbers[p]), matchDport(portRange(u.Port())), []expr.Any{accept()})})
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
