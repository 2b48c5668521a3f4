package spec

import (
	"encoding/json"
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

// Step is one named hardening step. Apply changes the spec in place and
// records in the plan what the spec cannot express.
type Step struct {
	// Name names the step in errors, warnings and `agentrt policy explain`.
	Name string
	// Strict steps refuse a spec the policy does not allow, with a
	// RefusalError; in audit mode they record the refusal as a warning
	// instead. The others change the spec and record warnings. Any step
	// fails on input it cannot work with, in every mode.
	Strict bool
	// Apply runs the step. Every step can be applied alone to any spec.
	Apply func(s *specs.Spec, p *policy.Policy, plan *Plan) error
}

// Steps returns the hardening steps in the order Harden applies them. The
// refusing steps come first, so a refused spec fails before anything is
// computed.
func Steps() []Step {
	return []Step{
		{Name: "mounts", Strict: true, Apply: checkMounts},
		{Name: "devices", Strict: true, Apply: checkDevices},
		{Name: "namespaces", Strict: true, Apply: requireNamespaces},
		{Name: "seccomp", Strict: true, Apply: applySeccomp},
		{Name: "masked-paths", Apply: maskPaths},
		{Name: "readonly-paths", Apply: readonlyPaths},
		{Name: "sysfs-readonly", Apply: readonlySysfs},
		{Name: "readonly-rootfs", Apply: readonlyRootfs},
		{Name: "writable-noexec", Apply: noexecWritable},
		{Name: "capabilities", Apply: dropCapabilities},
		{Name: "no-new-privileges", Apply: setNoNewPrivileges},
		{Name: "rlimits", Apply: lowerRlimits},
		{Name: "resources", Apply: lowerResources},
		{Name: "landlock", Apply: planLandlock},
		{Name: "egress", Apply: planEgress},
	}
}

// Harden returns a hardened deep copy of s for the policy p, and the plan
// for what the spec cannot express. s is not modified. In mode off the
// copy is unchanged (its JSON encoding is byte-identical to that of s)
// and every layer of the plan is not applicable. The first refusing step
// ends hardening with its error.
func Harden(s *specs.Spec, p *policy.Policy) (*specs.Spec, *Plan, error) {
	if s == nil || p == nil {
		return nil, nil, invalidf("harden spec: no spec or no policy")
	}
	mode, err := effectiveMode(p.Mode)
	if err != nil {
		return nil, nil, err
	}
	out, err := copySpec(s)
	if err != nil {
		return nil, nil, err
	}
	plan := newPlan(mode)
	if mode == policy.ModeOff {
		return out, plan, nil
	}
	for _, st := range Steps() {
		plan.step = st.Name
		if err := st.Apply(out, p, plan); err != nil {
			return nil, nil, fmt.Errorf("harden spec: %s: %w", st.Name, err)
		}
	}
	plan.step = ""
	return out, plan, nil
}

// effectiveMode returns the policy's mode; an empty mode is enforce,
// because a missing setting never means "no sandbox".
func effectiveMode(m policy.Mode) (policy.Mode, error) {
	switch m {
	case "":
		return policy.ModeEnforce, nil
	case policy.ModeEnforce, policy.ModeAudit, policy.ModeOff:
		return m, nil
	}
	return "", invalidf("policy mode %q: want enforce, audit or off", m)
}

// auditing reports whether the policy only audits.
func auditing(p *policy.Policy) bool { return p.Mode == policy.ModeAudit }

// refuse ends a strict step: in enforce mode it returns the refusals, in
// audit mode it records each as a warning and lets the spec through.
func refuse(p *policy.Policy, plan *Plan, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	if !auditing(p) {
		return errors.Join(errs...)
	}
	for _, err := range errs {
		plan.warnf("audit: enforce would refuse: %v", err)
	}
	return nil
}

// copySpec returns a deep copy of s through its JSON encoding, which is
// what a runtime reads and writes, so the copy encodes byte for byte as s.
func copySpec(s *specs.Spec) (*specs.Spec, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("copy spec: %w", err)
	}
	var out specs.Spec
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("copy spec: %w", err)
	}
	return &out, nil
}

// linux returns the spec's linux section, adding an empty one if missing.
func linux(s *specs.Spec) *specs.Linux {
	if s.Linux == nil {
		s.Linux = &specs.Linux{}
	}
	return s.Linux
}

// HardenProcess hardens a process that is started in a running container
// (`exec --process`), which the engine describes apart from the spec: it
// applies the capabilities, no-new-privileges and rlimits steps to a deep
// copy and returns it with their warnings. A process without capabilities
// or rlimits keeps none, since runc then gives it the container's, which
// are hardened already; so do the seccomp filter, the namespaces and the
// Landlock ruleset.
func HardenProcess(proc *specs.Process, p *policy.Policy) (*specs.Process, []string, error) {
	if proc == nil || p == nil {
		return nil, nil, invalidf("harden process: no process or no policy")
	}
	mode, err := effectiveMode(p.Mode)
	if err != nil {
		return nil, nil, err
	}
	s, err := copySpec(&specs.Spec{Process: proc})
	if err != nil {
		return nil, nil, err
	}
	if mode == policy.ModeOff {
		return s.Process, nil, nil
	}
	plan := newPlan(mode)
	for _, st := range processSteps() {
		plan.step = st.Name
		if err := st.Apply(s, p, plan); err != nil {
			return nil, nil, fmt.Errorf("harden process: %s: %w", st.Name, err)
		}
	}
	if proc.Capabilities == nil {
		s.Process.Capabilities = nil
	}
	if len(proc.Rlimits) == 0 {
		s.Process.Rlimits = nil
	}
	return s.Process, plan.Warnings, nil
}

// processSteps are the steps of Steps that harden the process alone.
func processSteps() []Step {
	var out []Step
	for _, st := range Steps() {
		switch st.Name {
		case "capabilities", "no-new-privileges", "rlimits":
			out = append(out, st)
		}
	}
	return out
}
