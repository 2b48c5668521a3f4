package egress

import (
	"fmt"
	"strings"

	"github.com/google/nftables/expr"

	"github.com/agentrt/agentrt/policy"
)

func portRange(p uint16) policy.PortRange { return policy.PortRange{First: p, Last: p} }

// cidrRules allow one CIDR entry: one rule per protocol and port range,
// each excluding the special ranges inside the prefix.
func cidrRules(c cidrRule) []rule {
	v6 := c.Prefix.Addr().Is6()
	where := join(matchFamily(v6), matchDaddr(c.Prefix, expr.CmpOpEq))
	for _, x := range c.Exclude {
		where = append(where, matchDaddr(x, expr.CmpOpNeq)...)
	}
	return portRules("allow "+c.Prefix.String(), where, c.Protocols, c.Ports)
}

// hostRules allow one host entry through its two sets.
func hostRules(h hostRule) []rule {
	r4 := portRules("allow "+h.Host+" ipv4", join(matchFamily(false), matchDaddrSet(false, h.Set4)), h.Protocols, h.Ports)
	r6 := portRules("allow "+h.Host+" ipv6", join(matchFamily(true), matchDaddrSet(true, h.Set6)), h.Protocols, h.Ports)
	return append(r4, r6...)
}

// portRules repeats the match where for every protocol and port range,
// ending each rule in accept. No ports means any port.
func portRules(comment string, where []expr.Any, protos []string, ports []policy.PortRange) []rule {
	var rules []rule
	for _, p := range protos {
		base := join(where, matchL4(protoNumbers[p]))
		if len(ports) == 0 {
			rules = append(rules, rule{comment + " " + p, join(base, []expr.Any{accept()})})
			continue
		}
		for _, r := range ports {
			rules = append(rules, rule{fmt.Sprintf("%s %s %s", comment, p, portText(r)),
				join(base, matchDport(r), []expr.Any{accept()})})
		}
	}
	return rules
}

func portText(r policy.PortRange) string {
	var b strings.Builder
	fmt.Fprint(&b, r.First)
	if r.Last != r.First {
		fmt.Fprintf(&b, "-%d", r.Last)
	}
	return b.String()
}
