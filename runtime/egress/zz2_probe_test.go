package egress

import (
	"net/netip"
	"os/exec"
	"testing"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/agentrt/agentrt/runtime/egress/netns"
)

func TestZZBisect(t *testing.T) {
	exec.Command("ip", "netns", "add", "agentrt-test-zz").Run()
	defer exec.Command("ip", "netns", "del", "agentrt-test-zz").Run()
	f, _ := netns.Open("/run/netns/agentrt-test-zz")
	defer f.Close()
	try := func(name string, fn func(b *builder, ch *nftables.Chain)) {
		c, _ := nftables.New(nftables.WithNetNSFd(int(f.Fd())))
		b := &builder{c: c, t: agentrtTable(), sets: map[string]*nftables.Set{}}
		c.AddTable(b.t)
		ch := c.AddChain(&nftables.Chain{Name: "x", Table: b.t})
		fn(b, ch)
		err := c.Flush()
		t.Logf("%s: %v", name, err)
		c.DelTable(b.t)
		c.Flush()
	}
	try("dynset-counter-set", func(b *builder, ch *nftables.Chain) {
		b.addSet(&nftables.Set{Table: b.t, Name: "d", KeyType: nftables.TypeIPAddr, Dynamic: true, Counter: true, Size: 100}, nil)
	})
	try("dynset-set", func(b *builder, ch *nftables.Chain) {
		b.addSet(&nftables.Set{Table: b.t, Name: "d", KeyType: nftables.TypeIPAddr, Dynamic: true, Size: 100}, nil)
	})
	try("dynset-rule", func(b *builder, ch *nftables.Chain) {
		b.addSet(&nftables.Set{Table: b.t, Name: "d", KeyType: nftables.TypeIPAddr, Dynamic: true, Size: 100}, nil)
		s := b.sets["d"]
		b.addRules(ch, []rule{{"", join(matchFamily(false), []expr.Any{daddrLoad(false), &expr.Dynset{SrcRegKey: reg, SetName: "d", SetID: s.ID, Operation: unix.NFT_DYNSET_OP_UPDATE, Exprs: []expr.Any{&expr.Counter{}}}})}})
	})
	try("ct", func(b *builder, ch *nftables.Chain) {
		b.addRules(ch, []rule{{"", join(matchOrigDaddr(netip4("10.0.0.2")), []expr.Any{accept()})}})
	})
	try("ctport", func(b *builder, ch *nftables.Chain) {
		b.addRules(ch, []rule{{"", join(matchL4(6), matchOrigDport(53), []expr.Any{accept()})}})
	})
	try("est", func(b *builder, ch *nftables.Chain) {
		b.addRules(ch, []rule{{"x", join(matchEstablished(), []expr.Any{accept()})}})
	})
	try("icmp", func(b *builder, ch *nftables.Chain) {
		b.addRules(ch, []rule{{"x", join(matchICMPv6Types(130, 136), []expr.Any{accept()})}})
	})
	try("reject", func(b *builder, ch *nftables.Chain) {
		b.addRules(ch, []rule{{"x", []expr.Any{&expr.Reject{Type: unix.NFT_REJECT_ICMPX_UNREACH, Code: unix.NFT_REJECT_ICMPX_ADMIN_PROHIBITED}}}})
	})
	try("hostset", func(b *builder, ch *nftables.Chain) {
		b.addSet(&nftables.Set{Table: b.t, Name: "h", KeyType: nftables.TypeIPAddr, HasTimeout: true, Comment: "x"}, nil)
		b.addRules(ch, []rule{{"x", join(matchFamily(false), matchDaddrSet(false, "h"), []expr.Any{accept()})}})
	})
	try("mask", func(b *builder, ch *nftables.Chain) {
		b.addRules(ch, []rule{{"x", join(matchFamily(false), matchDaddr(netipP("10.0.0.0/8"), expr.CmpOpNeq), []expr.Any{accept()})}})
	})
}

func netip4(s string) netip.Addr   { return netip.MustParseAddr(s) }
func netipP(s string) netip.Prefix { return netip.MustParsePrefix(s) }
