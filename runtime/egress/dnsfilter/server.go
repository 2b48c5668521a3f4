package dnsfilter

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Defaults of Config.
const (
	// DefaultMinTTL is the floor of the time an answered address stays
	// allowed. Records with shorter TTLs (CDNs use 0-20 s) would otherwise
	// expire between the answer and the connect of a slow client, or
	// between the happy-eyeballs attempts of one connect.
	DefaultMinTTL = 30 * time.Second
	// DefaultMaxTTL caps the time an address stays allowed, and the TTL
	// clients see, so that a bogus TTL cannot allow an address for years.
	DefaultMaxTTL = 24 * time.Hour
	// DefaultTimeout bounds one question to one upstream resolver.
	DefaultTimeout = 2 * time.Second

	maxInflight = 256 // UDP questions answered at once
	maxTCPConns = 64  // TCP clients served at once
	tcpIdle     = 10 * time.Second
)

// Config is what a Server needs to know of the policy and the world.
type Config struct {
	// Match returns the indexes of the allowlist entries whose host
	// matches name (lower case, no final dot); none means denied.
	Match func(name string) []int
	// Blocked reports whether an address in an answer must be removed.
	Blocked func(netip.Addr) bool
	// Allow feeds the firewall with the addresses an answer gave for the
	// entries rules. Each TTL is already within [MinTTL, MaxTTL].
	Allow func(ctx context.Context, rules []int, addrs []Address) error
	// Upstreams are asked in order until one answers.
	Upstreams []netip.AddrPort
	// Dial opens connections to upstreams.
	Dial DialFunc
	// Log, if set, is told every decision that is not a plain forward.
	Log func(Event)
	// MinTTL, MaxTTL and Timeout default to DefaultMinTTL, DefaultMaxTTL
	// and DefaultTimeout.
	MinTTL, MaxTTL, Timeout time.Duration
}

// Event is a decision worth logging.
type Event struct {
	Name     string // question name, canonical
	Type     string // question type, such as "TypeA"
	Decision string // "denied", "rebinding" or "upstream-failed"
	Detail   string
}

// Server answers DNS questions by the policy in its Config.
type Server struct {
	cfg      Config
	inflight chan struct{}
	tcpConns chan struct{}
	wg       sync.WaitGroup
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	if cfg.MinTTL <= 0 {
		cfg.MinTTL = DefaultMinTTL
	}
	if cfg.MaxTTL <= 0 {
		cfg.MaxTTL = DefaultMaxTTL
	}
	cfg.MaxTTL = max(cfg.MaxTTL, cfg.MinTTL)
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Log == nil {
		cfg.Log = func(Event) {}
	}
	return &Server{
		cfg:      cfg,
		inflight: make(chan struct{}, maxInflight),
		tcpConns: make(chan struct{}, maxTCPConns),
	}
}

// ServeUDP answers the questions that arrive on conn until ctx ends or
// conn fails. Questions are answered concurrently; beyond maxInflight a
// question is dropped, and the client asks again.
func (s *Server) ServeUDP(ctx context.Context, conn net.PacketConn) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	buf := make([]byte, maxMessage)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			s.wg.Wait()
			return ignoreClosed(ctx, err)
		}
		select {
		case s.inflight <- struct{}{}:
		default:
			continue
		}
		query := append([]byte(nil), buf[:n]...)
		s.wg.Add(1)
		go func() {
			defer func() { <-s.inflight; s.wg.Done() }()
			if reply := s.Handle(ctx, query, false); reply != nil {
				conn.WriteTo(reply, from)
			}
		}()
	}
}

// ServeTCP answers the questions of the clients that connect to l until
// ctx ends or l fails.
func (s *Server) ServeTCP(ctx context.Context, l net.Listener) error {
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	for {
		c, err := l.Accept()
		if err != nil {
			s.wg.Wait()
			return ignoreClosed(ctx, err)
		}
		select {
		case s.tcpConns <- struct{}{}:
		default:
			c.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer func() { <-s.tcpConns; s.wg.Done() }()
			s.serveTCPConn(ctx, c)
		}()
	}
}

// serveTCPConn answers the questions of one client in turn, until it is
// idle for tcpIdle.
func (s *Server) serveTCPConn(ctx context.Context, c net.Conn) {
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	for {
		c.SetDeadline(time.Now().Add(tcpIdle))
		query, err := ReadTCPMessage(c)
		if err != nil {
			return
		}
		reply := s.Handle(ctx, query, true)
		if reply == nil {
			return
		}
		c.SetDeadline(time.Now().Add(tcpIdle))
		if WriteTCPMessage(c, reply) != nil {
			return
		}
	}
}

func ignoreClosed(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
