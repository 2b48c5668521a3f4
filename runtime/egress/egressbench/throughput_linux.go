package egressbench

import (
	"context"
	"fmt"
	"net"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/agentrt/agentrt/runtime/egress/egresstest"
)

// ThroughputResult compares TCP throughput from the client netns to an
// allowed destination without rules and with agentrt's rules.
type ThroughputResult struct {
	Bytes        int64
	WithoutRules float64 // bytes per second, best round
	WithRules    float64
}

// Ratio is the throughput with rules over the throughput without (1 is
// no cost).
func (r *ThroughputResult) Ratio() float64 { return r.WithRules / r.WithoutRules }

func (r *ThroughputResult) String() string {
	return fmt.Sprintf("tcp throughput: %.0f MB/s without rules, %.0f MB/s with rules (ratio %.3f)",
		r.WithoutRules/1e6, r.WithRules/1e6, r.Ratio())
}

// BenchThroughput measures TCP throughput over a veth pair to a
// destination allowed by host name (resolved through the DNS filter),
// first without agentrt's rules and then with them.
func BenchThroughput(ctx context.Context, o Options) (*ThroughputResult, error) {
	o.defaults()
	b, err := newBed()
	if err != nil {
		return nil, err
	}
	defer b.close()
	r := &ThroughputResult{Bytes: o.Bytes}
	if r.WithoutRules, err = b.bestRate(ctx, o); err != nil {
		return nil, err
	}
	teardown, err := b.enforce(ctx, o)
	if err != nil {
		return nil, err
	}
	defer teardown()
	if _, err := egresstest.Lookup(ctx, b.net.ClientPath, dnsAddr, benchName, dnsmessage.TypeA); err != nil {
		return nil, fmt.Errorf("resolve %q through the dns filter: %w", benchName, err)
	}
	if r.WithRules, err = b.bestRate(ctx, o); err != nil {
		return nil, err
	}
	return r, nil
}

func (b *bed) bestRate(ctx context.Context, o Options) (float64, error) {
	var best float64
	for range o.Rounds {
		rate, err := b.send(ctx, o.Bytes)
		if err != nil {
			return 0, err
		}
		best = max(best, rate)
	}
	return best, nil
}

// send writes n bytes to the discard server and returns bytes per second.
func (b *bed) send(ctx context.Context, n int64) (float64, error) {
	c, err := b.net.DialClient(ctx, "tcp", sinkAddr.String())
	if err != nil {
		return 0, fmt.Errorf("connect to %s: %w", sinkAddr, err)
	}
	defer c.Close()
	buf := make([]byte, 256<<10)
	start := time.Now()
	for sent := int64(0); sent < n; {
		k, err := c.Write(buf[:min(int64(len(buf)), n-sent)])
		if err != nil {
			return 0, fmt.Errorf("send to %s: %w", sinkAddr, err)
		}
		sent += int64(k)
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
