package runtime

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/opencontainers/runc/libcontainer"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/annotations"
	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/runtime/landlock"
	"github.com/agentrt/agentrt/spec"
)

// prepared is a bundle's spec after the policy was applied to it.
type prepared struct {
	cfg      *policy.Config
	result   *policy.Result
	spec     *specs.Spec    // hardened, with the sandbox entry wrapped in
	process  *specs.Process // hardened, before wrapping: the base of exec
	plan     *spec.Plan
	ruleset  *landlock.Ruleset // nil when Landlock is not applied
	abi      int
	landlock *landlock.Status
	report   *Report
	ownNS    map[string]string // agentrt's namespaces, before the container's start
	// imageUnavailable is the shim's reason for passing no image policy.
	imageUnavailable string
}

// prepare resolves the agent policy for the bundle and hardens its spec. A
// refusal is recorded in the audit log before it is returned.
func (r *Runtime) prepare(id, bundle string, s *specs.Spec) (*prepared, error) {
	cfg, _, err := policy.LoadConfigFromFlag(r.ConfigPath)
	if err != nil {
		return nil, fmt.Errorf("admin config: %w", err)
	}
	p, err := r.resolveAndHarden(bundle, s, cfg)
	if err != nil {
		r.audit(cfg, AuditRecord{Event: "refused", ID: id, Bundle: bundle, Reason: err.Error()})
		return nil, err
	}
	return p, nil
}

func (r *Runtime) resolveAndHarden(bundle string, s *specs.Spec, cfg *policy.Config) (*prepared, error) {
	res, parsed, err := resolvePolicy(cfg, bundle, s)
	if err != nil {
		return nil, err
	}
	resolveBindSources(s)
	hardened, plan, err := spec.Harden(s, res.Policy)
	if err != nil {
		return nil, err
	}
	p := &prepared{cfg: cfg, result: res, spec: hardened, plan: plan, ownNS: ownNamespaces(),
		imageUnavailable: parsed.ImageUnavailable}
	p.process = cloneProcess(hardened.Process)
	if err := p.planLandlock(); err != nil {
		return nil, err
	}
	p.report = p.newReport()
	if p.ruleset != nil {
		// The sandbox entry execs the command only at start; find it
		// now, so that a missing command fails create, as in runc.
		if err := checkCommand(rootfsPath(bundle, hardened), hardened.Mounts, hardened.Process); err != nil {
			return nil, err
		}
	}
	return p, p.wrap(hardened.Process)
}

// resolvePolicy gathers the requests of every channel (annotations, image
// annotations, the policy file in the rootfs) and resolves them against
// the admin config.
func resolvePolicy(cfg *policy.Config, bundle string, s *specs.Spec) (*policy.Result, *annotations.Parsed, error) {
	parsed, err := annotations.Parse(s.Annotations)
	if err != nil {
		return nil, nil, err
	}
	reqs := parsed.Requests()
	fileReq, err := annotations.ReadPolicyFile(rootfsPath(bundle, s))
	if err != nil {
		return nil, nil, err
	}
	if fileReq != nil {
		reqs = append(reqs, fileReq)
	}
	res, err := policy.Resolve(cfg, policy.Input{
		ImageRef:    parsed.ImageRef,
		ImageDigest: parsed.ImageDigest,
		Requests:    reqs,
	})
	return res, parsed, err
}

// planLandlock turns the plan's Landlock section into the ruleset the
// sandbox entry applies, and checks it against the kernel's ABI and the
// admin's floor.
func (p *prepared) planLandlock() error {
	if p.plan.Layers[spec.LayerLandlock].Status != spec.StatusEnforced {
		return nil
	}
	rs := rulesetFromPlan(&p.plan.Landlock)
	if err := rs.Validate(); err != nil {
		return err
	}
	p.abi = landlock.KernelABI()
	st, err := landlock.Check(rs, p.abi)
	if err != nil {
		return err
	}
	p.ruleset = rs
	p.landlock = st
	return nil
}

// wrap makes proc run through the sandbox entry when Landlock applies.
func (p *prepared) wrap(proc *specs.Process) error {
	if p.ruleset == nil {
		return nil
	}
	return landlock.Wrap(proc, p.ruleset, p.abi)
}

func (p *prepared) record(bundle string, c *libcontainer.Container) *record {
	cfg := c.Config()
	pol, _ := json.Marshal(p.result.Policy)
	plan, _ := json.Marshal(p.plan)
	return &record{
		Bundle:   bundle,
		AuditLog: p.cfg.AuditLogPath(),
		Process:  p.process,
		Cgroups:  cfg.Cgroups,
		Report:   p.report,
		Policy:   pol,
		Plan:     plan,
		Ruleset:  p.ruleset,
		ABI:      p.abi,
	}
}

// resolveBindSources replaces each bind mount's source by the path its
// symlinks lead to, as the kernel will resolve it when libcontainer mounts
// it: spec.Harden checks sources by path, and a link to the host's / must
// be refused like / itself. A source that does not resolve is left for
// libcontainer to report.
func resolveBindSources(s *specs.Spec) {
	for i, m := range s.Mounts {
		if !isBind(m) || !filepath.IsAbs(m.Source) {
			continue
		}
		if real, err := filepath.EvalSymlinks(m.Source); err == nil {
			s.Mounts[i].Source = real
		}
	}
}

func isBind(m specs.Mount) bool {
	if m.Type == "bind" {
		return true
	}
	for _, o := range m.Options {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}

func cloneProcess(proc *specs.Process) *specs.Process {
	data, err := json.Marshal(proc)
	if err != nil {
		panic(fmt.Sprintf("encode process: %v", err))
	}
	var out specs.Process
	if err := json.Unmarshal(data, &out); err != nil {
		panic(fmt.Sprintf("decode process: %v", err))
	}
	return &out
}

// audit appends rec to the admin's audit log. A log that cannot be written
// is a warning, stated with its consequence: the container's own fate
// does not change.
func (r *Runtime) audit(cfg *policy.Config, rec AuditRecord) {
	path := DefaultAuditLog
	if cfg != nil {
		path = cfg.AuditLogPath()
	}
	if err := appendAudit(path, rec); err != nil {
		logger().Warnf("%v; the %s decision for container %q is not in the audit log", err, rec.Event, rec.ID)
	}
}
