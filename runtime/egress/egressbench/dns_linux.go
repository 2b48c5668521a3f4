package egressbench

import (
	"context"
	"fmt"
	"net"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/agentrt/agentrt/runtime/egress/dnsfilter"
	"github.com/agentrt/agentrt/runtime/egress/netns"
)

// DNSResult compares the latency of one A question asked directly of the
// upstream with the same question redirected through the DNS filter.
type DNSResult struct {
	Queries  int
	Direct   Stats
	Filtered Stats
}

// Ratio is the median latency through the filter over the direct one.
func (r *DNSResult) Ratio() float64 { return float64(r.Filtered.Median) / float64(r.Direct.Median) }

func (r *DNSResult) String() string {
	return fmt.Sprintf("dns latency over %d questions: direct %v; through the filter %v (median ratio %.2f)",
		r.Queries, r.Direct, r.Filtered, r.Ratio())
}

// BenchDNS asks o.Queries questions from the client netns, each on a new
// UDP socket as glibc does, first straight to the upstream with no rules,
// then with the rules and the filter in place (the same address, now
// redirected to the filter, which forwards to the upstream).
func BenchDNS(ctx context.Context, o Options) (*DNSResult, error) {
	o.defaults()
	b, err := newBed()
	if err != nil {
		return nil, err
	}
	defer b.close()
	r := &DNSResult{Queries: o.Queries}
	direct, err := b.askMany(ctx, o.Queries)
	if err != nil {
		return nil, err
	}
	teardown, err := b.enforce(ctx, o)
	if err != nil {
		return nil, err
	}
	defer teardown()
	filtered, err := b.askMany(ctx, o.Queries)
	if err != nil {
		return nil, err
	}
	r.Direct, r.Filtered = summarize(direct), summarize(filtered)
	return r, nil
}

// askMany asks n questions on a thread that stays in the client netns,
// so that socket creation costs the same in both measurements.
func (b *bed) askMany(ctx context.Context, n int) ([]time.Duration, error) {
	q, err := dnsfilter.NewQuery(benchName, dnsmessage.TypeA)
	if err != nil {
		return nil, err
	}
	out := make([]time.Duration, 0, n)
	err = netns.DoPath(b.net.ClientPath, func() error {
		for range n {
			d, err := askOnce(ctx, q)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

func askOnce(ctx context.Context, q []byte) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	start := time.Now()
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", dnsAddr.String())
	if err != nil {
		return 0, err
	}
	defer c.Close()
	reply, err := dnsfilter.Exchange(ctx, c, q)
	if err != nil {
		return 0, fmt.Errorf("ask %s for %q: %w", dnsAddr, benchName, err)
	}
	if len(reply) < 4 || reply[3]&0x0f != 0 {
		return 0, fmt.Errorf("ask %s for %q: error reply", dnsAddr, benchName)
	}
	return time.Since(start), nil
}
