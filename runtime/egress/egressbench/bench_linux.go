// Package egressbench measures what the egress firewall costs: TCP
// throughput to an allowed destination with and without agentrt's rules,
// and the latency of DNS questions through the DNS filter against the
// same questions asked directly. Both build private namespaces with
// egresstest (root needed) and remove them before returning.
//
// The DNS filter is a re-execution of a binary that calls
// egress.MaybeRunDNSFilter first thing in main: the calling binary by
// default, or Options.Executable (such as bin/agentrt).
package egressbench

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/runtime/egress"
	"github.com/agentrt/agentrt/runtime/egress/egresstest"
)

// Options tune the benchmarks; zero values take the defaults.
type Options struct {
	// Executable is re-executed as the DNS filter (default: this binary).
	Executable string
	// Bytes sent per throughput round (default 256 MiB).
	Bytes int64
	// Rounds of each throughput measurement; the best counts (default 3).
	Rounds int
	// Queries asked in each DNS measurement (default 2000).
	Queries int
}

func (o *Options) defaults() {
	if o.Bytes <= 0 {
		o.Bytes = 256 << 20
	}
	if o.Rounds <= 0 {
		o.Rounds = 3
	}
	if o.Queries <= 0 {
		o.Queries = 2000
	}
}

// benchName is the host the benchmarks allow, served by the test zone.
const benchName = "bench.test"

var (
	benchZone = egresstest.Zone{benchName: {{Addr: egresstest.ServerV4, TTL: 300}}}
	sinkAddr  = netip.AddrPortFrom(egresstest.ServerV4, 5201)
	dnsAddr   = netip.AddrPortFrom(egresstest.DNSV4, 53)
)

// bed is one benchmark network with its servers.
type bed struct {
	net *egresstest.Network
	dir string
}

func newBed() (_ *bed, retErr error) {
	n, err := egresstest.New()
	if err != nil {
		return nil, err
	}
	b := &bed{net: n}
	defer func() {
		if retErr != nil {
			b.close()
		}
	}()
	if err := n.ServeTCPDiscard(sinkAddr); err != nil {
		return nil, err
	}
	if _, err := n.ServeDNS(n.ServerPath, egresstest.DNSV4, benchZone); err != nil {
		return nil, err
	}
	if b.dir, err = os.MkdirTemp("", "agentrt-egressbench-"); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *bed) close() {
	b.net.Close()
	if b.dir != "" {
		os.RemoveAll(b.dir)
	}
}

// enforce installs an allowlist of benchName:5201/tcp with the DNS
// filter in the client netns and returns its teardown.
func (b *bed) enforce(ctx context.Context, o Options) (func() error, error) {
	state := filepath.Join(b.dir, "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		return nil, err
	}
	allow, err := policy.ParseDestination(benchName + ":5201/tcp")
	if err != nil {
		return nil, err
	}
	_, err = egress.Setup(ctx, egress.Options{
		ContainerID: "egressbench", NetnsPath: b.net.ClientPath, InitPID: os.Getpid(),
		Network:   policy.Network{Egress: policy.EgressAllowlist, Allow: []policy.Destination{allow}},
		Upstreams: []string{egresstest.DNSV4.String()}, StateDir: state, RunDir: filepath.Join(b.dir, "run"),
		Executable: o.Executable,
	})
	if err != nil {
		return nil, err
	}
	return func() error { return egress.Teardown(state) }, nil
}

// Stats summarizes latencies.
type Stats struct {
	Median, P99 time.Duration
}

func summarize(d []time.Duration) Stats {
	if len(d) == 0 {
		return Stats{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return Stats{Median: s[len(s)/2], P99: s[min(len(s)-1, len(s)*99/100)]}
}

func (s Stats) String() string { return fmt.Sprintf("median %v, p99 %v", s.Median, s.P99) }
