package spec

import (
	"cmp"
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

// landlockBindTCP says whether the plan restricts the TCP ports the agent
// may bind. The policy has no field for the ports an agent may listen on,
// so binding is not restricted.
// TODO: handle bind once policy.Network says which ports the agent may listen on.
const landlockBindTCP = false

// dnsPort is added to the connect ports when the allowlist has host names:
// resolvers answer long replies over TCP.
const dnsPort = 53

// planLandlock computes the Landlock ruleset from the policy's filesystem
// and network sections. Readable paths get read, writable paths read and
// write, executable paths read and execute. Writable paths are not
// executable (W^X) unless listed in filesystem.writableExecutable. In
// audit mode the ruleset is computed, for `agentrt policy explain`, but
// marked not applied: Landlock cannot log instead of denying.
func planLandlock(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	lp := &plan.Landlock
	lp.WriteXorExecute = true
	lp.MinABI, lp.BestEffort = p.Landlock.MinABI, p.Landlock.BestEffort
	lp.Paths = pathRules(p.Filesystem, plan)
	lp.ConnectTCP = connectPorts(p.Network)
	lp.BindTCP = PortRule{Handled: landlockBindTCP}
	switch {
	case auditing(p):
		plan.set(LayerLandlock, StatusAudit, "not applied (Landlock has no log-only mode)")
	case p.Landlock.Disabled:
		// Only the admin can turn Landlock off. A policy whose path lists
		// are empty (a request may narrow them to nothing) still gets a
		// ruleset: one that grants nothing but the runtime's baseline.
		plan.set(LayerLandlock, StatusOff, "the admin's profile sets landlock.disabled")
	case lp.MinABI > 0:
		plan.set(LayerLandlock, StatusEnforced, fmt.Sprintf("minimum ABI %d", lp.MinABI))
	default:
		plan.set(LayerLandlock, StatusEnforced, "")
	}
	return nil
}

// pathRules returns the filesystem rules, sorted by path, with execute
// taken off writable paths (W^X) unless they are writable-executable.
func pathRules(fs policy.Filesystem, plan *Plan) []PathRule {
	wx := cleanAll(fs.WritableExecutable)
	rules := grantRights(fs, plan)
	out := make([]PathRule, 0, len(rules))
	for _, r := range rules {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b PathRule) int { return cmp.Compare(a.Path, b.Path) })
	for i, r := range out {
		if r.Write && r.Execute && !slices.Contains(wx, r.Path) {
			plan.warnf("path %q is both writable and executable; execute dropped (W^X): "+
				"list it in filesystem.writable_executable to keep it", r.Path)
			out[i].Execute = false
		}
	}
	return out
}

// grantRights returns, by path, the rights the policy's lists give.
func grantRights(fs policy.Filesystem, plan *Plan) map[string]*PathRule {
	rules := map[string]*PathRule{}
	rule := func(p string) *PathRule {
		if rules[p] == nil {
			rules[p] = &PathRule{Path: p}
		}
		return rules[p]
	}
	for _, p := range cleanAll(fs.Readable) {
		rule(p).Read = true
	}
	writable := cleanAll(fs.Writable)
	for _, p := range writable {
		rule(p).Read, rule(p).Write = true, true
	}
	for _, p := range cleanAll(fs.Executable) {
		rule(p).Read, rule(p).Execute = true, true
	}
	for _, p := range cleanAll(fs.WritableExecutable) {
		if !slices.Contains(writable, p) {
			plan.warnf("writable-executable path %q is not writable; ignored", p)
			continue
		}
		rule(p).Execute = true
	}
	return rules
}

// connectPorts returns the TCP ports the agent may connect to. Only an
// allowlist whose every TCP destination names its ports restricts them:
// Landlock cannot tell addresses apart, so the restriction also applies
// to loopback, and with any destination open on every port there is
// nothing to restrict. No egress and open egress leave TCP connect
// unrestricted: the firewall allows loopback on every port.
func connectPorts(n policy.Network) PortRule {
	if n.Egress != policy.EgressAllowlist {
		return PortRule{}
	}
	var ports []policy.PortRange
	hosts := false
	for _, d := range n.Allow {
		if d.Protocol != "" && d.Protocol != "tcp" {
			continue
		}
		if len(d.Ports) == 0 {
			return PortRule{}
		}
		ports = append(ports, d.Ports...)
		hosts = hosts || d.Host != ""
	}
	if hosts {
		ports = append(ports, policy.PortRange{First: dnsPort, Last: dnsPort})
	}
	ports = mergePorts(ports)
	if len(ports) == 1 && ports[0].First <= 1 && ports[0].Last == 65535 {
		return PortRule{}
	}
	return PortRule{Handled: true, Ports: ports}
}

// mergePorts returns the ranges sorted, with overlapping and adjacent
// ranges joined.
func mergePorts(in []policy.PortRange) []policy.PortRange {
	rs := slices.Clone(in)
	for i, r := range rs {
		if r.Last < r.First {
			rs[i].First, rs[i].Last = r.Last, r.First
		}
	}
	slices.SortFunc(rs, func(a, b policy.PortRange) int { return cmp.Compare(a.First, b.First) })
	var out []policy.PortRange
	for _, r := range rs {
		if n := len(out); n > 0 && uint32(r.First) <= uint32(out[n-1].Last)+1 {
			out[n-1].Last = max(out[n-1].Last, r.Last)
			continue
		}
		out = append(out, r)
	}
	return out
}
