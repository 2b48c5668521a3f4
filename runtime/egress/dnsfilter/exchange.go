package dnsfilter

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// DialFunc opens a connection to a DNS server; network is "udp" or "tcp".
// The filter's dial functions create their sockets inside the container's
// netns, marked so that the firewall lets them pass.
type DialFunc func(ctx context.Context, network string, server netip.AddrPort) (net.Conn, error)

// maxMessage is the largest DNS message over TCP (and the read buffer for
// UDP, where EDNS may raise the size above 512 bytes).
const maxMessage = 65535

// errIDMismatch is a reply that answers another question.
var errIDMismatch = errors.New("reply id does not match the query")

// Exchange sends query to the server at the other end of conn and returns
// the reply whose id matches. Over TCP the messages carry the two-byte
// length prefix of RFC 1035 section 4.2.2. The deadline comes from ctx.
func Exchange(ctx context.Context, conn net.Conn, query []byte) ([]byte, error) {
	if len(query) < 2 {
		return nil, errors.New("dns query too short")
	}
	if d, ok := ctx.Deadline(); ok {
		if err := conn.SetDeadline(d); err != nil {
			return nil, err
		}
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, ok := conn.(net.PacketConn); ok {
		return exchangeUDP(conn, query)
	}
	return exchangeTCP(conn, query)
}

func exchangeUDP(conn net.Conn, query []byte) ([]byte, error) {
	if _, err := conn.Write(query); err != nil {
		return nil, err
	}
	buf := make([]byte, maxMessage)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, err
		}
		// A stray datagram for an older question is skipped, not taken
		// for the answer (a connected socket only sees its server).
		if n >= 2 && buf[0] == query[0] && buf[1] == query[1] {
			return append([]byte(nil), buf[:n]...), nil
		}
	}
}

func exchangeTCP(conn net.Conn, query []byte) ([]byte, error) {
	if err := WriteTCPMessage(conn, query); err != nil {
		return nil, err
	}
	reply, err := ReadTCPMessage(conn)
	if err != nil {
		return nil, err
	}
	if len(reply) < 2 || reply[0] != query[0] || reply[1] != query[1] {
		return nil, errIDMismatch
	}
	return reply, nil
}

// ReadTCPMessage reads one length-prefixed DNS message.
func ReadTCPMessage(r io.Reader) ([]byte, error) {
	var l [2]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return nil, err
	}
	msg := make([]byte, binary.BigEndian.Uint16(l[:]))
	if _, err := io.ReadFull(r, msg); err != nil {
		return nil, err
	}
	return msg, nil
}

// WriteTCPMessage writes msg with its length prefix, in one write.
func WriteTCPMessage(w io.Writer, msg []byte) error {
	if len(msg) > maxMessage {
		return fmt.Errorf("dns message of %d bytes too long for tcp", len(msg))
	}
	buf := make([]byte, 2+len(msg))
	binary.BigEndian.PutUint16(buf, uint16(len(msg)))
	copy(buf[2:], msg)
	_, err := w.Write(buf)
	return err
}

// NewQuery builds a recursive query for name (with or without the final
// dot) and type t, with a random id.
func NewQuery(name string, t dnsmessage.Type) ([]byte, error) {
	return NewQueryClass(name, t, dnsmessage.ClassINET)
}

// NewQueryClass is NewQuery for class c.
func NewQueryClass(name string, t dnsmessage.Type, c dnsmessage.Class) ([]byte, error) {
	n, err := dnsmessage.NewName(fqdn(name))
	if err != nil {
		return nil, fmt.Errorf("dns name %q: %w", name, err)
	}
	m := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: randomID(), RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: n, Type: t, Class: c}},
	}
	return m.Pack()
}

func fqdn(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

// randomID returns an unpredictable message id, so that an off-path
// sender cannot guess it (RFC 5452).
func randomID() uint16 {
	var b [2]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return binary.BigEndian.Uint16(b[:])
}

// Result is what Lookup learnt: the reply's rcode and its addresses.
type Result struct {
	RCode dnsmessage.RCode
	Addrs []Address
}

// Lookup asks server for the records of type t of name, over UDP and
// again over TCP when the UDP reply is truncated. Addresses are those of
// the CNAME chain that starts at name.
func Lookup(ctx context.Context, dial DialFunc, server netip.AddrPort, name string, t dnsmessage.Type) (*Result, error) {
	query, err := NewQuery(name, t)
	if err != nil {
		return nil, err
	}
	reply, err := exchangeOver(ctx, dial, "udp", server, query)
	if err == nil && truncated(reply) {
		reply, err = exchangeOver(ctx, dial, "tcp", server, query)
	}
	if err != nil {
		return nil, fmt.Errorf("ask %s for %q: %w", server, name, err)
	}
	var m dnsmessage.Message
	if err := m.Unpack(reply); err != nil {
		return nil, fmt.Errorf("reply of %s for %q: %w", server, name, err)
	}
	return &Result{RCode: m.Header.RCode, Addrs: chainAddresses(&m, canonical(name))}, nil
}

func exchangeOver(ctx context.Context, dial DialFunc, network string, server netip.AddrPort, query []byte) ([]byte, error) {
	conn, err := dial(ctx, network, server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return Exchange(ctx, conn, query)
}

// truncated reports the TC bit of a reply.
func truncated(reply []byte) bool {
	return len(reply) > 2 && reply[2]&0x02 != 0
}
