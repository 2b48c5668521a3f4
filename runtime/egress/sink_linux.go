package egress

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/google/nftables"

	"github.com/agentrt/agentrt/runtime/egress/dnsfilter"
)

// setSink puts the addresses of DNS answers into the host sets of the
// netns, each with its TTL as timeout. On kernels that refresh the
// timeout of an element added again (Linux 6.x), a repeated answer
// extends it; on older ones the element expires at its first timeout and
// the client's next question adds it again.
type setSink struct {
	mu   sync.Mutex
	c    *nftables.Conn
	plan *plan
}

func newSetSink(nsf *os.File, p *plan) (*setSink, error) {
	c, err := nftables.New(nftables.WithNetNSFd(int(nsf.Fd())), nftables.AsLasting())
	if err != nil {
		return nil, fmt.Errorf("netlink in netns %q: %w", nsf.Name(), err)
	}
	return &setSink{c: c, plan: p}, nil
}

// allow adds addrs to the sets of the host rules, in one batch.
func (s *setSink) allow(_ context.Context, rules []int, addrs []dnsfilter.Address) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := agentrtTable()
	for _, i := range rules {
		h := s.plan.Hosts[i]
		var v4, v6 []nftables.SetElement
		for _, a := range addrs {
			e := nftables.SetElement{Key: a.Addr.AsSlice(), Timeout: a.TTL}
			if a.Addr.Is4() {
				v4 = append(v4, e)
			} else {
				v6 = append(v6, e)
			}
		}
		if err := s.add(t, h.Set4, nftables.TypeIPAddr, v4); err != nil {
			return err
		}
		if err := s.add(t, h.Set6, nftables.TypeIP6Addr, v6); err != nil {
			return err
		}
	}
	if err := s.c.Flush(); err != nil {
		return fmt.Errorf("add addresses to nftables sets: %w", err)
	}
	return nil
}

func (s *setSink) add(t *nftables.Table, name string, kt nftables.SetDatatype, elems []nftables.SetElement) error {
	if len(elems) == 0 {
		return nil
	}
	set := &nftables.Set{Table: t, Name: name, KeyType: kt, HasTimeout: true}
	return s.c.SetAddElements(set, elems)
}

func (s *setSink) close() { s.c.CloseLasting() }
