package egress

import (
	"context"
	"fmt"
	"net/netip"
	"os"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/agentrt/agentrt/runtime/egress/dnsfilter"
)

// resolveStatic resolves every host entry once, A and AAAA, through the
// upstreams and from inside the netns (so that a resolver on the
// container's loopback, such as Docker's 127.0.0.11, is reached). Blocked
// addresses are left out as the filter would. A name without addresses is
// a warning, not an error: its entry then allows nothing, which is safe.
func resolveStatic(ctx context.Context, nsf *os.File, p *plan, ups []netip.AddrPort) (map[string][]netip.Addr, []string) {
	dial := markedDialer(nsf)
	blocked := blockedFor(p.CIDRs)
	sets := map[string][]netip.Addr{}
	var warnings []string
	for _, h := range p.Hosts {
		var n int
		for _, t := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA} {
			addrs, err := lookupAny(ctx, dial, ups, h.Host, t)
			if err != nil {
				warnings = append(warnings, err.Error())
			}
			for _, a := range addrs {
				if blocked(a) {
					warnings = append(warnings, fmt.Sprintf("host %q: blocked address %s left out", h.Host, a))
					continue
				}
				set := h.Set4
				if a.Is6() {
					set = h.Set6
				}
				sets[set] = append(sets[set], a)
				n++
			}
		}
		if n == 0 {
			warnings = append(warnings, fmt.Sprintf("host %q: no address; its entry allows nothing", h.Host))
		}
	}
	return sets, warnings
}

// lookupAny asks the upstreams in turn until one answers.
func lookupAny(ctx context.Context, dial dnsfilter.DialFunc, ups []netip.AddrPort, name string, t dnsmessage.Type) ([]netip.Addr, error) {
	var last error
	for _, up := range ups {
		qctx, cancel := context.WithTimeout(ctx, dnsfilter.DefaultTimeout)
		r, err := dnsfilter.Lookup(qctx, dial, up, name, t)
		cancel()
		if err != nil {
			last = err
			continue
		}
		var out []netip.Addr
		for _, a := range r.Addrs {
			out = append(out, a.Addr)
		}
		return out, nil
	}
	return nil, fmt.Errorf("host %q: %w", name, last)
}
