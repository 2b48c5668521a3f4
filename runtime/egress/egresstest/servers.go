package egresstest

import (
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
)

// ServeTCPEcho starts a TCP echo server in the server netns on each of
// addrs, at port.
func (n *Network) ServeTCPEcho(port int, addrs ...netip.Addr) error {
	for _, a := range addrs {
		l, err := n.Listen(n.ServerPath, "tcp", netip.AddrPortFrom(a, uint16(port)).String())
		if err != nil {
			return err
		}
		go acceptLoop(l, func(c net.Conn) { io.Copy(c, c) })
	}
	return nil
}

// ServeTCPDiscard starts a server that reads and drops everything, for
// throughput measurements.
func (n *Network) ServeTCPDiscard(addr netip.AddrPort) error {
	l, err := n.Listen(n.ServerPath, "tcp", addr.String())
	if err != nil {
		return err
	}
	go acceptLoop(l, func(c net.Conn) { io.Copy(io.Discard, c) })
	return nil
}

func acceptLoop(l net.Listener, serve func(net.Conn)) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			serve(c)
		}()
	}
}

// ServeUDPEcho starts a UDP echo server in the server netns on each of
// addrs, at port.
func (n *Network) ServeUDPEcho(port int, addrs ...netip.Addr) error {
	for _, a := range addrs {
		pc, err := n.ListenPacket(n.ServerPath, "udp", netip.AddrPortFrom(a, uint16(port)).String())
		if err != nil {
			return err
		}
		go func() {
			buf := make([]byte, 2048)
			for {
				k, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				pc.WriteTo(buf[:k], from)
			}
		}()
	}
	return nil
}

// ServeHTTP starts an HTTP server in the server netns that answers every
// request with body.
func (n *Network) ServeHTTP(addr netip.AddrPort, body string) error {
	l, err := n.Listen(n.ServerPath, "tcp", addr.String())
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		io.WriteString(w, body)
	})}
	go srv.Serve(l) // returns when Close closes the server
	n.onClose(srv.Close)
	return nil
}
