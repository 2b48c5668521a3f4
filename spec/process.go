package spec

import (
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

// capNetAdmin would let the agent delete the egress rules in its netns.
const capNetAdmin = "CAP_NET_ADMIN"

// dropCapabilities keeps, in all five sets, only the capabilities both
// the spec and the policy name (the policy's default is none). A spec
// without a capabilities object gets an empty one: runc leaves root with
// every capability when the object is missing. CAP_NET_ADMIN is never
// kept while egress is filtered.
func dropCapabilities(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	if s.Process == nil {
		plan.set(LayerCapabilities, StatusEnforced, "no process")
		return nil
	}
	keep, withheld := policyCapabilities(p)
	if auditing(p) {
		if dropped := droppedCapabilities(s.Process.Capabilities, keep); len(dropped) > 0 {
			plan.warnf("audit: enforce would drop %s", strings.Join(dropped, ", "))
		}
		plan.set(LayerCapabilities, StatusAudit, "not applied (capabilities have no log-only mode)")
		return nil
	}
	if withheld {
		plan.warnf("%s not kept although the policy lists it: it would let the agent remove the egress rules", capNetAdmin)
	}
	s.Process.Capabilities = intersectCapabilities(s.Process.Capabilities, keep)
	detail := "none kept"
	if kept := s.Process.Capabilities.Bounding; len(kept) > 0 {
		detail = "kept " + strings.Join(kept, ", ")
	}
	plan.set(LayerCapabilities, StatusEnforced, detail)
	return nil
}

// policyCapabilities returns the policy's capabilities as runc names
// them ("CAP_CHOWN"), without CAP_NET_ADMIN when egress is filtered;
// withheld says whether the policy listed it then.
func policyCapabilities(p *policy.Policy) (keep []string, withheld bool) {
	for _, c := range p.Process.Capabilities {
		c = strings.ToUpper(c)
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		if c == capNetAdmin && p.Network.Egress != policy.EgressOpen {
			withheld = true
			continue
		}
		keep = append(keep, c)
	}
	return keep, withheld
}

// intersectCapabilities returns the sets of c restricted to keep.
func intersectCapabilities(c *specs.LinuxCapabilities, keep []string) *specs.LinuxCapabilities {
	if c == nil {
		return &specs.LinuxCapabilities{}
	}
	only := func(set []string) []string {
		return slices.DeleteFunc(slices.Clone(set), func(n string) bool { return !slices.Contains(keep, n) })
	}
	return &specs.LinuxCapabilities{Bounding: only(c.Bounding), Effective: only(c.Effective),
		Inheritable: only(c.Inheritable), Permitted: only(c.Permitted), Ambient: only(c.Ambient)}
}

// droppedCapabilities returns, sorted, the capabilities of any set of c
// that keep lacks; a missing object drops every capability.
func droppedCapabilities(c *specs.LinuxCapabilities, keep []string) []string {
	if c == nil {
		return []string{"every capability (the spec has no capabilities object)"}
	}
	var out []string
	for _, set := range [][]string{c.Bounding, c.Effective, c.Inheritable, c.Permitted, c.Ambient} {
		for _, n := range set {
			if !slices.Contains(keep, n) && !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out
}

// setNoNewPrivileges sets process.noNewPrivileges, in enforce and audit
// mode: setuid binaries must not regain what the policy dropped.
func setNoNewPrivileges(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	if s.Process == nil {
		plan.set(LayerNoNewPrivileges, StatusEnforced, "no process")
		return nil
	}
	s.Process.NoNewPrivileges = true
	plan.set(LayerNoNewPrivileges, StatusEnforced, "")
	return nil
}

// lowerRlimits lowers the spec's rlimits to the policy's; a limit the
// spec lacks is added. Soft never ends above hard.
func lowerRlimits(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	if s.Process == nil {
		return nil
	}
	for _, r := range p.Process.Rlimits {
		want := specs.POSIXRlimit{Type: rlimitName(r.Type), Hard: r.Hard, Soft: min(r.Soft, r.Hard)}
		i := slices.IndexFunc(s.Process.Rlimits, func(x specs.POSIXRlimit) bool { return x.Type == want.Type })
		if i >= 0 {
			cur := s.Process.Rlimits[i]
			want.Hard = min(cur.Hard, want.Hard)
			want.Soft = min(cur.Soft, want.Soft, want.Hard)
			if want == cur {
				continue
			}
		}
		if auditing(p) {
			plan.warnf("audit: enforce would set %s to soft %d, hard %d", want.Type, want.Soft, want.Hard)
			continue
		}
		if i >= 0 {
			s.Process.Rlimits[i] = want
		} else {
			s.Process.Rlimits = append(s.Process.Rlimits, want)
		}
	}
	return nil
}

// rlimitName returns an rlimit's OCI name ("RLIMIT_NOFILE").
func rlimitName(t string) string {
	t = strings.ToUpper(t)
	if !strings.HasPrefix(t, "RLIMIT_") {
		t = "RLIMIT_" + t
	}
	return t
}
