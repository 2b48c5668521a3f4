package spec

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

// enforcePolicy returns a small policy in enforce mode for step tests.
func enforcePolicy() *policy.Policy {
	return &policy.Policy{Mode: policy.ModeEnforce,
		Network: policy.Network{Egress: policy.EgressNone},
		Process: policy.Process{Seccomp: policy.SeccompAgent}}
}

// auditPolicy returns enforcePolicy in audit mode.
func auditPolicy() *policy.Policy {
	p := enforcePolicy()
	p.Mode = policy.ModeAudit
	return p
}

// bind returns a bind mount.
func bind(src, dst string, opts ...string) specs.Mount {
	return specs.Mount{Destination: dst, Type: "bind", Source: src, Options: append([]string{"rbind"}, opts...)}
}

// runStep applies one step to s with a fresh plan.
func runStep(t *testing.T, apply func(*specs.Spec, *policy.Policy, *Plan) error, s *specs.Spec, p *policy.Policy) (*Plan, error) {
	t.Helper()
	plan := newPlan(p.Mode)
	return plan, apply(s, p, plan)
}
