package spec

import (
	"fmt"

	"github.com/agentrt/agentrt/policy"
)

// Plan is what hardening decided that the OCI spec cannot express, for the
// runtime to apply: the Landlock ruleset, the egress rules, and the status
// of every enforcement layer, which the runtime checks against what is
// live and records in its report.
type Plan struct {
	// Mode is the policy mode the plan was made for.
	Mode policy.Mode `json:"mode"`
	// Landlock is the ruleset the sandbox entry applies inside the
	// container, when the landlock layer is enforced.
	Landlock LandlockPlan `json:"landlock"`
	// Egress is what the firewall and the DNS filter let out.
	Egress EgressPlan `json:"egress"`
	// Layers holds the planned status of every layer.
	Layers map[Layer]LayerStatus `json:"layers"`
	// Warnings are the decisions a step logged rather than refused, each
	// prefixed with the step's name. In audit mode they include everything
	// enforce would have refused or changed.
	Warnings []string `json:"warnings,omitempty"`

	step string // the running step, prefixed to warnings
}

// Layer names an enforcement layer.
type Layer string

// The layers a plan reports on.
const (
	LayerSeccomp         Layer = "seccomp"
	LayerLandlock        Layer = "landlock"
	LayerEgress          Layer = "egress"
	LayerDNS             Layer = "dns"
	LayerCapabilities    Layer = "capabilities"
	LayerNoNewPrivileges Layer = "no-new-privileges"
	LayerReadOnlyRootfs  Layer = "readonly-rootfs"
)

// Layers lists every layer, in the order reports show them.
var Layers = []Layer{LayerSeccomp, LayerLandlock, LayerEgress, LayerDNS,
	LayerCapabilities, LayerNoNewPrivileges, LayerReadOnlyRootfs}

// Status is how a layer applies.
type Status string

// The statuses of a layer.
const (
	// StatusEnforced: the layer denies what the policy does not allow.
	StatusEnforced Status = "enforced"
	// StatusAudit: the layer logs what enforce would deny, or, for a
	// layer that cannot log, is not applied (Detail says which).
	StatusAudit Status = "audit"
	// StatusOff: the policy turns the layer off (unconfined seccomp, open
	// egress, a writable rootfs).
	StatusOff Status = "off"
	// StatusNotApplicable: the policy mode is off, so agentrt behaves as
	// runc and applies nothing.
	StatusNotApplicable Status = "not-applicable"
)

// LayerStatus is the planned status of one layer.
type LayerStatus struct {
	Status Status `json:"status"`
	// Detail says what applies, such as "agent profile merged with the
	// engine's", or why the layer is not applied.
	Detail string `json:"detail,omitempty"`
}

// String reads like "audit: not applied (Landlock has no log-only mode)".
func (s LayerStatus) String() string {
	if s.Detail == "" {
		return string(s.Status)
	}
	return string(s.Status) + ": " + s.Detail
}

// LandlockPlan is the Landlock ruleset for the agent.
type LandlockPlan struct {
	// Paths are the filesystem rules, sorted by path.
	Paths []PathRule `json:"paths,omitempty"`
	// WriteXorExecute is true when nothing beneath a writable path may be
	// executed unless the policy lists the path in
	// filesystem.writable_executable. The rules above already leave execute
	// off writable paths, but Landlock adds up the rights of every rule
	// above a file: beneath an executable rule on "/" a writable /tmp is
	// executable. The runtime keeps W^X there by splitting such an
	// executable rule into rules for the siblings of the writable path, or
	// relies on the noexec option that the hardened spec puts on the
	// writable path's own mount.
	WriteXorExecute bool `json:"writeXorExecute"`
	// ConnectTCP are the TCP ports the agent may connect to.
	ConnectTCP PortRule `json:"connectTCP"`
	// BindTCP are the TCP ports the agent may bind.
	BindTCP PortRule `json:"bindTCP"`
	// MinABI is the lowest Landlock ABI the kernel may have.
	MinABI int `json:"minABI"`
	// BestEffort allows a kernel that enforces less than the ruleset.
	BestEffort bool `json:"bestEffort,omitempty"`
}

// PathRule grants rights beneath one path. Landlock rights are
// inherited: a rule on a directory applies to everything beneath it.
type PathRule struct {
	Path string `json:"path"`
	// Read: read files and list directories.
	Read bool `json:"read,omitempty"`
	// Write: write and truncate files; create, rename and remove entries.
	Write bool `json:"write,omitempty"`
	// Execute: execute files.
	Execute bool `json:"execute,omitempty"`
}

// PortRule restricts a TCP operation to ports. When Handled is false the
// operation is not restricted at all; when true, only Ports are allowed
// (none if empty).
type PortRule struct {
	Handled bool               `json:"handled"`
	Ports   []policy.PortRange `json:"ports,omitempty"`
}

// EgressPlan is what the egress firewall and the DNS filter allow.
type EgressPlan struct {
	Mode  policy.EgressMode    `json:"mode"`
	Allow []policy.Destination `json:"allow,omitempty"`
	DNS   policy.DNSMode       `json:"dns,omitempty"`
}

// newPlan returns a plan with every layer not applicable.
func newPlan(mode policy.Mode) *Plan {
	p := &Plan{Mode: mode, Layers: map[Layer]LayerStatus{}}
	for _, l := range Layers {
		p.Layers[l] = LayerStatus{Status: StatusNotApplicable, Detail: "policy mode off"}
	}
	return p
}

// set records the planned status of a layer.
func (p *Plan) set(l Layer, st Status, detail string) {
	p.Layers[l] = LayerStatus{Status: st, Detail: detail}
}

// warnf records a warning of the running step.
func (p *Plan) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if p.step != "" {
		msg = p.step + ": " + msg
	}
	p.Warnings = append(p.Warnings, msg)
}
