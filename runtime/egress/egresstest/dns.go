package egresstest

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/agentrt/agentrt/runtime/egress/dnsfilter"
)

// Record is one A or AAAA record of a test zone.
type Record struct {
	Addr netip.Addr
	TTL  uint32
}

// Zone maps canonical names (lower case, no final dot) to their records.
type Zone map[string][]Record

// DNSServer is an authoritative-looking test server: it answers A and
// AAAA questions from its zone, NODATA for other types of known names, and
// NXDOMAIN for unknown names.
type DNSServer struct {
	Zone Zone
	// Queries counts the questions it received.
	Queries atomic.Int64
}

// ServeDNS starts a DNS server on addr (port 53 if none) over UDP and TCP
// inside the netns at path (the server netns, or the client netns for a
// resolver on the container's loopback such as Docker's 127.0.0.11).
func (n *Network) ServeDNS(path string, addr netip.Addr, zone Zone) (*DNSServer, error) {
	s := &DNSServer{Zone: zone}
	ap := netip.AddrPortFrom(addr, 53).String()
	pc, err := n.ListenPacket(path, "udp", ap)
	if err != nil {
		return nil, err
	}
	l, err := n.Listen(path, "tcp", ap)
	if err != nil {
		return nil, err
	}
	go s.serveUDP(pc)
	go acceptLoop(l, s.serveTCP)
	return s, nil
}

func (s *DNSServer) serveUDP(pc net.PacketConn) {
	buf := make([]byte, 65535)
	for {
		k, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		if reply := s.answer(buf[:k]); reply != nil {
			pc.WriteTo(reply, from)
		}
	}
}

func (s *DNSServer) serveTCP(c net.Conn) {
	for {
		q, err := dnsfilter.ReadTCPMessage(c)
		if err != nil {
			return
		}
		reply := s.answer(q)
		if reply == nil || dnsfilter.WriteTCPMessage(c, reply) != nil {
			return
		}
	}
}

func (s *DNSServer) answer(query []byte) []byte {
	var m dnsmessage.Message
	if err := m.Unpack(query); err != nil || len(m.Questions) != 1 {
		return nil
	}
	s.Queries.Add(1)
	q := m.Questions[0]
	m.Header.Response, m.Header.Authoritative, m.Header.RecursionAvailable = true, true, true
	m.Answers, m.Authorities, m.Additionals = nil, nil, nil
	recs, ok := s.Zone[strings.ToLower(strings.TrimSuffix(q.Name.String(), "."))]
	if !ok {
		m.Header.RCode = dnsmessage.RCodeNameError
	}
	for _, r := range recs {
		h := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: r.TTL}
		switch {
		case r.Addr.Is4() && q.Type == dnsmessage.TypeA:
			h.Type = dnsmessage.TypeA
			m.Answers = append(m.Answers, dnsmessage.Resource{Header: h, Body: &dnsmessage.AResource{A: r.Addr.As4()}})
		case r.Addr.Is6() && q.Type == dnsmessage.TypeAAAA:
			h.Type = dnsmessage.TypeAAAA
			m.Answers = append(m.Answers, dnsmessage.Resource{Header: h, Body: &dnsmessage.AAAAResource{AAAA: r.Addr.As16()}})
		}
	}
	out, err := m.Pack()
	if err != nil {
		return nil
	}
	return out
}

// Lookup asks server, from inside the netns at path, for name's records
// of type t.
func Lookup(ctx context.Context, path string, server netip.AddrPort, name string, t dnsmessage.Type) (*dnsfilter.Result, error) {
	dial := func(ctx context.Context, network string, a netip.AddrPort) (net.Conn, error) {
		return Dial(ctx, path, network, a.String())
	}
	return dnsfilter.Lookup(ctx, dial, server, name, t)
}
