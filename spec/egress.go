package spec

import (
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

// planEgress copies the policy's egress rules into the plan for the
// firewall and the DNS filter. An empty egress mode is none: a missing
// setting never opens the network. With host names and no DNS mode the
// filtering resolver is planned.
func planEgress(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	n := p.Network
	e := &plan.Egress
	e.Mode = n.Egress
	if e.Mode == "" {
		e.Mode = policy.EgressNone
	}
	switch e.Mode {
	case policy.EgressNone:
		if len(n.Allow) > 0 {
			plan.warnf("egress is %q: %d allowed destinations ignored", e.Mode, len(n.Allow))
		}
	case policy.EgressAllowlist, policy.EgressOpen:
		e.Allow = copyDestinations(n.Allow)
	default:
		return invalidf("policy network.egress %q: want none, allowlist or open", n.Egress)
	}
	e.DNS = n.DNS
	if e.DNS == "" && hasHosts(e.Allow) {
		e.DNS = policy.DNSFilter
	}
	setEgressLayers(plan, auditing(p))
	return nil
}

// setEgressLayers records the egress and dns layer statuses.
func setEgressLayers(plan *Plan, audit bool) {
	e := plan.Egress
	switch {
	case audit:
		plan.set(LayerEgress, StatusAudit, "blocked connections logged, not refused")
		plan.set(LayerDNS, StatusAudit, "refused names logged, not refused")
	case e.Mode == policy.EgressOpen:
		plan.set(LayerEgress, StatusOff, "policy network.egress is \"open\"")
		plan.set(LayerDNS, StatusOff, "policy network.egress is \"open\"")
	case e.Mode == policy.EgressNone:
		plan.set(LayerEgress, StatusEnforced, "none: loopback only")
		plan.set(LayerDNS, StatusEnforced, "no names allowed")
	default:
		plan.set(LayerEgress, StatusEnforced, fmt.Sprintf("allowlist of %d destinations", len(e.Allow)))
		detail := "no names allowed"
		if hasHosts(e.Allow) {
			detail = string(e.DNS)
		}
		plan.set(LayerDNS, StatusEnforced, detail)
	}
}

// hasHosts reports whether any destination is a host name.
func hasHosts(ds []policy.Destination) bool {
	return slices.ContainsFunc(ds, func(d policy.Destination) bool { return d.Host != "" })
}

// copyDestinations returns a deep copy.
func copyDestinations(ds []policy.Destination) []policy.Destination {
	if ds == nil {
		return nil
	}
	out := make([]policy.Destination, len(ds))
	for i, d := range ds {
		d.Ports = slices.Clone(d.Ports)
		out[i] = d
	}
	return out
}
