// Package egresstest builds private networks for tests and benchmarks of
// the egress firewall: a "client" netns (where a container would be) and
// a "server" netns joined by a veth pair, with documentation addresses
// (192.0.2.0/24, 2001:db8::/32) and a few addresses of blocked ranges,
// all of them only inside the two namespaces. The client netns has no
// default route, so no packet can leave them even by mistake.
//
// Namespaces are created with `ip netns add`, named with Prefix, and
// removed by Close.
package egresstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"sync"

	"github.com/agentrt/agentrt/runtime/egress/netns"
)

// Prefix starts the name of every netns this package creates.
const Prefix = "agentrt-test-"

// Addresses of the network. The server netns holds every server address;
// the client netns routes the blocked ones to it.
var (
	ClientV4 = netip.MustParseAddr("192.0.2.1")
	ServerV4 = netip.MustParseAddr("192.0.2.2")
	// OtherV4 is a second server address, for "address not allowed".
	OtherV4 = netip.MustParseAddr("192.0.2.3")
	// DNSV4 and RogueDNSV4 carry DNS servers.
	DNSV4      = netip.MustParseAddr("192.0.2.53")
	RogueDNSV4 = netip.MustParseAddr("192.0.2.54")
	ClientV6   = netip.MustParseAddr("2001:db8::1")
	ServerV6   = netip.MustParseAddr("2001:db8::2")
	OtherV6    = netip.MustParseAddr("2001:db8::3")
	DNSV6      = netip.MustParseAddr("2001:db8::53")
	// PrivateV4, MetadataV4 and ULAV6 are in blocked ranges.
	PrivateV4  = netip.MustParseAddr("10.77.0.2")
	MetadataV4 = netip.MustParseAddr("169.254.169.254")
	ULAV6      = netip.MustParseAddr("fd00:77::2")
)

// Network is a client and a server netns joined by a veth pair.
type Network struct {
	Client, Server         string // netns names
	ClientPath, ServerPath string // their /run/netns paths

	mu      sync.Mutex
	closers []func() error
}

// New creates the two namespaces and their link. Both loopbacks are up.
func New() (*Network, error) {
	id := randomHex(4)
	n := &Network{Client: Prefix + id + "-c", Server: Prefix + id + "-s"}
	n.ClientPath, n.ServerPath = "/run/netns/"+n.Client, "/run/netns/"+n.Server
	if err := n.build(id); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

func (n *Network) build(id string) error {
	for _, name := range []string{n.Client, n.Server} {
		if err := ip("netns", "add", name); err != nil {
			return err
		}
		n.onClose(func() error { return ip("netns", "del", name) })
	}
	cif, sif := "agt"+id+"c", "agt"+id+"s"
	steps := [][]string{
		{"link", "add", cif, "netns", n.Client, "type", "veth", "peer", "name", sif, "netns", n.Server},
	}
	steps = append(steps, n.clientSteps(cif)...)
	steps = append(steps, n.serverSteps(sif)...)
	for _, s := range steps {
		if err := ip(s...); err != nil {
			return err
		}
	}
	return nil
}

func (n *Network) clientSteps(dev string) [][]string {
	c := []string{"-n", n.Client}
	return [][]string{
		append(c, "link", "set", "lo", "up"),
		append(c, "link", "set", dev, "up"),
		append(c, "addr", "add", ClientV4.String()+"/24", "dev", dev),
		append(c, "addr", "add", ClientV6.String()+"/64", "dev", dev, "nodad"),
		append(c, "route", "add", PrivateV4.String()+"/32", "dev", dev),
		append(c, "route", "add", MetadataV4.String()+"/32", "dev", dev),
		append(c, "route", "add", ULAV6.String()+"/128", "dev", dev),
	}
}

func (n *Network) serverSteps(dev string) [][]string {
	s := []string{"-n", n.Server}
	steps := [][]string{
		append(s, "link", "set", "lo", "up"),
		append(s, "link", "set", dev, "up"),
	}
	for _, a := range []netip.Addr{ServerV4, OtherV4, DNSV4, RogueDNSV4} {
		steps = append(steps, append(s, "addr", "add", a.String()+"/24", "dev", dev))
	}
	for _, a := range []netip.Addr{PrivateV4, MetadataV4} {
		steps = append(steps, append(s, "addr", "add", a.String()+"/32", "dev", dev))
	}
	for _, a := range []netip.Addr{ServerV6, OtherV6, DNSV6} {
		steps = append(steps, append(s, "addr", "add", a.String()+"/64", "dev", dev, "nodad"))
	}
	return append(steps, append(s, "addr", "add", ULAV6.String()+"/128", "dev", dev, "nodad"))
}

func ip(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (n *Network) onClose(f func() error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.closers = append(n.closers, f)
}

// Close stops the servers and removes both namespaces (the veth pair goes
// with them).
func (n *Network) Close() error {
	n.mu.Lock()
	fs := n.closers
	n.closers = nil
	n.mu.Unlock()
	var errs []error
	for i := len(fs) - 1; i >= 0; i-- {
		errs = append(errs, fs[i]())
	}
	return errors.Join(errs...)
}

// Dial connects from inside the netns at path.
func Dial(ctx context.Context, path, network, addr string) (net.Conn, error) {
	var c net.Conn
	err := netns.DoPath(path, func() error {
		var d net.Dialer
		var err error
		c, err = d.DialContext(ctx, network, addr)
		return err
	})
	return c, err
}

// DialClient connects from the client netns.
func (n *Network) DialClient(ctx context.Context, network, addr string) (net.Conn, error) {
	return Dial(ctx, n.ClientPath, network, addr)
}

// Listen listens inside the netns at path; Close closes the listener.
func (n *Network) Listen(path, network, addr string) (net.Listener, error) {
	var l net.Listener
	err := netns.DoPath(path, func() error {
		var err error
		l, err = net.Listen(network, addr)
		return err
	})
	if err == nil {
		n.onClose(func() error { l.Close(); return nil })
	}
	return l, err
}

// ListenPacket is Listen for datagram sockets.
func (n *Network) ListenPacket(path, network, addr string) (net.PacketConn, error) {
	var pc net.PacketConn
	err := netns.DoPath(path, func() error {
		var err error
		pc, err = net.ListenPacket(network, addr)
		return err
	})
	if err == nil {
		n.onClose(func() error { pc.Close(); return nil })
	}
	return pc, err
}
