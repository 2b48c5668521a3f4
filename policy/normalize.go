package policy

import (
	"cmp"
	"slices"
)

// Normalize puts p in canonical form, in place: empty enumerations get
// their tightest value (mode enforce, egress none, seccomp agent, DNS
// filter, tier container), enforce mode sets no_new_privileges, paths are
// cleaned, and every list is sorted and deduplicated (empty lists become
// nil). Normalize does not validate: call Validate first, since cleaning
// would hide a ".." that Validate refuses.
func (p *Policy) Normalize() {
	p.Mode = Mode(orDefault(string(p.Mode), string(ModeEnforce)))
	if p.Mode == ModeEnforce {
		p.Process.NoNewPrivileges = true
	}
	p.Filesystem.normalize()
	p.Network.normalize()
	p.Process.normalize()
	p.Isolation.Tier = orDefault(p.Isolation.Tier, TierContainer)
	p.Isolation.MountSources = cleanPaths(p.Isolation.MountSources)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func (f *Filesystem) normalize() {
	f.Readable = cleanPaths(f.Readable)
	f.Writable = cleanPaths(f.Writable)
	f.Executable = cleanPaths(f.Executable)
	f.Hidden = cleanPaths(f.Hidden)
	f.WritableExecutable = cleanPaths(f.WritableExecutable)
}

func (n *Network) normalize() {
	n.Egress = EgressMode(orDefault(string(n.Egress), string(EgressNone)))
	n.DNS = DNSMode(orDefault(string(n.DNS), string(DNSFilter)))
	n.Allow = normalizeDestinations(n.Allow)
}

func (p *Process) normalize() {
	p.Seccomp = orDefault(p.Seccomp, SeccompAgent)
	p.Capabilities = normalizeCapabilities(p.Capabilities)
	p.Rlimits = normalizeRlimits(p.Rlimits)
}

func normalizeCapabilities(in []string) []string {
	out := make([]string, len(in))
	for i, c := range in {
		out[i] = capabilityName(c)
	}
	return sortedUnique(out)
}

// normalizeRlimits sorts by type; of two limits of one type the lower
// soft and the lower hard value win, since a policy only lowers limits.
func normalizeRlimits(in []Rlimit) []Rlimit {
	if len(in) == 0 {
		return nil
	}
	byType := map[string]Rlimit{}
	for _, r := range in {
		r.Type = rlimitName(r.Type)
		if old, ok := byType[r.Type]; ok {
			r.Soft, r.Hard = min(r.Soft, old.Soft), min(r.Hard, old.Hard)
		}
		byType[r.Type] = r
	}
	out := make([]Rlimit, 0, len(byType))
	for _, r := range byType {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Rlimit) int { return cmp.Compare(a.Type, b.Type) })
	return out
}

// normalizeDestinations normalizes each destination, merges the ports of
// destinations that differ only in ports (any port absorbs the others),
// and sorts by text form.
func normalizeDestinations(in []Destination) []Destination {
	if len(in) == 0 {
		return nil
	}
	type target struct{ host, cidr, proto string }
	merged := map[target]Destination{}
	for _, d := range in {
		d = d.normalized()
		t := target{d.Host, d.CIDR, d.Protocol}
		if old, ok := merged[t]; ok {
			d.Ports = unionPorts(old.Ports, d.Ports)
		}
		merged[t] = d
	}
	out := make([]Destination, 0, len(merged))
	for _, d := range merged {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Destination) int { return cmp.Compare(a.String(), b.String()) })
	return out
}

// unionPorts joins two port lists; an empty list means any port.
func unionPorts(a, b []PortRange) []PortRange {
	if len(a) == 0 || len(b) == 0 {
		return nil
	}
	return mergePorts(append(slices.Clone(a), b...))
}

// Clone returns a deep copy of p.
func (p *Policy) Clone() *Policy {
	c := *p
	f := &c.Filesystem
	f.Readable = slices.Clone(f.Readable)
	f.Writable = slices.Clone(f.Writable)
	f.Executable = slices.Clone(f.Executable)
	f.Hidden = slices.Clone(f.Hidden)
	f.WritableExecutable = slices.Clone(f.WritableExecutable)
	c.Network.Allow = cloneDestinations(c.Network.Allow)
	c.Process.Capabilities = slices.Clone(c.Process.Capabilities)
	c.Process.Rlimits = slices.Clone(c.Process.Rlimits)
	c.Isolation.MountSources = slices.Clone(c.Isolation.MountSources)
	return &c
}

func cloneDestinations(in []Destination) []Destination {
	if in == nil {
		return nil
	}
	out := make([]Destination, len(in))
	for i, d := range in {
		d.Ports = slices.Clone(d.Ports)
		out[i] = d
	}
	return out
}
