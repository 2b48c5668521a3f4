package dnsfilter

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// ProbeName is the CHAOS-class TXT name the filter answers itself, with
// ProbeText, so that agentrt can check the filter is live.
const (
	ProbeName = "id.agentrt."
	ProbeText = "agentrt-dns-filter"
)

// Handle answers one question. It returns nil when the message deserves no
// reply at all (not a query, or too broken to carry an id).
func (s *Server) Handle(ctx context.Context, query []byte, viaTCP bool) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil || h.Response {
		return nil
	}
	q, err := p.Question()
	if err != nil {
		return reply(h, nil, dnsmessage.RCodeFormatError)
	}
	if _, err := p.Question(); !errors.Is(err, dnsmessage.ErrSectionDone) {
		return reply(h, &q, dnsmessage.RCodeFormatError)
	}
	if h.OpCode != 0 {
		return reply(h, &q, dnsmessage.RCodeNotImplemented)
	}
	if q.Class == dnsmessage.ClassCHAOS {
		return probeReply(h, q)
	}
	name := canonical(q.Name.String())
	rules := s.cfg.Match(name)
	if len(rules) == 0 {
		s.cfg.Log(Event{Name: name, Type: q.Type.String(), Decision: "denied", Detail: "not in the allowlist"})
		return reply(h, &q, dnsmessage.RCodeNameError)
	}
	return s.resolve(ctx, h, q, query, rules, viaTCP)
}

// resolve forwards an allowed question, screens the reply and feeds the
// firewall before the client sees the reply.
func (s *Server) resolve(ctx context.Context, h dnsmessage.Header, q dnsmessage.Question, query []byte, rules []int, viaTCP bool) []byte {
	name := canonical(q.Name.String())
	up, err := s.forward(ctx, query, viaTCP)
	if err != nil {
		s.cfg.Log(Event{Name: name, Type: q.Type.String(), Decision: "upstream-failed", Detail: err.Error()})
		return reply(h, &q, dnsmessage.RCodeServerFailure)
	}
	var m dnsmessage.Message
	if err := m.Unpack(up); err != nil || !sameQuestion(m.Questions, q) {
		s.cfg.Log(Event{Name: name, Type: q.Type.String(), Decision: "upstream-failed", Detail: "malformed or mismatched reply"})
		return reply(h, &q, dnsmessage.RCodeServerFailure)
	}
	sc, rcode := s.screenAndAllow(ctx, &m, q, rules)
	if rcode != dnsmessage.RCodeSuccess {
		return reply(h, &q, rcode)
	}
	if !sc.changed {
		// Unchanged replies go back byte for byte, with the client's id.
		up[0], up[1] = byte(h.ID>>8), byte(h.ID)
		return up
	}
	m.Header.ID = h.ID
	out, err := m.Pack()
	if err != nil {
		return reply(h, &q, dnsmessage.RCodeServerFailure)
	}
	return out
}

// screenAndAllow takes the blocked addresses out of m and feeds the
// firewall with the others. A failure is the rcode to answer with.
func (s *Server) screenAndAllow(ctx context.Context, m *dnsmessage.Message, q dnsmessage.Question, rules []int) (screened, dnsmessage.RCode) {
	name := canonical(q.Name.String())
	sc := screen(m, name, s.cfg.Blocked, s.cfg.MaxTTL)
	if len(sc.blocked) > 0 {
		s.cfg.Log(Event{Name: name, Type: q.Type.String(), Decision: "rebinding",
			Detail: fmt.Sprintf("answer names blocked addresses %v", sc.blocked)})
		if len(sc.allowed) == 0 {
			return sc, dnsmessage.RCodeRefused
		}
	}
	if len(sc.allowed) > 0 {
		if err := s.cfg.Allow(ctx, rules, s.clampTTLs(sc.allowed)); err != nil {
			s.cfg.Log(Event{Name: name, Type: q.Type.String(), Decision: "upstream-failed", Detail: "firewall: " + err.Error()})
			return sc, dnsmessage.RCodeServerFailure
		}
	}
	return sc, dnsmessage.RCodeSuccess
}

func (s *Server) clampTTLs(in []Address) []Address {
	out := make([]Address, len(in))
	for i, a := range in {
		a.TTL = min(max(a.TTL, s.cfg.MinTTL), s.cfg.MaxTTL)
		out[i] = a
	}
	return out
}

// forward asks the upstreams in turn, each with a fresh id, and returns
// the first reply, over the transport the client used: a truncated UDP
// reply goes back as is, and the client asks again over TCP.
func (s *Server) forward(ctx context.Context, query []byte, viaTCP bool) ([]byte, error) {
	if len(s.cfg.Upstreams) == 0 {
		return nil, errors.New("no upstream resolver")
	}
	q := append([]byte(nil), query...)
	var errs []error
	for _, up := range s.cfg.Upstreams {
		id := randomID()
		q[0], q[1] = byte(id>>8), byte(id)
		network := "udp"
		if viaTCP {
			network = "tcp"
		}
		r, err := s.ask(ctx, network, up, q)
		if err == nil {
			return r, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", up, err))
	}
	return nil, errors.Join(errs...)
}

func (s *Server) ask(ctx context.Context, network string, up netip.AddrPort, q []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	return exchangeOver(ctx, s.cfg.Dial, network, up, q)
}

// sameQuestion reports whether a reply answers question q.
func sameQuestion(qs []dnsmessage.Question, q dnsmessage.Question) bool {
	return len(qs) == 1 && qs[0].Type == q.Type && qs[0].Class == q.Class &&
		canonical(qs[0].Name.String()) == canonical(q.Name.String())
}

// reply builds an answerless reply with rcode to a query with header h.
func reply(h dnsmessage.Header, q *dnsmessage.Question, rcode dnsmessage.RCode) []byte {
	m := dnsmessage.Message{Header: dnsmessage.Header{
		ID: h.ID, Response: true, OpCode: h.OpCode,
		RecursionDesired: h.RecursionDesired, RecursionAvailable: true, RCode: rcode,
	}}
	if q != nil {
		m.Questions = []dnsmessage.Question{*q}
	}
	out, err := m.Pack()
	if err != nil {
		return nil
	}
	return out
}

// probeReply answers the liveness probe, and refuses other CHAOS names
// (such as version.bind) so that they say nothing about the filter.
func probeReply(h dnsmessage.Header, q dnsmessage.Question) []byte {
	if q.Type != dnsmessage.TypeTXT || canonical(q.Name.String()) != canonical(ProbeName) {
		return reply(h, &q, dnsmessage.RCodeRefused)
	}
	m := dnsmessage.Message{
		Header: dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true,
			RecursionDesired: h.RecursionDesired, RecursionAvailable: true},
		Questions: []dnsmessage.Question{q},
		Answers: []dnsmessage.Resource{{
			Header: dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeTXT, Class: dnsmessage.ClassCHAOS},
			Body:   &dnsmessage.TXTResource{TXT: []string{ProbeText}},
		}},
	}
	out, err := m.Pack()
	if err != nil {
		return nil
	}
	return out
}

// Probe asks the filter at server, over a connection from dial, whether
// it is live.
func Probe(ctx context.Context, dial DialFunc, server netip.AddrPort) error {
	query, err := NewQueryClass(ProbeName, dnsmessage.TypeTXT, dnsmessage.ClassCHAOS)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	r, err := exchangeOver(ctx, dial, "udp", server, query)
	if err != nil {
		return fmt.Errorf("probe dns filter at %s: %w", server, err)
	}
	var m dnsmessage.Message
	if err := m.Unpack(r); err != nil || len(m.Answers) != 1 {
		return fmt.Errorf("probe dns filter at %s: unexpected reply", server)
	}
	if t, ok := m.Answers[0].Body.(*dnsmessage.TXTResource); !ok || len(t.TXT) != 1 || t.TXT[0] != ProbeText {
		return fmt.Errorf("probe dns filter at %s: not agentrt's filter", server)
	}
	return nil
}
