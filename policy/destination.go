package policy

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// maxHostLen is the longest DNS name (RFC 1035), without the final dot.
const maxHostLen = 253

// ParseDestination parses the text form of an egress destination:
//
//	HOST[:PORTS][/PROTO]          api.example.com:443, *.example.org:443, *:80+443
//	ADDR[/BITS][:PORTS][/PROTO]   1.2.3.4, 10.0.0.0/8:80-90/tcp
//	[V6ADDR[/BITS]][:PORTS][/PROTO]  [2001:db8::1]:443, [2001:db8::/32]
//	V6ADDR[/BITS][/PROTO]         2001:db8::1 (no port without brackets)
//
// PORTS is a port or an inclusive range FIRST-LAST; several are joined
// with "+" (a comma separates destinations in annotations). PROTO is tcp
// or udp; without it both are allowed. HOST "*" is any host name and a
// leading "*." any one label. The result is normalized.
func ParseDestination(s string) (Destination, error) {
	rest, proto, err := splitProtocol(s)
	if err != nil {
		return Destination{}, err
	}
	target, ports, err := splitPorts(rest)
	if err != nil {
		return Destination{}, err
	}
	d := Destination{Protocol: proto}
	if d.Ports, err = parsePorts(ports); err != nil {
		return Destination{}, err
	}
	if err := d.setTarget(target); err != nil {
		return Destination{}, err
	}
	return d.normalized(), nil
}

// splitProtocol cuts a trailing "/tcp" or "/udp". A suffix of letters
// after the last slash is a protocol; digits are a prefix length.
func splitProtocol(s string) (rest, proto string, err error) {
	i := strings.LastIndexByte(s, '/')
	if i < 0 || !isLetters(s[i+1:]) {
		return s, "", nil
	}
	proto = strings.ToLower(s[i+1:])
	if proto != "tcp" && proto != "udp" {
		return "", "", fmt.Errorf("protocol %q: want tcp or udp", s[i+1:])
	}
	return s[:i], proto, nil
}

func isLetters(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// splitPorts separates the host or prefix from the port list. An IPv6
// address with ports must be written in brackets.
func splitPorts(s string) (target, ports string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", fmt.Errorf("missing \"]\"")
		}
		target, after := s[1:end], s[end+1:]
		if after == "" {
			return target, "", nil
		}
		if !strings.HasPrefix(after, ":") {
			return "", "", fmt.Errorf("unexpected %q after \"]\"", after)
		}
		return target, after[1:], checkPortsGiven(after[1:])
	}
	if strings.Count(s, ":") > 1 {
		return s, "", nil
	}
	if target, ports, ok := strings.Cut(s, ":"); ok {
		return target, ports, checkPortsGiven(ports)
	}
	return s, "", nil
}

// checkPortsGiven refuses "host:" with nothing after the colon.
func checkPortsGiven(p string) error {
	if p == "" {
		return fmt.Errorf("empty port after \":\"")
	}
	return nil
}

// parsePorts parses "443", "80-90" and "80+443+8000-8080".
func parsePorts(s string) ([]PortRange, error) {
	if s == "" {
		return nil, nil
	}
	var out []PortRange
	for part := range strings.SplitSeq(s, "+") {
		r, err := parsePortRange(part)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func parsePortRange(s string) (PortRange, error) {
	first, last, isRange := strings.Cut(s, "-")
	a, err := parsePort(first)
	if err != nil {
		return PortRange{}, err
	}
	if !isRange {
		return PortRange{First: a, Last: a}, nil
	}
	b, err := parsePort(last)
	if err != nil {
		return PortRange{}, err
	}
	if b < a {
		return PortRange{}, fmt.Errorf("port range %q: last port below first", s)
	}
	return PortRange{First: a, Last: b}, nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("port %q: want 1-65535", s)
	}
	return uint16(n), nil
}

// setTarget sets CIDR when target is an address or prefix, else Host.
func (d *Destination) setTarget(target string) error {
	if target == "" {
		return fmt.Errorf("missing host or address")
	}
	if strings.ContainsAny(target, "/:") || isAddress(target) {
		p, err := parsePrefix(target)
		if err != nil {
			return err
		}
		d.CIDR = p.String()
		return nil
	}
	if err := validateHost(target); err != nil {
		return err
	}
	d.Host = target
	return nil
}

func isAddress(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

// parsePrefix accepts a prefix or a bare address, masks host bits and
// unmaps IPv4-mapped IPv6 so each network has one spelling.
func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("address %q: not an IP address", s)
		}
		s = a.String() + "/" + strconv.Itoa(a.BitLen())
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("CIDR %q: not an IP prefix", s)
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// validateHost checks a DNS name, optionally with a leading "*." or "*".
func validateHost(h string) error {
	if h == "*" {
		return nil
	}
	name := strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(h), "."), "*.")
	if name == "" || len(name) > maxHostLen {
		return fmt.Errorf("host %q: not a DNS name", h)
	}
	labels := strings.Split(name, ".")
	for _, label := range labels {
		if !validLabel(label) {
			return fmt.Errorf("host %q: not a DNS name", h)
		}
	}
	// An all-digit last label is an address typo ("010.0.0.1"), not a name.
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return fmt.Errorf("host %q: not a DNS name (write addresses as CIDRs)", h)
	}
	return nil
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, c := range l {
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// Validate reports whether d is a well-formed destination: exactly one of
// Host and CIDR, a valid name or prefix, ports 1-65535 with First <= Last,
// and a known protocol.
func (d Destination) Validate() error {
	if (d.Host == "") == (d.CIDR == "") {
		return fmt.Errorf("destination: want exactly one of host and cidr")
	}
	if d.Host != "" {
		if err := validateHost(d.Host); err != nil {
			return err
		}
	} else if _, err := parsePrefix(d.CIDR); err != nil {
		return err
	}
	for _, r := range d.Ports {
		if r.First == 0 || r.Last < r.First {
			return fmt.Errorf("port range %d-%d: want 1-65535, first <= last", r.First, r.Last)
		}
	}
	if d.Protocol != "" && d.Protocol != "tcp" && d.Protocol != "udp" {
		return fmt.Errorf("protocol %q: want tcp or udp", d.Protocol)
	}
	return nil
}

// String returns the text form of d (see ParseDestination).
func (d Destination) String() string {
	var b strings.Builder
	target := d.Host
	if d.CIDR != "" {
		target = cidrText(d.CIDR)
	}
	if d.CIDR != "" && strings.Contains(target, ":") && len(d.Ports) > 0 {
		target = "[" + target + "]"
	}
	b.WriteString(target)
	for i, r := range d.Ports {
		sep := "+"
		if i == 0 {
			sep = ":"
		}
		b.WriteString(sep + strconv.Itoa(int(r.First)))
		if r.Last != r.First {
			b.WriteString("-" + strconv.Itoa(int(r.Last)))
		}
	}
	if d.Protocol != "" {
		b.WriteString("/" + d.Protocol)
	}
	return b.String()
}

// cidrText writes a single-address prefix as the bare address.
func cidrText(cidr string) string {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || p.Bits() != p.Addr().BitLen() {
		return cidr
	}
	return p.Addr().String()
}

// MarshalText encodes d in its text form.
func (d Destination) MarshalText() ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return []byte(d.String()), nil
}

// UnmarshalText parses the text form of a destination.
func (d *Destination) UnmarshalText(b []byte) error {
	v, err := ParseDestination(string(b))
	if err != nil {
		return fmt.Errorf("destination %q: %w", b, err)
	}
	*d = v
	return nil
}

// normalized returns d with a lower-case host, a canonical prefix, and
// sorted, merged port ranges.
func (d Destination) normalized() Destination {
	out := Destination{Protocol: strings.ToLower(d.Protocol)}
	if d.Host != "" {
		out.Host = strings.TrimSuffix(strings.ToLower(d.Host), ".")
	}
	if d.CIDR != "" {
		out.CIDR = d.CIDR
		if p, err := parsePrefix(d.CIDR); err == nil {
			out.CIDR = p.String()
		}
	}
	out.Ports = mergePorts(d.Ports)
	return out
}

// mergePorts sorts ranges and joins overlapping and adjacent ones.
func mergePorts(in []PortRange) []PortRange {
	if len(in) == 0 {
		return nil
	}
	rs := slices.Clone(in)
	slices.SortFunc(rs, func(a, b PortRange) int { return int(a.First) - int(b.First) })
	out := rs[:1]
	for _, r := range rs[1:] {
		last := &out[len(out)-1]
		if int(r.First) <= int(last.Last)+1 {
			last.Last = max(last.Last, r.Last)
			continue
		}
		out = append(out, r)
	}
	return out
}
