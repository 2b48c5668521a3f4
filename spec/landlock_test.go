package spec

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

func TestPlanLandlockPaths(t *testing.T) {
	p := enforcePolicy()
	p.Filesystem = policy.Filesystem{
		Readable:           []string{"/etc", "/usr/"},
		Writable:           []string{"/tmp", "/workspace", "/both"},
		Executable:         []string{"/usr/bin", "/both", "/workspace"},
		WritableExecutable: []string{"/workspace", "/nowhere"},
	}
	p.Landlock = policy.Landlock{MinABI: 3, BestEffort: true}
	plan, err := runStep(t, planLandlock, &specs.Spec{}, p)
	if err != nil {
		t.Fatal(err)
	}
	want := LandlockPlan{
		Paths: []PathRule{
			{Path: "/both", Read: true, Write: true},
			{Path: "/etc", Read: true},
			{Path: "/tmp", Read: true, Write: true},
			{Path: "/usr", Read: true},
			{Path: "/usr/bin", Read: true, Execute: true},
			{Path: "/workspace", Read: true, Write: true, Execute: true},
		},
		WriteXorExecute: true, MinABI: 3, BestEffort: true,
	}
	if diff := cmp.Diff(want, plan.Landlock); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	if len(plan.Warnings) != 2 || !strings.Contains(plan.Warnings[0], `"/nowhere" is not writable`) ||
		!strings.Contains(plan.Warnings[1], `"/both" is both writable and executable`) {
		t.Errorf("warnings: got %q", plan.Warnings)
	}
	if got := plan.Layers[LayerLandlock].String(); got != "enforced: minimum ABI 3" {
		t.Errorf("layer: got %q", got)
	}
}

func TestPlanLandlockStatus(t *testing.T) {
	// Empty path lists must not turn Landlock off: a request may narrow
	// them to nothing, and that grants nothing, not everything.
	plan, _ := runStep(t, planLandlock, &specs.Spec{}, enforcePolicy())
	if got := plan.Layers[LayerLandlock].Status; got != StatusEnforced {
		t.Errorf("no paths: got %s, want %s", got, StatusEnforced)
	}
	off := enforcePolicy()
	off.Landlock.Disabled = true
	plan, _ = runStep(t, planLandlock, &specs.Spec{}, off)
	if got := plan.Layers[LayerLandlock].Status; got != StatusOff {
		t.Errorf("disabled by the admin: got %s, want %s", got, StatusOff)
	}
	a := auditPolicy()
	a.Filesystem.Readable = []string{"/"}
	plan, _ = runStep(t, planLandlock, &specs.Spec{}, a)
	if got := plan.Layers[LayerLandlock].String(); got != "audit: not applied (Landlock has no log-only mode)" {
		t.Errorf("audit: got %q", got)
	}
	if len(plan.Landlock.Paths) != 1 {
		t.Errorf("audit: got %d rules, want the ruleset computed for explain", len(plan.Landlock.Paths))
	}
}

func TestConnectPorts(t *testing.T) {
	port := func(f, l uint16) policy.PortRange { return policy.PortRange{First: f, Last: l} }
	tests := []struct {
		name string
		net  policy.Network
		want PortRule
	}{
		{"none", policy.Network{Egress: policy.EgressNone}, PortRule{}},
		{"open", policy.Network{Egress: policy.EgressOpen}, PortRule{}},
		{"cidr ports", policy.Network{Egress: policy.EgressAllowlist, Allow: []policy.Destination{
			{CIDR: "192.0.2.0/24", Ports: []policy.PortRange{port(8000, 8100), port(8050, 8200), port(22, 22)}}}},
			PortRule{Handled: true, Ports: []policy.PortRange{port(22, 22), port(8000, 8200)}}},
		{"hosts add dns", policy.Network{Egress: policy.EgressAllowlist, Allow: []policy.Destination{
			{Host: "a.example", Ports: []policy.PortRange{port(443, 443)}}}},
			PortRule{Handled: true, Ports: []policy.PortRange{port(53, 53), port(443, 443)}}},
		{"udp only destination ignored", policy.Network{Egress: policy.EgressAllowlist, Allow: []policy.Destination{
			{CIDR: "192.0.2.1", Protocol: "udp"}, {CIDR: "192.0.2.2", Ports: []policy.PortRange{port(80, 80)}, Protocol: "tcp"}}},
			PortRule{Handled: true, Ports: []policy.PortRange{port(80, 80)}}},
		{"any port", policy.Network{Egress: policy.EgressAllowlist, Allow: []policy.Destination{
			{Host: "a.example", Ports: []policy.PortRange{port(443, 443)}}, {CIDR: "192.0.2.1"}}}, PortRule{}},
		{"all ports", policy.Network{Egress: policy.EgressAllowlist, Allow: []policy.Destination{
			{CIDR: "192.0.2.1", Ports: []policy.PortRange{port(1, 65535)}}}}, PortRule{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, connectPorts(tt.net)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
