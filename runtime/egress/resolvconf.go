package egress

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// defaultUpstreams are what glibc asks when resolv.conf names no server:
// the container's own loopback.
var defaultUpstreams = []netip.AddrPort{
	netip.MustParseAddrPort("127.0.0.1:53"),
	netip.MustParseAddrPort("[::1]:53"),
}

// parseResolvConf returns the nameservers of a resolv.conf, on port 53,
// in file order. Link-local IPv6 servers keep their zone ("fe80::1%eth0").
func parseResolvConf(data []byte) []netip.AddrPort {
	var out []netip.AddrPort
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[0] != "nameserver" {
			continue
		}
		if a, err := netip.ParseAddr(f[1]); err == nil {
			out = append(out, netip.AddrPortFrom(a.Unmap(), 53))
		}
	}
	return out
}

// upstreams returns the resolvers the filter and static resolution ask:
// Options.Upstreams when set, else the nameservers of the container's
// resolv.conf, else glibc's default.
func upstreams(o *Options) ([]netip.AddrPort, error) {
	if len(o.Upstreams) > 0 {
		return parseUpstreams(o.Upstreams)
	}
	var data []byte
	if o.ResolvConf != "" {
		var err error
		data, err = os.ReadFile(o.ResolvConf)
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("read resolv.conf %q: %w", o.ResolvConf, err)
		}
	}
	if ns := parseResolvConf(data); len(ns) > 0 {
		return ns, nil
	}
	return defaultUpstreams, nil
}

func parseUpstreams(in []string) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	for _, s := range in {
		if ap, err := netip.ParseAddrPort(s); err == nil {
			out = append(out, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("upstream %q: want an address or address:port", s)
		}
		out = append(out, netip.AddrPortFrom(a.Unmap(), 53))
	}
	return out, nil
}
