package spec

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

func TestPlanEgress(t *testing.T) {
	host := policy.Destination{Host: "api.example.com", Ports: []policy.PortRange{{First: 443, Last: 443}}}
	cidr := policy.Destination{CIDR: "192.0.2.0/24"}
	tests := []struct {
		name      string
		mode      policy.Mode
		net       policy.Network
		want      EgressPlan
		egress    string
		dns       string
		wantWarns int
	}{
		{name: "empty is none", net: policy.Network{},
			want: EgressPlan{Mode: policy.EgressNone}, egress: "enforced: none: loopback only", dns: "enforced: no names allowed"},
		{name: "none ignores allow", net: policy.Network{Egress: policy.EgressNone, Allow: []policy.Destination{cidr}},
			want: EgressPlan{Mode: policy.EgressNone}, egress: "enforced: none: loopback only", dns: "enforced: no names allowed", wantWarns: 1},
		{name: "allowlist with names gets the filter", net: policy.Network{Egress: policy.EgressAllowlist, Allow: []policy.Destination{host, cidr}},
			want:   EgressPlan{Mode: policy.EgressAllowlist, Allow: []policy.Destination{host, cidr}, DNS: policy.DNSFilter},
			egress: "enforced: allowlist of 2 destinations", dns: "enforced: filter"},
		{name: "static dns", net: policy.Network{Egress: policy.EgressAllowlist, Allow: []policy.Destination{host}, DNS: policy.DNSStatic},
			want:   EgressPlan{Mode: policy.EgressAllowlist, Allow: []policy.Destination{host}, DNS: policy.DNSStatic},
			egress: "enforced: allowlist of 1 destinations", dns: "enforced: static"},
		{name: "open", net: policy.Network{Egress: policy.EgressOpen},
			want: EgressPlan{Mode: policy.EgressOpen}, egress: `off: policy network.egress is "open"`, dns: `off: policy network.egress is "open"`},
		{name: "audit", mode: policy.ModeAudit, net: policy.Network{Egress: policy.EgressAllowlist, Allow: []policy.Destination{cidr}},
			want:   EgressPlan{Mode: policy.EgressAllowlist, Allow: []policy.Destination{cidr}},
			egress: "audit: blocked connections logged, not refused", dns: "audit: refused names logged, not refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := enforcePolicy()
			p.Network = tt.net
			if tt.mode != "" {
				p.Mode = tt.mode
			}
			plan, err := runStep(t, planEgress, &specs.Spec{}, p)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, plan.Egress); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
			if got := plan.Layers[LayerEgress].String(); got != tt.egress {
				t.Errorf("egress layer: got %q, want %q", got, tt.egress)
			}
			if got := plan.Layers[LayerDNS].String(); got != tt.dns {
				t.Errorf("dns layer: got %q, want %q", got, tt.dns)
			}
			if len(plan.Warnings) != tt.wantWarns {
				t.Errorf("warnings: got %q, want %d", plan.Warnings, tt.wantWarns)
			}
		})
	}
	p := enforcePolicy()
	p.Network.Egress = "sometimes"
	if _, err := runStep(t, planEgress, &specs.Spec{}, p); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown egress mode: got %v, want ErrInvalid", err)
	}
}

func TestPlanEgressCopies(t *testing.T) {
	p := enforcePolicy()
	p.Network = policy.Network{Egress: policy.EgressAllowlist, Allow: []policy.Destination{
		{CIDR: "192.0.2.1", Ports: []policy.PortRange{{First: 1, Last: 2}}}}}
	plan, _ := runStep(t, planEgress, &specs.Spec{}, p)
	plan.Egress.Allow[0].Ports[0].First = 99
	if p.Network.Allow[0].Ports[0].First != 1 {
		t.Errorf("the plan shares the policy's slices")
	}
}
