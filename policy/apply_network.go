package policy

import (
	"net/netip"
	"strings"
)

// applyAllow replaces the allowlist. Under a default of egress "open"
// every destination is narrowing; otherwise each port range of each
// destination must be covered by the defaults' allowlist or the
// ceiling's, and uncovered ranges are cut.
func applyAllow(s *resolver, r *Request) []violation {
	want := normalizeDestinations(*r.Network.Allow)
	if s.def.Network.Egress == EgressOpen {
		s.pol.Network.Allow = want
		return nil
	}
	var got []Destination
	var vs []violation
	for _, d := range want {
		for _, piece := range splitByPort(d) {
			if coveredBy(piece, s.def.Network.Allow) || coveredBy(piece, s.ceil.Network.Allow) {
				got = append(got, piece)
				continue
			}
			vs = append(vs, violation{piece.String(), "ceiling.network.allow"})
		}
	}
	s.pol.Network.Allow = normalizeDestinations(got)
	return vs
}

// splitByPort splits d into one destination per port range, so that each
// range can be covered by a different entry.
func splitByPort(d Destination) []Destination {
	if len(d.Ports) <= 1 {
		return []Destination{d}
	}
	out := make([]Destination, len(d.Ports))
	for i, p := range d.Ports {
		out[i] = d
		out[i].Ports = []PortRange{p}
	}
	return out
}

func coveredBy(d Destination, list []Destination) bool {
	for _, c := range list {
		if covers(c, d) {
			return true
		}
	}
	return false
}

// covers reports whether c allows everything d allows. d has at most one
// port range; c's are merged.
func covers(c, d Destination) bool {
	if c.Protocol != "" && c.Protocol != d.Protocol {
		return false
	}
	if !portsCover(c.Ports, d.Ports) {
		return false
	}
	if c.Host != "" {
		return d.Host != "" && hostCovers(c.Host, d.Host)
	}
	return d.CIDR != "" && prefixCovers(c.CIDR, d.CIDR)
}

func portsCover(c, d []PortRange) bool {
	if len(c) == 0 {
		return true
	}
	for _, dr := range d {
		if !rangeCovered(dr, c) {
			return false
		}
	}
	return len(d) > 0
}

func rangeCovered(r PortRange, list []PortRange) bool {
	for _, c := range list {
		if c.First <= r.First && r.Last <= c.Last {
			return true
		}
	}
	return false
}

// hostCovers: "*" covers any name; "*.example.org" covers itself and any
// one label under example.org; a name covers itself.
func hostCovers(c, d string) bool {
	switch {
	case c == "*" || c == d:
		return true
	case strings.HasPrefix(c, "*."):
		label, ok := strings.CutSuffix(d, c[1:])
		return ok && label != "" && label != "*" && !strings.Contains(label, ".")
	}
	return false
}

func prefixCovers(c, d string) bool {
	cp, err1 := netip.ParsePrefix(c)
	dp, err2 := netip.ParsePrefix(d)
	if err1 != nil || err2 != nil || cp.Addr().Is4() != dp.Addr().Is4() {
		return false
	}
	return cp.Bits() <= dp.Bits() && cp.Contains(dp.Addr())
}
