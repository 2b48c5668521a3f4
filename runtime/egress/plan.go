package egress

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"github.com/agentrt/agentrt/policy"
)

// plan is the firewall compiled from a policy.Network: what Setup
// installs, Verify checks and the DNS filter enforces. It is written to
// the run dir as JSON for the filter process.
type plan struct {
	// Mode is none or allowlist; open compiles to no plan at all.
	Mode policy.EgressMode `json:"mode"`
	// DNS is how host entries get addresses; empty without host entries.
	DNS   policy.DNSMode `json:"dns,omitempty"`
	CIDRs []cidrRule     `json:"cidrs,omitempty"`
	Hosts []hostRule     `json:"hosts,omitempty"`
}

// cidrRule allows a prefix, less the special ranges inside it.
type cidrRule struct {
	Prefix    netip.Prefix       `json:"prefix"`
	Exclude   []netip.Prefix     `json:"exclude,omitempty"`
	Ports     []policy.PortRange `json:"ports,omitempty"`
	Protocols []string           `json:"protocols"`
}

// hostRule allows the addresses a host name resolves to, which live in
// the named sets Set4 and Set6.
type hostRule struct {
	Host      string             `json:"host"`
	Ports     []policy.PortRange `json:"ports,omitempty"`
	Protocols []string           `json:"protocols"`
	Set4      string             `json:"set4"`
	Set6      string             `json:"set6"`
}

// compile turns n into a plan; a nil plan means egress open (no rules).
// An allowlist without entries is none.
func compile(n policy.Network) (*plan, error) {
	switch n.Egress {
	case policy.EgressOpen:
		return nil, nil
	case "", policy.EgressNone:
		return &plan{Mode: policy.EgressNone}, nil
	case policy.EgressAllowlist:
	default:
		return nil, fmt.Errorf("network.egress %q: want none, allowlist or open", n.Egress)
	}
	if len(n.Allow) == 0 {
		return &plan{Mode: policy.EgressNone}, nil
	}
	p := &plan{Mode: policy.EgressAllowlist}
	for i, d := range n.Allow {
		if err := p.add(d); err != nil {
			return nil, fmt.Errorf("network.allow[%d] %q: %w", i, d.String(), err)
		}
	}
	if len(p.Hosts) > 0 {
		if p.DNS = n.DNS; p.DNS == "" {
			p.DNS = policy.DNSFilter
		}
		if p.DNS != policy.DNSFilter && p.DNS != policy.DNSStatic {
			return nil, fmt.Errorf("network.dns %q: want filter or static", n.DNS)
		}
	}
	return p, nil
}

func (p *plan) add(d policy.Destination) error {
	if err := d.Validate(); err != nil {
		return err
	}
	protos := []string{"tcp", "udp"}
	if d.Protocol != "" {
		protos = []string{d.Protocol}
	}
	if d.CIDR != "" {
		pfx, err := netip.ParsePrefix(d.CIDR)
		if err != nil {
			return err
		}
		pfx = netip.PrefixFrom(pfx.Addr().Unmap(), unmappedBits(pfx)).Masked()
		p.CIDRs = append(p.CIDRs, cidrRule{Prefix: pfx, Exclude: exclusions(pfx), Ports: d.Ports, Protocols: protos})
		return nil
	}
	i := len(p.Hosts)
	p.Hosts = append(p.Hosts, hostRule{
		Host: strings.ToLower(strings.TrimSuffix(d.Host, ".")), Ports: d.Ports, Protocols: protos,
		Set4: fmt.Sprintf("host%d_v4", i), Set6: fmt.Sprintf("host%d_v6", i),
	})
	return nil
}

// unmappedBits is the prefix length once an IPv4-mapped prefix is
// written as IPv4.
func unmappedBits(p netip.Prefix) int {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		return p.Bits() - 96
	}
	return p.Bits()
}

// filter reports whether the plan needs the DNS filter process.
func (p *plan) filter() bool { return p.DNS == policy.DNSFilter && len(p.Hosts) > 0 }

// static reports whether host names are resolved once, at Setup.
func (p *plan) static() bool { return p.DNS == policy.DNSStatic && len(p.Hosts) > 0 }

// hash identifies the plan: two containers sharing a netns must agree on
// it, and Verify finds it in the rules.
func (p *plan) hash() string {
	b, err := json.Marshal(p)
	if err != nil {
		panic("marshal egress plan: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// match returns the indexes of the host rules that allow name.
func (p *plan) match(name string) []int {
	var out []int
	for i, h := range p.Hosts {
		if hostMatches(h.Host, name) {
			out = append(out, i)
		}
	}
	return out
}

// hostMatches applies an allowlist host to a canonical name: "*" matches
// any name, "*.example.org" any one label under example.org (not
// example.org itself, nor a.b.example.org), anything else only itself.
func hostMatches(pattern, name string) bool {
	if name == "" {
		return false
	}
	switch {
	case pattern == "*":
		return true
	case strings.HasPrefix(pattern, "*."):
		label, ok := strings.CutSuffix(name, pattern[1:])
		return ok && label != "" && !strings.Contains(label, ".")
	}
	return pattern == name
}

// wildcards returns the host entries that cannot be resolved ahead of
// time.
func (p *plan) wildcards() []string {
	var out []string
	for _, h := range p.Hosts {
		if strings.HasPrefix(h.Host, "*") {
			out = append(out, h.Host)
		}
	}
	return out
}
