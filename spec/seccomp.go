package spec

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/spec/seccomp"
)

// applySeccomp installs the profile the policy names: "agent" (also the
// default when empty) intersects the agent profile with the engine's,
// "engine" keeps the engine's alone, "unconfined" removes any. Both
// profiles allow the Landlock calls, which the runtime needs after the
// filter is installed. In audit
// mode the resulting profile logs instead of denying. An engine profile
// with an errnoRet above MAX_ERRNO is refused in every mode.
func applySeccomp(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	l := linux(s)
	prof, detail, err := selectProfile(l.Seccomp, p.Process.Seccomp, plan)
	if err != nil {
		return err
	}
	switch {
	case prof == nil:
		l.Seccomp = nil // selectProfile recorded why
	case auditing(p):
		l.Seccomp = seccomp.Audit(prof)
		plan.set(LayerSeccomp, StatusAudit, detail+", denials logged")
	default:
		l.Seccomp = prof
		plan.set(LayerSeccomp, StatusEnforced, detail)
	}
	return nil
}

// selectProfile returns the profile the policy names and what it is, or
// nil, with the layer status and a warning recorded, when there is none.
func selectProfile(engine *specs.LinuxSeccomp, name string, plan *Plan) (*specs.LinuxSeccomp, string, error) {
	switch name {
	case policy.SeccompUnconfined:
		plan.warnf("no seccomp profile: policy process.seccomp is %q", name)
		plan.set(LayerSeccomp, StatusOff, fmt.Sprintf("policy process.seccomp is %q", name))
		return nil, "", nil
	case policy.SeccompEngine:
		if engine == nil {
			plan.warnf("no seccomp profile: policy process.seccomp is %q and the engine supplied none", name)
			plan.set(LayerSeccomp, StatusOff, "the engine supplied no profile")
			return nil, "", nil
		}
		if err := seccomp.Validate(engine, "linux.seccomp"); err != nil {
			return nil, "", err
		}
		prof, notes := seccomp.AllowRequired(engine)
		warnAll(plan, notes)
		return prof, "engine profile", nil
	case policy.SeccompAgent, "":
		prof, notes, err := seccomp.Merge(seccomp.Agent(), engine)
		warnAll(plan, notes)
		return prof, agentDetail(engine), err
	}
	return nil, "", invalidf("policy process.seccomp %q: want %q, %q or %q",
		name, policy.SeccompAgent, policy.SeccompEngine, policy.SeccompUnconfined)
}

// warnAll records each note as a warning.
func warnAll(plan *Plan, notes []string) {
	for _, n := range notes {
		plan.warnf("%s", n)
	}
}

// agentDetail describes the agent profile's provenance.
func agentDetail(engine *specs.LinuxSeccomp) string {
	if engine == nil {
		return "agent profile"
	}
	return "agent profile intersected with the engine's"
}
