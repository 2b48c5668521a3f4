package egress

import "net/netip"

// specialRange is an address range that no allowlist entry reaches unless
// a CIDR entry names it, or a range inside it (see allowedBy).
type specialRange struct {
	prefix netip.Prefix
	what   string
}

// specialRanges are the ranges blocked by default: private, shared,
// loopback, link-local, cloud metadata, ULA, multicast, reserved, and
// the transition ranges that embed an IPv4 address (6to4, Teredo), which
// could otherwise smuggle a private IPv4 destination through a relay. The
// documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
// 2001:db8::/32) are not listed: they are never routed, and tests build
// their networks from them.
var specialRanges = []specialRange{
	{netip.MustParsePrefix("0.0.0.0/8"), "this network"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared address space (CGNAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("169.254.169.254/32"), "cloud metadata"},
	{netip.MustParsePrefix("168.63.129.16/32"), "cloud metadata (Azure wire server)"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay anycast"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved and broadcast"},
	{netip.MustParsePrefix("::/96"), "unspecified, loopback and IPv4-compatible"},
	{netip.MustParsePrefix("::ffff:0:0/96"), "IPv4-mapped"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard"},
	{netip.MustParsePrefix("2001::/32"), "Teredo"},
	{netip.MustParsePrefix("2001:2::/48"), "benchmarking"},
	{netip.MustParsePrefix("2001:10::/28"), "ORCHID"},
	{netip.MustParsePrefix("2002::/16"), "6to4"},
	{netip.MustParsePrefix("fc00::/7"), "unique local (ULA)"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "cloud metadata"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// nat64 is the well-known NAT64 prefix: its addresses stand for the IPv4
// address in their last 32 bits, and are blocked when that one is.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// contains reports whether prefix a contains all of prefix b.
func contains(a, b netip.Prefix) bool {
	return a.Addr().Is4() == b.Addr().Is4() && a.Bits() <= b.Bits() && a.Contains(b.Addr())
}

// exclusions returns the special ranges strictly inside prefix x, which a
// CIDR entry for x does not open: "0.0.0.0/0:443" does not reach
// 10.0.0.1, and "169.254.0.0/16" does not reach the metadata address. A
// special range that contains x (or equals it) is opened for exactly x:
// naming a range inside a blocked one is how an admin allows it. Ranges
// inside another excluded range are left out, as they change nothing.
func exclusions(x netip.Prefix) []netip.Prefix {
	var inside []netip.Prefix
	for _, r := range specialRanges {
		if r.prefix != x && contains(x, r.prefix) {
			inside = append(inside, r.prefix)
		}
	}
	var out []netip.Prefix
	for _, p := range inside {
		if !insideAnother(p, inside) {
			out = append(out, p)
		}
	}
	return out
}

func insideAnother(p netip.Prefix, list []netip.Prefix) bool {
	for _, q := range list {
		if q != p && contains(q, p) {
			return true
		}
	}
	return false
}

// isSpecial reports whether a lies in a special range.
func isSpecial(a netip.Addr) bool {
	for _, r := range specialRanges {
		if r.prefix.Contains(a) {
			return true
		}
	}
	return false
}

// blockedFor returns the test the DNS filter applies to answers: an
// address is blocked when it lies in a special range and no CIDR rule
// opens it. A NAT64 address is judged by the IPv4 address it stands for.
func blockedFor(cidrs []cidrRule) func(netip.Addr) bool {
	var blocked func(netip.Addr) bool
	blocked = func(a netip.Addr) bool {
		a = a.Unmap()
		if a.Is6() && nat64.Contains(a) {
			b := a.As16()
			return blocked(netip.AddrFrom4([4]byte(b[12:])))
		}
		return isSpecial(a) && !openedBy(a, cidrs)
	}
	return blocked
}

// openedBy reports whether a CIDR rule reaches a (on any port).
func openedBy(a netip.Addr, cidrs []cidrRule) bool {
	for _, c := range cidrs {
		if c.Prefix.Contains(a) && !inAny(a, c.Exclude) {
			return true
		}
	}
	return false
}

func inAny(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
