package egress

import (
	"net/netip"
	"os"
	"os/exec"
	"testing"

	"github.com/google/nftables"

	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/runtime/egress/netns"
)

func TestZZProbe(t *testing.T) {
	exec.Command("ip", "netns", "add", "agentrt-test-zz").Run()
	defer exec.Command("ip", "netns", "del", "agentrt-test-zz").Run()
	f, err := netns.Open("/run/netns/agentrt-test-zz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n policy.Network
	n.Egress = policy.EgressAllowlist
	for _, s := range []string{"0.0.0.0/0:443", "169.254.0.0/16", "api.example.com:443+8000-8080/tcp", "[2001:db8::/32]:80"} {
		d, err := policy.ParseDestination(s)
		if err != nil {
			t.Fatal(err)
		}
		n.Allow = append(n.Allow, d)
	}
	p, err := compile(n)
	if err != nil {
		t.Fatal(err)
	}
	rs := &ruleset{plan: p, upstreams: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.2:53"), netip.MustParseAddrPort("[fd00::1]:53")}, filterPort: 40000}
	c, err := nftables.New(nftables.WithNetNSFd(int(f.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.install(c, false); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ip", "netns", "exec", "agentrt-test-zz", "nft", "list", "ruleset").CombinedOutput()
	os.Stdout.Write(out)
	if err != nil {
		t.Fatal(err)
	}
}
