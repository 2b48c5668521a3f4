package egress

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/agentrt/agentrt/runtime/egress/netns"
)

// listeners are the DNS filter's sockets, created by Setup inside the
// container's netns on one port for UDP and TCP, IPv4 and IPv6, and handed
// to the filter process. Creating them before the process starts gives
// the redirect rule its port in the same batch as every other rule.
type listeners struct {
	port  uint16
	files []*os.File
	kinds []string // "udp4", "tcp4", "udp6", "tcp6", in the order of files
}

func (l *listeners) close() {
	for _, f := range l.files {
		f.Close()
	}
}

// listenFilter creates the filter's sockets in the netns of nsf, bringing
// the netns's loopback up first if needed. A port taken for one of the
// four sockets is retried with another.
func listenFilter(nsf *os.File) (*listeners, error) {
	var ls *listeners
	err := netns.Do(nsf, func() error {
		if err := ensureLoopbackUp(); err != nil {
			return err
		}
		var err error
		for range 10 {
			if ls, err = tryListen(); !errors.Is(err, syscall.EADDRINUSE) {
				return err
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("dns filter sockets in netns %q: %w", nsf.Name(), err)
	}
	return ls, nil
}

func tryListen() (*listeners, error) {
	ls := &listeners{}
	u4, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	ls.port = uint16(u4.LocalAddr().(*net.UDPAddr).Port)
	if err := ls.add("udp4", u4.(*net.UDPConn)); err != nil {
		return nil, err
	}
	port := strconv.Itoa(int(ls.port))
	if err := ls.listenTCP("tcp4", "127.0.0.1:"+port); err != nil {
		ls.close()
		return nil, err
	}
	u6, err := net.ListenPacket("udp6", "[::1]:"+port)
	if noIPv6(err) {
		return ls, nil // IPv6 is off in this netns: nothing to redirect
	}
	if err == nil {
		err = ls.add("udp6", u6.(*net.UDPConn))
	}
	if err == nil {
		err = ls.listenTCP("tcp6", "[::1]:"+port)
	}
	if err != nil {
		ls.close()
		return nil, err
	}
	return ls, nil
}

func noIPv6(err error) bool {
	return errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT)
}

func (ls *listeners) listenTCP(network, addr string) error {
	l, err := net.Listen(network, addr)
	if err != nil {
		return err
	}
	return ls.add(network, l.(*net.TCPListener))
}

// add keeps a duplicate of the socket's descriptor for the filter process
// and closes the original.
func (ls *listeners) add(kind string, s interface {
	File() (*os.File, error)
	Close() error
}) error {
	f, err := s.File()
	s.Close()
	if err != nil {
		return err
	}
	ls.files = append(ls.files, f)
	ls.kinds = append(ls.kinds, kind)
	return nil
}

// ensureLoopbackUp brings lo up in the calling thread's netns. runc does
// it for a netns it creates; a netns joined by path may not have it.
func ensureLoopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("loopback flags: %w", err)
	}
	flags := ifr.Uint16()
	if flags&unix.IFF_UP != 0 {
		return nil
	}
	ifr.SetUint16(flags | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("bring loopback up: %w", err)
	}
	return nil
}
