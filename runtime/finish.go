package runtime

import (
	"github.com/opencontainers/runc/libcontainer"
)

// finishCreate runs once init exists and waits on the exec fifo: no code
// of the container has run yet. It applies what the spec cannot express,
// checks what is live, records the report, and writes the decision to the
// audit log. An error here fails create, and the caller destroys the
// container.
func (r *Runtime) finishCreate(c *libcontainer.Container, p *prepared, pid int) error {
	err := p.verifyLive(pid)
	if err == nil {
		err = r.maybeSetupEgress(c, p, pid)
	}
	if err == nil {
		rec := p.record(bundle(c), c)
		rec.Created = true
		err = writeRecord(r.stateDir(c.ID()), rec)
	}
	if err != nil {
		r.audit(p.cfg, AuditRecord{Event: "refused", ID: c.ID(), Bundle: bundle(c),
			Profile: p.report.Profile, PolicyHash: p.report.PolicyHash, Reason: err.Error()})
		return err
	}
	r.audit(p.cfg, AuditRecord{Event: "created", ID: c.ID(), Bundle: bundle(c),
		Profile: p.report.Profile, PolicyHash: p.report.PolicyHash, Report: p.report})
	return nil
}

// bundle is the bundle path libcontainer keeps in the container's labels.
func bundle(c *libcontainer.Container) string {
	b, _ := bundleAndAnnotations(c.Config().Labels)
	return b
}
