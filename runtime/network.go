package runtime

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/opencontainers/runc/libcontainer"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/runtime/egress"
	"github.com/agentrt/agentrt/spec"
)

// maybeSetupEgress installs the egress firewall (and the DNS filter) into
// the container's netns while init waits on the exec fifo, so that no
// packet leaves before the rules exist, and checks that they are live.
func (r *Runtime) maybeSetupEgress(c *libcontainer.Container, p *prepared, pid int) error {
	if p.plan.Layers[spec.LayerEgress].Status != spec.StatusEnforced {
		return nil
	}
	netns, ok := netnsPath(p.spec, pid)
	if !ok {
		// spec.Harden refuses the host's netns unless the admin allows
		// it; then there is no netns of the container's own to program.
		p.report.Layers[string(spec.LayerEgress)] = "not-applicable: the container shares the host's network namespace, as the admin allows"
		p.report.Layers[string(spec.LayerDNS)] = "not-applicable: the container shares the host's network namespace"
		return nil
	}
	net := p.result.Policy.Network
	net.Egress = p.plan.Egress.Mode
	st, err := egress.Setup(context.Background(), egress.Options{
		ContainerID: c.ID(),
		NetnsPath:   netns,
		InitPID:     pid,
		Network:     net,
		ResolvConf:  resolvConfPath(bundle(c), p.spec),
		StateDir:    r.stateDir(c.ID()),
		AuditLog:    p.cfg.AuditLogPath(),
	})
	if err != nil {
		return err
	}
	if err := egress.Verify(netns, net); err != nil {
		return fmt.Errorf("egress rules are not live in %s: %w", netns, err)
	}
	p.report.Egress = egressReport(st)
	return nil
}

// netnsPath is the netns the container's init runs in: the one the spec
// joins by path, else the new one of init. It is false for a container
// without a network namespace of its own.
func netnsPath(s *specs.Spec, pid int) (string, bool) {
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != specs.NetworkNamespace {
			continue
		}
		if ns.Path != "" {
			return ns.Path, true
		}
		return fmt.Sprintf("/proc/%d/ns/net", pid), true
	}
	return "", false
}

// resolvConfPath is the host file the container sees as /etc/resolv.conf:
// the engine's bind mount, else the rootfs' own.
func resolvConfPath(bundle string, s *specs.Spec) string {
	for i := len(s.Mounts) - 1; i >= 0; i-- {
		if m := s.Mounts[i]; filepath.Clean(m.Destination) == "/etc/resolv.conf" && m.Source != "" {
			return m.Source
		}
	}
	return filepath.Join(rootfsPath(bundle, s), "etc", "resolv.conf")
}

func egressReport(st *egress.Status) map[string]string {
	rep := map[string]string{"mode": string(st.Mode), "table": st.Table}
	if st.DNS != "" {
		rep["dns"] = string(st.DNS)
	}
	if st.FilterAddr != "" {
		rep["dnsFilter"] = st.FilterAddr
	}
	if st.Shared {
		rep["shared"] = "true"
	}
	return rep
}

// teardownEgress removes what maybeSetupEgress installed for a container.
// It is called before the state directory goes, since the egress state
// lives there.
func (r *Runtime) teardownEgress(id string) {
	r.auditDenials(id)
	if err := egress.Teardown(r.stateDir(id)); err != nil {
		logger().Warnf("remove the egress rules of container %q: %v; a DNS filter process or rules in a shared netns may be left behind", id, err)
	}
}

// egressDenials returns, per destination address, how many packets the
// egress rules of container id refused; nil for a container without
// rules. A failed read is logged and gives nil: the rest of the stats are
// still worth printing.
func (r *Runtime) egressDenials(id string) map[string]uint64 {
	d, err := egress.StateDenials(r.stateDir(id))
	if err != nil {
		logger().Warnf("events: read the egress denials of container %q: %v; the stats event has none", id, err)
		return nil
	}
	return d
}

// auditDenials writes the container's egress denial counts to the audit
// log, once, when it goes: one record per container rather than one per
// refused packet. The counts live in the netns, so a container whose netns
// went with its init (not a shared one) has none left to record; its DNS
// denials are in the log already, from the filter.
func (r *Runtime) auditDenials(id string) {
	d, err := egress.StateDenials(r.stateDir(id))
	if err != nil || len(d) == 0 {
		return
	}
	rec, err := readRecord(r.stateDir(id))
	if err != nil || rec == nil {
		return
	}
	addrs := make([]string, 0, len(d))
	for a := range d {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	parts := make([]string, len(addrs))
	for i, a := range addrs {
		parts[i] = fmt.Sprintf("%s=%d", a, d[a])
	}
	if err := appendAudit(rec.AuditLog, AuditRecord{Event: "denied", ID: id,
		Reason: "egress packets refused per destination: " + strings.Join(parts, ", ")}); err != nil {
		logger().Warnf("%v; the egress denials of container %q are not in the audit log", err, id)
	}
}
