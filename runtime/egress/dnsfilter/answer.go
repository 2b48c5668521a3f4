package dnsfilter

import (
	"net/netip"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// Address is one address of an answer with the TTL of its record.
type Address struct {
	Addr netip.Addr
	TTL  time.Duration
}

// canonical returns name in lower case without its final dot, the form
// allowlist hosts are written in.
func canonical(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, "."))
}

// chainNames returns the names of the CNAME chain that starts at qname,
// qname included. Records may come in any order, so the chain grows until
// a pass adds nothing.
func chainNames(m *dnsmessage.Message, qname string) map[string]bool {
	names := map[string]bool{qname: true}
	for grew := true; grew; {
		grew = false
		for _, rr := range m.Answers {
			c, ok := rr.Body.(*dnsmessage.CNAMEResource)
			if !ok || !names[canonical(rr.Header.Name.String())] {
				continue
			}
			if target := canonical(c.CNAME.String()); !names[target] {
				names[target] = true
				grew = true
			}
		}
	}
	return names
}

// chainAddresses returns the A and AAAA addresses owned by a name of the
// CNAME chain from qname. Records for other names, which an upstream has
// no business sending, feed nothing.
func chainAddresses(m *dnsmessage.Message, qname string) []Address {
	names := chainNames(m, qname)
	var out []Address
	for _, rr := range m.Answers {
		if !names[canonical(rr.Header.Name.String())] {
			continue
		}
		if a, ok := recordAddr(rr); ok {
			out = append(out, Address{Addr: a, TTL: time.Duration(rr.Header.TTL) * time.Second})
		}
	}
	return out
}

// recordAddr returns the address of an A or AAAA record.
func recordAddr(rr dnsmessage.Resource) (netip.Addr, bool) {
	switch b := rr.Body.(type) {
	case *dnsmessage.AResource:
		return netip.AddrFrom4(b.A), true
	case *dnsmessage.AAAAResource:
		return netip.AddrFrom16(b.AAAA).Unmap(), true
	}
	return netip.Addr{}, false
}

// screened is an upstream reply after the blocked addresses were taken
// out of it.
type screened struct {
	allowed []Address
	blocked []netip.Addr
	// changed: records were removed or TTLs capped, so the reply must be
	// packed again.
	changed bool
}

// screen removes A and AAAA records with a blocked address from m and caps
// record TTLs at maxTTL, so that no client caches an address longer than
// the firewall allows it.
func screen(m *dnsmessage.Message, qname string, blocked func(netip.Addr) bool, maxTTL time.Duration) screened {
	names := chainNames(m, qname)
	var s screened
	kept := m.Answers[:0]
	for _, rr := range m.Answers {
		a, isAddr := recordAddr(rr)
		if isAddr && blocked(a) {
			s.blocked = append(s.blocked, a)
			s.changed = true
			continue
		}
		if maxTTL > 0 && time.Duration(rr.Header.TTL)*time.Second > maxTTL {
			rr.Header.TTL = uint32(maxTTL / time.Second)
			s.changed = true
		}
		if isAddr && names[canonical(rr.Header.Name.String())] {
			s.allowed = append(s.allowed, Address{Addr: a, TTL: time.Duration(rr.Header.TTL) * time.Second})
		}
		kept = append(kept, rr)
	}
	m.Answers = kept
	return s
}
