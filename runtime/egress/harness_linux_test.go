package egress

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/runtime/egress/dnsfilter"
	"github.com/agentrt/agentrt/runtime/egress/egresstest"
	"github.com/agentrt/agentrt/runtime/egress/netns"
)

// fast is how quickly a refused connection must fail: far below the 2 s
// the dial allows, so that a silent drop (a timeout) cannot pass.
const fast = 500 * time.Millisecond

// requireNetAdmin skips tests that build namespaces and program nftables
// when not root, except in CI, where a skip would hide a failure.
func requireNetAdmin(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		skipOrFail(t, "needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to create network namespaces and program nftables")
	}
	requireTool(t, "ip", "iproute2, to create network namespaces")
}

func requireTool(t *testing.T, name, why string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		skipOrFail(t, "needs the "+name+" command ("+why+")")
	}
}

func skipOrFail(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI=true does not allow skipping", reason)
	}
	t.Skip(reason)
}

// testZone is what the upstream DNS server (egresstest.DNSV4) knows.
var testZone = egresstest.Zone{
	"api.test":    {{Addr: egresstest.ServerV4, TTL: 300}, {Addr: egresstest.ServerV6, TTL: 300}},
	"other.test":  {{Addr: egresstest.OtherV4, TTL: 300}},
	"short.test":  {{Addr: egresstest.ServerV4, TTL: 1}},
	"evil.test":   {{Addr: egresstest.PrivateV4, TTL: 300}, {Addr: egresstest.ULAV6, TTL: 300}},
	"mixed.test":  {{Addr: egresstest.ServerV4, TTL: 300}, {Addr: egresstest.MetadataV4, TTL: 300}},
	"a.wild.test": {{Addr: egresstest.ServerV4, TTL: 300}},
}

// rogueZone is a DNS server the container must not be able to use.
var rogueZone = egresstest.Zone{"api.test": {{Addr: egresstest.OtherV4, TTL: 300}}}

// env is one test network with servers, and the Options for its client
// netns.
type env struct {
	t        *testing.T
	net      *egresstest.Network
	upstream *egresstest.DNSServer
	rogue    *egresstest.DNSServer
	opts     Options
	init     *exec.Cmd
}

func newEnv(t *testing.T, allow ...string) *env {
	t.Helper()
	requireNetAdmin(t)
	n, err := egresstest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("remove test network: %v", err)
		}
	})
	e := &env{t: t, net: n}
	e.startServers()
	dir := t.TempDir()
	resolv := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(resolv, []byte("nameserver "+egresstest.DNSV4.String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.init = e.startInit()
	e.opts = Options{
		ContainerID: "c1", NetnsPath: n.ClientPath, InitPID: e.init.Process.Pid,
		Network:    policy.Network{Egress: policy.EgressAllowlist, Allow: destinations(t, allow...)},
		ResolvConf: resolv, StateDir: mkdir(t, dir, "state"), RunDir: mkdir(t, dir, "run"),
		AuditLog: filepath.Join(dir, "audit.jsonl"), MinTTL: time.Second,
	}
	return e
}

func mkdir(t *testing.T, parts ...string) string {
	d := filepath.Join(parts...)
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

// startInit starts a process that plays the container's init: the DNS
// filter lives as long as it does.
func (e *env) startInit() *exec.Cmd {
	cmd := exec.Command("sleep", "3600")
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

func (e *env) startServers() {
	t, n := e.t, e.net
	v4 := []netip.Addr{egresstest.ServerV4, egresstest.OtherV4, egresstest.PrivateV4, egresstest.MetadataV4}
	v6 := []netip.Addr{egresstest.ServerV6, egresstest.OtherV6, egresstest.ULAV6}
	must(t, n.ServeTCPEcho(80, append(v4, v6...)...))
	for _, port := range []int{81, 82, 83, 853} {
		must(t, n.ServeTCPEcho(port, egresstest.ServerV4, egresstest.ServerV6))
	}
	must(t, n.ServeUDPEcho(5000, egresstest.ServerV4, egresstest.ServerV6))
	must(t, n.ServeUDPEcho(5001, egresstest.ServerV4))
	must(t, n.ServeHTTP(netip.AddrPortFrom(egresstest.ServerV4, 8080), "hello from the server netns"))
	var err error
	e.upstream, err = n.ServeDNS(n.ServerPath, egresstest.DNSV4, testZone)
	must(t, err)
	e.rogue, err = n.ServeDNS(n.ServerPath, egresstest.RogueDNSV4, rogueZone)
	must(t, err)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func destinations(t *testing.T, in ...string) []policy.Destination {
	var out []policy.Destination
	for _, s := range in {
		d, err := policy.ParseDestination(s)
		if err != nil {
			t.Fatalf("destination %q: %v", s, err)
		}
		out = append(out, d)
	}
	return out
}

func (e *env) setup() *Status {
	e.t.Helper()
	st, err := Setup(context.Background(), e.opts)
	if err != nil {
		e.t.Fatalf("Setup: %v", err)
	}
	e.t.Cleanup(func() { Teardown(e.opts.StateDir) })
	return st
}

func addr(a netip.Addr, port int) string { return netip.AddrPortFrom(a, uint16(port)).String() }

// assertTCPWorks connects from the client netns and gets its bytes echoed.
func (e *env) assertTCPWorks(a string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := e.net.DialClient(ctx, "tcp", a)
	if err != nil {
		e.t.Fatalf("connect to %s: got %v, want a connection", a, err)
	}
	defer c.Close()
	echo(e.t, c, a)
}

func echo(t *testing.T, c net.Conn, a string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatalf("write to %s: %v", a, err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("echo from %s: got %q, %v, want \"ping\"", a, buf, err)
	}
}

// assertTCPRefused checks that a connection fails with a reset, at once.
func (e *env) assertTCPRefused(a string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	c, err := e.net.DialClient(ctx, "tcp", a)
	took := time.Since(start)
	if err == nil {
		c.Close()
		e.t.Fatalf("connect to %s: got a connection, want it refused", a)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) || took > fast {
		e.t.Fatalf("connect to %s: got %v after %v, want connection refused within %v", a, err, took, fast)
	}
}

// assertUDPWorks sends a datagram and gets it echoed.
func (e *env) assertUDPWorks(a string) {
	e.t.Helper()
	c, err := e.net.DialClient(context.Background(), "udp", a)
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close()
	echo(e.t, c, a)
}

// assertUDPRefused checks that a datagram is refused at once: the send
// fails (EPERM from the output hook) or the ICMP error arrives.
func (e *env) assertUDPRefused(a string) {
	e.t.Helper()
	c, err := e.net.DialClient(context.Background(), "udp", a)
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	_, err = c.Write([]byte("ping"))
	if err == nil {
		_, err = c.Read(make([]byte, 16))
	}
	took := time.Since(start)
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) || took > fast {
		e.t.Fatalf("udp to %s: got %v after %v, want an error within %v", a, err, took, fast)
	}
}

// lookup asks server from the client netns.
func (e *env) lookup(server netip.Addr, name string, qt dnsmessage.Type) *dnsfilter.Result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	r, err := egresstest.Lookup(ctx, e.net.ClientPath, netip.AddrPortFrom(server, 53), name, qt)
	if err != nil {
		e.t.Fatalf("lookup %q at %s: %v", name, server, err)
	}
	return r
}

func addrsOf(r *dnsfilter.Result) []string {
	var out []string
	for _, a := range r.Addrs {
		out = append(out, a.Addr.String())
	}
	return out
}

// nft runs the nft binary in the client netns, to look at what is live.
func (e *env) nft(args ...string) string {
	e.t.Helper()
	requireTool(e.t, "nft", "nftables, to list the rules a test checks")
	out, err := exec.Command("ip", append([]string{"netns", "exec", e.net.Client, "nft"}, args...)...).CombinedOutput()
	if err != nil && !strings.Contains(string(out), "No such file") {
		e.t.Fatalf("nft %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func openNetns(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := netns.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
