package dnsfilter

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// fakeUpstream answers from a table of records over UDP and TCP on the
// loopback, and counts the questions it got.
type fakeUpstream struct {
	records map[string][]dnsmessage.Resource
	asked   atomic.Int64
	addr    netip.AddrPort
}

func a(name string, ip string, ttl uint32) dnsmessage.Resource {
	return dnsmessage.Resource{
		Header: dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(name), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: ttl},
		Body:   &dnsmessage.AResource{A: netip.MustParseAddr(ip).As4()},
	}
}

func aaaa(name string, ip string, ttl uint32) dnsmessage.Resource {
	return dnsmessage.Resource{
		Header: dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(name), Type: dnsmessage.TypeAAAA, Class: dnsmessage.ClassINET, TTL: ttl},
		Body:   &dnsmessage.AAAAResource{AAAA: netip.MustParseAddr(ip).As16()},
	}
}

func cname(name, target string, ttl uint32) dnsmessage.Resource {
	return dnsmessage.Resource{
		Header: dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName(name), Type: dnsmessage.TypeCNAME, Class: dnsmessage.ClassINET, TTL: ttl},
		Body:   &dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName(target)},
	}
}

func startUpstream(t *testing.T, records map[string][]dnsmessage.Resource) *fakeUpstream {
	t.Helper()
	u := &fakeUpstream{records: records}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u.addr = pc.LocalAddr().(*net.UDPAddr).AddrPort()
	l, err := net.Listen("tcp4", u.addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close(); l.Close() })
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(u.answer(buf[:n]), from)
		}
	}()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			q, _ := ReadTCPMessage(c)
			WriteTCPMessage(c, u.answer(q))
			c.Close()
		}
	}()
	return u
}

func (u *fakeUpstream) answer(q []byte) []byte {
	u.asked.Add(1)
	var m dnsmessage.Message
	if m.Unpack(q) != nil {
		return nil
	}
	m.Header.Response, m.Header.RecursionAvailable = true, true
	rrs, ok := u.records[strings.ToLower(m.Questions[0].Name.String())]
	if !ok {
		m.Header.RCode = dnsmessage.RCodeNameError
	}
	for _, rr := range rrs {
		if rr.Header.Type == m.Questions[0].Type || rr.Header.Type == dnsmessage.TypeCNAME {
			m.Answers = append(m.Answers, rr)
		}
	}
	out, _ := m.Pack()
	return out
}

// allowed records what the server fed the firewall.
type allowed struct {
	mu    sync.Mutex
	rules [][]int
	addrs [][]Address
	err   error
}

func (al *allowed) allow(_ context.Context, rules []int, addrs []Address) error {
	al.mu.Lock()
	defer al.mu.Unlock()
	al.rules = append(al.rules, rules)
	al.addrs = append(al.addrs, addrs)
	return al.err
}

func newTestServer(u *fakeUpstream, al *allowed) *Server {
	var d net.Dialer
	return New(Config{
		Match: func(name string) []int {
			switch name {
			case "api.test", "cdn.test", "evil.test", "mixed.test", "long.test":
				return []int{0}
			case "down.test":
				return []int{1}
			}
			return nil
		},
		Blocked:   func(a netip.Addr) bool { return a.IsPrivate() || a.IsLoopback() },
		Allow:     al.allow,
		Upstreams: []netip.AddrPort{u.addr},
		Dial: func(ctx context.Context, network string, s netip.AddrPort) (net.Conn, error) {
			return d.DialContext(ctx, network, s.String())
		},
		MinTTL: 30 * time.Second, MaxTTL: time.Hour, Timeout: time.Second,
	})
}

var testRecords = map[string][]dnsmessage.Resource{
	"api.test.":   {a("api.test.", "192.0.2.1", 5), aaaa("api.test.", "2001:db8::1", 60)},
	"cdn.test.":   {cname("cdn.test.", "edge.example.", 60), a("edge.example.", "192.0.2.7", 120), a("unrelated.example.", "192.0.2.99", 120)},
	"evil.test.":  {a("evil.test.", "10.0.0.1", 60)},
	"mixed.test.": {a("mixed.test.", "192.0.2.2", 60), a("mixed.test.", "127.0.0.1", 60)},
	"long.test.":  {a("long.test.", "192.0.2.3", 86400*30)},
}

func ask(t *testing.T, s *Server, name string, qt dnsmessage.Type, viaTCP bool) *dnsmessage.Message {
	t.Helper()
	q, err := NewQuery(name, qt)
	if err != nil {
		t.Fatal(err)
	}
	reply := s.Handle(context.Background(), q, viaTCP)
	var m dnsmessage.Message
	if err := m.Unpack(reply); err != nil {
		t.Fatalf("reply for %q: %v", name, err)
	}
	if m.Header.ID != uint16(q[0])<<8|uint16(q[1]) || !m.Header.Response {
		t.Fatalf("reply for %q: got id %d response %v, want the query's id and a response", name, m.Header.ID, m.Header.Response)
	}
	return &m
}

func answerAddrs(m *dnsmessage.Message) []string {
	var out []string
	for _, rr := range m.Answers {
		if ad, ok := recordAddr(rr); ok {
			out = append(out, ad.String())
		}
	}
	return out
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name      string
		qname     string
		qtype     dnsmessage.Type
		tcp       bool
		rcode     dnsmessage.RCode
		answers   []string
		fed       []Address // nil: the firewall is not fed
		forwarded bool
	}{
		{name: "allowed, ttl raised to the floor", qname: "api.test", qtype: dnsmessage.TypeA, rcode: dnsmessage.RCodeSuccess,
			answers: []string{"192.0.2.1"}, fed: []Address{{netip.MustParseAddr("192.0.2.1"), 30 * time.Second}}, forwarded: true},
		{name: "allowed over tcp", qname: "api.test", qtype: dnsmessage.TypeAAAA, tcp: true, rcode: dnsmessage.RCodeSuccess,
			answers: []string{"2001:db8::1"}, fed: []Address{{netip.MustParseAddr("2001:db8::1"), time.Minute}}, forwarded: true},
		{name: "cname chain, strangers not fed", qname: "cdn.test", qtype: dnsmessage.TypeA, rcode: dnsmessage.RCodeSuccess,
			answers: []string{"192.0.2.7", "192.0.2.99"}, fed: []Address{{netip.MustParseAddr("192.0.2.7"), 2 * time.Minute}}, forwarded: true},
		{name: "denied name", qname: "secret.test", qtype: dnsmessage.TypeA, rcode: dnsmessage.RCodeNameError},
		{name: "denied name, any type", qname: "secret.test", qtype: dnsmessage.TypeTXT, rcode: dnsmessage.RCodeNameError},
		{name: "rebinding refused", qname: "evil.test", qtype: dnsmessage.TypeA, rcode: dnsmessage.RCodeRefused, forwarded: true},
		{name: "mixed answer keeps public", qname: "mixed.test", qtype: dnsmessage.TypeA, rcode: dnsmessage.RCodeSuccess,
			answers: []string{"192.0.2.2"}, fed: []Address{{netip.MustParseAddr("192.0.2.2"), time.Minute}}, forwarded: true},
		{name: "ttl capped", qname: "long.test", qtype: dnsmessage.TypeA, rcode: dnsmessage.RCodeSuccess,
			answers: []string{"192.0.2.3"}, fed: []Address{{netip.MustParseAddr("192.0.2.3"), time.Hour}}, forwarded: true},
		{name: "upstream nxdomain passes", qname: "down.test", qtype: dnsmessage.TypeA, rcode: dnsmessage.RCodeNameError, forwarded: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := startUpstream(t, testRecords)
			al := &allowed{}
			m := ask(t, newTestServer(u, al), tt.qname, tt.qtype, tt.tcp)
			if m.Header.RCode != tt.rcode {
				t.Fatalf("rcode: got %v, want %v", m.Header.RCode, tt.rcode)
			}
			if got := answerAddrs(m); !slices.Equal(got, tt.answers) {
				t.Errorf("answers: got %v, want %v", got, tt.answers)
			}
			if tt.fed == nil && len(al.addrs) > 0 {
				t.Errorf("firewall: got %v, want nothing fed", al.addrs)
			}
			if tt.fed != nil && (len(al.addrs) != 1 || !slices.Equal(al.addrs[0], tt.fed) || !slices.Equal(al.rules[0], []int{0})) {
				t.Errorf("firewall: got rules %v addrs %v, want rule [0] addrs %v", al.rules, al.addrs, tt.fed)
			}
			if got := u.asked.Load() > 0; got != tt.forwarded {
				t.Errorf("forwarded: got %v, want %v", got, tt.forwarded)
			}
		})
	}
}

func TestHandleCapsClientTTL(t *testing.T) {
	u := startUpstream(t, testRecords)
	m := ask(t, newTestServer(u, &allowed{}), "long.test", dnsmessage.TypeA, false)
	if len(m.Answers) != 1 || m.Answers[0].Header.TTL != 3600 {
		t.Fatalf("answers: got %+v, want one with TTL 3600", m.Answers)
	}
}

func TestHandleFailures(t *testing.T) {
	u := startUpstream(t, testRecords)
	al := &allowed{err: errors.New("netlink: no such set")}
	if m := ask(t, newTestServer(u, al), "api.test", dnsmessage.TypeA, false); m.Header.RCode != dnsmessage.RCodeServerFailure || len(m.Answers) != 0 {
		t.Errorf("firewall failure: got %v with %d answers, want SERVFAIL without answers", m.Header.RCode, len(m.Answers))
	}
	dead := &fakeUpstream{addr: netip.MustParseAddrPort("127.0.0.1:1")}
	if m := ask(t, newTestServer(dead, &allowed{}), "api.test", dnsmessage.TypeA, true); m.Header.RCode != dnsmessage.RCodeServerFailure {
		t.Errorf("upstream down: got %v, want SERVFAIL", m.Header.RCode)
	}
}

func TestHandleMalformed(t *testing.T) {
	s := newTestServer(startUpstream(t, testRecords), &allowed{})
	two := dnsmessage.Message{Header: dnsmessage.Header{ID: 7}, Questions: []dnsmessage.Question{
		{Name: dnsmessage.MustNewName("a.test."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET},
		{Name: dnsmessage.MustNewName("b.test."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET},
	}}
	notify := dnsmessage.Message{Header: dnsmessage.Header{ID: 8, OpCode: 4}, Questions: two.Questions[:1]}
	resp := dnsmessage.Message{Header: dnsmessage.Header{ID: 9, Response: true}, Questions: two.Questions[:1]}
	tests := []struct {
		name  string
		msg   dnsmessage.Message
		rcode dnsmessage.RCode
		none  bool
	}{
		{name: "two questions", msg: two, rcode: dnsmessage.RCodeFormatError},
		{name: "not a query", msg: notify, rcode: dnsmessage.RCodeNotImplemented},
		{name: "a response", msg: resp, none: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.msg.Pack()
			if err != nil {
				t.Fatal(err)
			}
			reply := s.Handle(context.Background(), b, false)
			if tt.none {
				if reply != nil {
					t.Fatalf("got a reply, want none")
				}
				return
			}
			var m dnsmessage.Message
			if err := m.Unpack(reply); err != nil || m.Header.RCode != tt.rcode {
				t.Fatalf("got %v (%v), want %v", m.Header.RCode, err, tt.rcode)
			}
		})
	}
	if s.Handle(context.Background(), []byte{1}, false) != nil {
		t.Error("garbage: got a reply, want none")
	}
}

func TestServeAndProbe(t *testing.T) {
	u := startUpstream(t, testRecords)
	s := newTestServer(u, &allowed{})
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().(*net.UDPAddr).AddrPort()
	l, err := net.Listen("tcp4", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- s.ServeUDP(ctx, pc) }()
	go func() { done <- s.ServeTCP(ctx, l) }()
	var d net.Dialer
	dial := func(ctx context.Context, network string, a netip.AddrPort) (net.Conn, error) {
		return d.DialContext(ctx, network, a.String())
	}
	if err := Probe(context.Background(), dial, addr); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	for _, network := range []string{"udp", "tcp"} {
		r, err := exchangeAndParse(dial, network, addr, "api.test")
		if err != nil || len(r) != 1 || r[0] != "192.0.2.1" {
			t.Errorf("A api.test over %s: got %v, %v, want [192.0.2.1]", network, r, err)
		}
	}
	if err := Probe(context.Background(), dial, u.addr); err == nil {
		t.Error("Probe of a plain resolver: got nil, want an error")
	}
	cancel()
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("serve after cancel: got %v, want nil", err)
		}
	}
}

func exchangeAndParse(dial DialFunc, network string, server netip.AddrPort, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	q, err := NewQuery(name, dnsmessage.TypeA)
	if err != nil {
		return nil, err
	}
	reply, err := exchangeOver(ctx, dial, network, server, q)
	if err != nil {
		return nil, err
	}
	var m dnsmessage.Message
	if err := m.Unpack(reply); err != nil {
		return nil, err
	}
	return answerAddrs(&m), nil
}

func TestLookupFollowsChain(t *testing.T) {
	u := startUpstream(t, testRecords)
	var d net.Dialer
	dial := func(ctx context.Context, network string, a netip.AddrPort) (net.Conn, error) {
		return d.DialContext(ctx, network, a.String())
	}
	r, err := Lookup(context.Background(), dial, u.addr, "CDN.test", dnsmessage.TypeA)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Addrs) != 1 || r.Addrs[0].Addr.String() != "192.0.2.7" || r.Addrs[0].TTL != 2*time.Minute {
		t.Fatalf("got %+v, want 192.0.2.7 for 2m0s", r.Addrs)
	}
}
