package runtime

import (
	"fmt"
	"slices"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/runtime/landlock"
	"github.com/agentrt/agentrt/spec"
)

// ReportAnnotation is the annotation under which `state` shows the
// enforcement report of a container.
const ReportAnnotation = "agentrt.io/report"

// Report is what agentrt found live after setting a container up: the
// policy it ran under and the status of every enforcement layer.
type Report struct {
	PolicyHash string   `json:"policyHash"`
	Profile    string   `json:"profile"`
	Mode       string   `json:"mode"`
	Channels   []string `json:"channels"`
	// Layers maps each layer to "enforced", "audit: …", "off: …",
	// "not-applicable: …" or "unsupported: …".
	Layers   map[string]string `json:"layers"`
	Landlock *landlock.Status  `json:"landlock,omitempty"`
	Egress   map[string]string `json:"egress,omitempty"`
	// EgressDenials counts the packets refused per destination address,
	// read live from the netns when state is asked for.
	EgressDenials map[string]uint64 `json:"egressDenials,omitempty"`
	Warnings      []string          `json:"warnings,omitempty"`
}

// newReport is the report as planned; finishCreate confirms each layer
// against what is live before the report is written.
func (p *prepared) newReport() *Report {
	rep := &Report{
		PolicyHash: p.result.Hash,
		Profile:    p.result.Policy.Profile,
		Mode:       string(p.plan.Mode),
		Channels:   []string{},
		Layers:     map[string]string{},
		Landlock:   p.landlock,
		Warnings:   append(append([]string(nil), p.result.Warnings...), p.plan.Warnings...),
	}
	if p.imageUnavailable != "" {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("image policy unavailable (%s): the profile's defaults apply without the image's requests", p.imageUnavailable))
	}
	for _, ch := range p.result.Channels {
		rep.Channels = append(rep.Channels, string(ch))
	}
	for l, st := range p.plan.Layers {
		rep.Layers[string(l)] = st.String()
	}
	if p.landlock != nil {
		if missing := unsupportedFeatures(p.landlock); len(missing) > 0 {
			rep.Layers[string(spec.LayerLandlock)] = fmt.Sprintf("enforced: ABI %d; unsupported by the kernel: %v", p.landlock.ABI, missing)
		}
	}
	return rep
}

func unsupportedFeatures(st *landlock.Status) []string {
	var out []string
	for f, s := range st.Features {
		if s != "enforced" {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// verifyLive checks, on the init process that waits on the exec fifo,
// that every layer the plan enforces is in force: seccomp in filter mode,
// no_new_privs, no capability beyond the spec's, and private namespaces.
// A layer that is not live fails create: agentrt never runs a container
// below the policy.
func (p *prepared) verifyLive(pid int) error {
	if p.plan.Mode == policy.ModeOff {
		return nil
	}
	lp, err := readLiveProcess(pid)
	if err != nil {
		return err
	}
	var errs []error
	if enforcedOrAudit(p.plan, spec.LayerSeccomp) && lp.seccompMode != 2 {
		errs = append(errs, fmt.Errorf("seccomp: init runs with seccomp mode %d, want 2 (filter)", lp.seccompMode))
	}
	if enforcedOrAudit(p.plan, spec.LayerNoNewPrivileges) && !lp.noNewPrivs {
		errs = append(errs, fmt.Errorf("no-new-privileges: init can gain privileges"))
	}
	if want := capMask(p.spec.Process); lp.capBnd&^want != 0 || lp.capEff&^want != 0 || lp.capPrm&^want != 0 {
		errs = append(errs, fmt.Errorf("capabilities: init holds %#x (bounding %#x), want at most %#x", lp.capEff, lp.capBnd, want))
	}
	for _, ns := range requiredNamespaces(p) {
		if lp.sharesNamespace(p.ownNS, ns) {
			errs = append(errs, fmt.Errorf("namespaces: init shares agentrt's %s namespace", ns))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("container is not confined as the policy requires: %w", joinErrors(errs))
	}
	return nil
}

func enforcedOrAudit(plan *spec.Plan, l spec.Layer) bool {
	st := plan.Layers[l].Status
	return st == spec.StatusEnforced || st == spec.StatusAudit
}

// requiredNamespaces are the namespaces init must not share with agentrt
// (the host): those the policy requires, less the ones the admin lets it
// share. A namespace joined by path counts too: a pod's is not agentrt's,
// but /proc/self/ns/pid or any other path to the host's is. In audit mode
// spec.Harden adds no namespace (it warns that enforce would), so there
// only those the spec itself has an entry for are required.
func requiredNamespaces(p *prepared) []string {
	out := []string{"ipc", "mnt", "uts", "cgroup"}
	if !p.result.Policy.Isolation.HostNetwork {
		out = append(out, "net")
	}
	if !p.result.Policy.Isolation.HostPID {
		out = append(out, "pid")
	}
	if p.plan.Mode == policy.ModeAudit {
		out = slices.DeleteFunc(out, func(ns string) bool { return !specHasNamespace(p, ns) })
	}
	return out
}

// specNamespaceTypes maps the names under /proc/PID/ns to the spec's
// namespace types.
var specNamespaceTypes = map[string]string{
	"ipc": "ipc", "mnt": "mount", "uts": "uts", "cgroup": "cgroup", "net": "network", "pid": "pid",
}

// specHasNamespace reports whether the hardened spec has an entry for the
// namespace named ns as under /proc/PID/ns.
func specHasNamespace(p *prepared, ns string) bool {
	return slices.ContainsFunc(p.spec.Linux.Namespaces, func(n specs.LinuxNamespace) bool {
		return string(n.Type) == specNamespaceTypes[ns]
	})
}
