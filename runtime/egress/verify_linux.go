package egress

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/runtime/egress/dnsfilter"
	"github.com/agentrt/agentrt/runtime/egress/netns"
)

// Verify checks that the rules n needs are live in the netns at
// netnsPath: agentrt's table, its input and output chains on their hooks
// with policy drop, the denial and host sets (with timeouts for the DNS
// filter), the plan hash of n on the rules, the final refusal, and, with
// the DNS filter, the redirect and a filter that answers a probe. Errors
// wrap ErrNotEnforced. Egress open needs nothing and always passes.
func Verify(netnsPath string, n policy.Network) error {
	p, err := compile(n)
	if err != nil || p == nil {
		return err
	}
	nsf, err := netns.Open(netnsPath)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotEnforced, err)
	}
	defer nsf.Close()
	c, err := connIn(nsf)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotEnforced, err)
	}
	port, err := checkTable(c, p)
	if err == nil && p.filter() {
		err = probeFilter(context.Background(), nsf, port)
	}
	if err != nil {
		return fmt.Errorf("%w in netns %q: %v", ErrNotEnforced, netnsPath, err)
	}
	return nil
}

// probeFilter asks the filter on port, from inside the netns, whether it
// is live.
func probeFilter(ctx context.Context, nsf *os.File, port uint16) error {
	dial := func(ctx context.Context, network string, server netip.AddrPort) (net.Conn, error) {
		var conn net.Conn
		err := netns.Do(nsf, func() error {
			var d net.Dialer
			var err error
			conn, err = d.DialContext(ctx, network, server.String())
			return err
		})
		return conn, err
	}
	return dnsfilter.Probe(ctx, dial, netip.AddrPortFrom(filterAddrs[0], port))
}

// Denials returns, per destination address, the number of packets the
// rules in the netns at netnsPath refused since Setup. Destinations beyond
// the first 65535 are refused but not counted.
func Denials(netnsPath string) (map[string]uint64, error) {
	nsf, err := netns.Open(netnsPath)
	if err != nil {
		return nil, err
	}
	defer nsf.Close()
	c, err := connIn(nsf)
	if err != nil {
		return nil, err
	}
	return readDenials(c)
}

// StateDenials is Denials for the netns of the container whose state dir
// is stateDir. It is nil, without error, when Setup left no egress state
// there (egress open).
func StateDenials(stateDir string) (map[string]uint64, error) {
	cs, err := readContainerState(stateDir)
	if err != nil || cs == nil {
		return nil, err
	}
	return Denials(cs.NetnsPath)
}
