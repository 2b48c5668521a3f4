package egress

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/runtime/egress/dnsfilter"
	"github.com/agentrt/agentrt/runtime/egress/egresstest"
)

var (
	srv4   = egresstest.ServerV4
	srv6   = egresstest.ServerV6
	other4 = egresstest.OtherV4
	other6 = egresstest.OtherV6
	dns4   = egresstest.DNSV4
)

// TestAllowlistWithDNSFilter drives one container netns through its
// allowlist: names, ports, protocols, both families, and the DNS filter.
func TestAllowlistWithDNSFilter(t *testing.T) {
	e := newEnv(t,
		"api.test:80/tcp", "api.test:5000/udp", "short.test:83/tcp", "evil.test:80",
		"mixed.test:80/tcp", "*.wild.test:82/tcp", "192.0.2.2:8080/tcp", "[2001:db8::3]:80/tcp")
	st := e.setup()
	if !st.Applicable || st.Mode != policy.EgressAllowlist || st.DNS != policy.DNSFilter || st.FilterPID == 0 {
		t.Fatalf("Status: got %+v, want an applicable allowlist with a dns filter", st)
	}
	if err := Verify(e.opts.NetnsPath, e.opts.Network); err != nil {
		t.Fatalf("Verify: %v", err)
	}

	t.Run("allowed name and port", func(t *testing.T) {
		r := e.lookup(dns4, "api.test", dnsmessage.TypeA)
		if got := addrsOf(r); !slices.Equal(got, []string{srv4.String()}) {
			t.Fatalf("A api.test: got %v, want [%s]", got, srv4)
		}
		e.assertTCPWorks(addr(srv4, 80))
	})
	t.Run("port not allowed", func(t *testing.T) { e.assertTCPRefused(addr(srv4, 81)) })
	t.Run("address not allowed", func(t *testing.T) { e.assertTCPRefused(addr(other4, 80)) })
	t.Run("ipv6 name and port", func(t *testing.T) {
		r := e.lookup(dns4, "api.test", dnsmessage.TypeAAAA)
		if got := addrsOf(r); !slices.Equal(got, []string{srv6.String()}) {
			t.Fatalf("AAAA api.test: got %v, want [%s]", got, srv6)
		}
		e.assertTCPWorks(addr(srv6, 80))
		e.assertTCPRefused(addr(srv6, 81))
	})
	t.Run("ipv6 cidr", func(t *testing.T) {
		e.assertTCPWorks(addr(other6, 80))
		e.assertTCPRefused(addr(egresstest.ULAV6, 80))
	})
	t.Run("udp allowed and refused", func(t *testing.T) {
		e.lookup(dns4, "api.test", dnsmessage.TypeA)
		e.lookup(dns4, "api.test", dnsmessage.TypeAAAA)
		e.assertUDPWorks(addr(srv4, 5000))
		e.assertUDPWorks(addr(srv6, 5000))
		e.assertUDPRefused(addr(srv4, 5001))
		// api.test:80 is TCP only.
		e.assertUDPRefused(addr(srv4, 80))
	})
	t.Run("http by cidr and port", func(t *testing.T) { e.assertHTTP(addr(srv4, 8080)) })
	t.Run("name outside the allowlist", func(t *testing.T) {
		before := e.upstream.Queries.Load()
		for _, qt := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA, dnsmessage.TypeTXT, dnsmessage.TypeMX} {
			if r := e.lookup(dns4, "other.test", qt); r.RCode != dnsmessage.RCodeNameError || len(r.Addrs) > 0 {
				t.Errorf("%v other.test: got %v %v, want NXDOMAIN", qt, r.RCode, addrsOf(r))
			}
		}
		if got := e.upstream.Queries.Load() - before; got != 0 {
			t.Errorf("upstream questions for a denied name: got %d, want 0", got)
		}
	})
	t.Run("question to another server is answered by the filter", func(t *testing.T) {
		r := e.lookup(egresstest.RogueDNSV4, "api.test", dnsmessage.TypeA)
		if got := addrsOf(r); !slices.Equal(got, []string{srv4.String()}) {
			t.Fatalf("A api.test at the rogue server: got %v, want the upstream's [%s]", got, srv4)
		}
		if r := e.lookup(egresstest.DNSV6, "other.test", dnsmessage.TypeA); r.RCode != dnsmessage.RCodeNameError {
			t.Fatalf("A other.test at an IPv6 server: got %v, want NXDOMAIN", r.RCode)
		}
		if got := e.rogue.Queries.Load(); got != 0 {
			t.Fatalf("questions reaching the rogue server: got %d, want 0", got)
		}
	})
	t.Run("dns over tcp", func(t *testing.T) { e.assertTCPLookup(egresstest.RogueDNSV4, "api.test") })
	t.Run("dns over tls refused", func(t *testing.T) { e.assertTCPRefused(addr(srv4, 853)) })
	t.Run("rebinding refused", func(t *testing.T) {
		for _, qt := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA} {
			if r := e.lookup(dns4, "evil.test", qt); r.RCode != dnsmessage.RCodeRefused || len(r.Addrs) > 0 {
				t.Errorf("%v evil.test: got %v %v, want REFUSED", qt, r.RCode, addrsOf(r))
			}
		}
		if got := e.setElements("host3_v4"); len(got) != 0 {
			t.Errorf("set of evil.test: got %v, want empty", got)
		}
	})
	t.Run("mixed answer keeps the public address", func(t *testing.T) {
		r := e.lookup(dns4, "mixed.test", dnsmessage.TypeA)
		if got := addrsOf(r); r.RCode != dnsmessage.RCodeSuccess || !slices.Equal(got, []string{srv4.String()}) {
			t.Fatalf("A mixed.test: got %v %v, want NOERROR [%s]", r.RCode, got, srv4)
		}
	})
	t.Run("wildcard", func(t *testing.T) {
		e.assertTCPRefused(addr(srv4, 82))
		e.lookup(dns4, "a.wild.test", dnsmessage.TypeA)
		e.assertTCPWorks(addr(srv4, 82))
		if r := e.lookup(dns4, "wild.test", dnsmessage.TypeA); r.RCode != dnsmessage.RCodeNameError {
			t.Errorf("A wild.test: got %v, want NXDOMAIN (a wildcard needs one more label)", r.RCode)
		}
	})
	t.Run("address expires with its ttl", func(t *testing.T) {
		e.lookup(dns4, "short.test", dnsmessage.TypeA)
		e.assertTCPWorks(addr(srv4, 83))
		c, err := e.net.DialClient(context.Background(), "tcp", addr(srv4, 83))
		must(t, err)
		defer c.Close()
		time.Sleep(1500 * time.Millisecond) // TTL 1 s, test floor 1 s
		e.assertTCPRefused(addr(srv4, 83))
		echo(t, c, addr(srv4, 83)) // an established connection outlives it
	})
	t.Run("denials counted", func(t *testing.T) {
		d, err := Denials(e.opts.NetnsPath)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []netip.Addr{srv4, other4, srv6, egresstest.ULAV6} {
			if d[a.String()] == 0 {
				t.Errorf("denials of %s: got 0, want > 0 (all: %v)", a, d)
			}
		}
	})
	t.Run("audit log", func(t *testing.T) {
		b, err := os.ReadFile(e.opts.AuditLog)
		if err != nil || !bytes.Contains(b, []byte(`other.test`)) || !bytes.Contains(b, []byte(`"event":"denied"`)) {
			t.Fatalf("audit log: got %q, %v, want a denial of other.test", b, err)
		}
	})
}

func (e *env) assertHTTP(a string) {
	e.t.Helper()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			return e.net.DialClient(ctx, network, a)
		},
	}}
	resp, err := client.Get("http://" + a + "/")
	if err != nil {
		e.t.Fatalf("GET %s: %v", a, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "hello from the server netns" {
		e.t.Fatalf("GET %s: got %d %q, want 200 and the server's body", a, resp.StatusCode, body)
	}
}

// assertTCPLookup asks over TCP, which the redirect also sends to the
// filter.
func (e *env) assertTCPLookup(server netip.Addr, name string) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := e.net.DialClient(ctx, "tcp", addr(server, 53))
	if err != nil {
		e.t.Fatalf("dns over tcp to %s: %v", server, err)
	}
	defer c.Close()
	q, err := dnsfilter.NewQuery(name, dnsmessage.TypeA)
	must(e.t, err)
	reply, err := dnsfilter.Exchange(ctx, c, q)
	must(e.t, err)
	var m dnsmessage.Message
	must(e.t, m.Unpack(reply))
	if len(m.Answers) != 1 || m.Header.RCode != dnsmessage.RCodeSuccess {
		e.t.Fatalf("dns over tcp for %q: got %v with %d answers, want one answer", name, m.Header.RCode, len(m.Answers))
	}
}

// setElements lists a set of the client netns through netlink.
func (e *env) setElements(name string) []string {
	e.t.Helper()
	nsf := openNetns(e.t, e.opts.NetnsPath)
	defer nsf.Close()
	c, err := connIn(nsf)
	must(e.t, err)
	s, err := c.GetSetByName(agentrtTable(), name)
	must(e.t, err)
	elems, err := c.GetSetElements(s)
	must(e.t, err)
	var out []string
	for _, el := range elems {
		a, _ := netip.AddrFromSlice(el.Key)
		out = append(out, a.String())
	}
	return out
}
