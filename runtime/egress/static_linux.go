package egress

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"sync"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/agentrt/agentrt/runtime/egress/dnsfilter"
)

// resolveStatic resolves every host entry once, A and AAAA, through the
// upstreams and from inside the netns (so that a resolver on the
// container's loopback, such as Docker's 127.0.0.11, is reached). Hosts
// are resolved in parallel. Blocked addresses are left out as the filter
// would. A name without addresses is a warning, not an error: its entry
// then allows nothing, which is safe.
func resolveStatic(ctx context.Context, nsf *os.File, p *plan, ups []netip.AddrPort) (map[string][]netip.Addr, []string) {
	results := make([]staticResult, len(p.Hosts))
	var wg sync.WaitGroup
	for i, h := range p.Hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = resolveHost(ctx, markedDialer(nsf, nil), blockedFor(p.CIDRs), ups, h)
		}()
	}
	wg.Wait()
	sets := map[string][]netip.Addr{}
	var warnings []string
	for i, h := range p.Hosts {
		r := results[i]
		sets[h.Set4], sets[h.Set6] = r.v4, r.v6
		warnings = append(warnings, r.warnings...)
	}
	return sets, warnings
}

type staticResult struct {
	v4, v6   []netip.Addr
	warnings []string
}

func resolveHost(ctx context.Context, dial dnsfilter.DialFunc, blocked func(netip.Addr) bool, ups []netip.AddrPort, h hostRule) staticResult {
	var r staticResult
	for _, t := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA} {
		addrs, err := lookupAny(ctx, dial, ups, h.Host, t)
		if err != nil {
			r.warnings = append(r.warnings, err.Error())
		}
		for _, a := range addrs {
			switch {
			case blocked(a):
				r.warnings = append(r.warnings, fmt.Sprintf("host %q: blocked address %s left out", h.Host, a))
			case a.Is4():
				r.v4 = append(r.v4, a)
			default:
				r.v6 = append(r.v6, a)
			}
		}
	}
	if len(r.v4)+len(r.v6) == 0 {
		r.warnings = append(r.warnings, fmt.Sprintf("host %q: no address; its entry allows nothing", h.Host))
	}
	return r
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
