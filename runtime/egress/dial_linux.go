package egress

import (
	"context"
	"net"
	"net/netip"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/agentrt/agentrt/runtime/egress/dnsfilter"
	"github.com/agentrt/agentrt/runtime/egress/netns"
)

// markedDialer dials upstream resolvers from inside the netns of nsf,
// with the socket marked filterMark: the redirect leaves such packets
// alone and the output chain lets them reach the upstreams. The socket is
// created on a thread in the netns; once created, it stays in that netns
// whatever thread uses it. UDP dials, which never block, run on w when it
// is set; TCP dials, which wait for the handshake, on a thread of their
// own.
func markedDialer(nsf *os.File, w *netns.Worker) dnsfilter.DialFunc {
	return func(ctx context.Context, network string, server netip.AddrPort) (net.Conn, error) {
		var conn net.Conn
		dial := func() error {
			d := net.Dialer{Control: setMark}
			var err error
			conn, err = d.DialContext(ctx, network, server.String())
			return err
		}
		var err error
		if w != nil && network == "udp" {
			err = w.Do(dial)
		} else {
			err = netns.Do(nsf, dial)
		}
		return conn, err
	}
}

func setMark(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, int(filterMark))
	})
	if err != nil {
		return err
	}
	return serr
}
