package egress

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentrt/agentrt/policy"
)

func mustDestinations(t *testing.T, in ...string) []policy.Destination {
	t.Helper()
	var out []policy.Destination
	for _, s := range in {
		d, err := policy.ParseDestination(s)
		if err != nil {
			t.Fatalf("destination %q: %v", s, err)
		}
		out = append(out, d)
	}
	return out
}

func TestCompile(t *testing.T) {
	tests := []struct {
		name    string
		net     policy.Network
		want    *plan
		wantErr string
	}{
		{name: "open has no plan", net: policy.Network{Egress: policy.EgressOpen}},
		{name: "empty mode is none", net: policy.Network{}, want: &plan{Mode: policy.EgressNone}},
		{name: "none", net: policy.Network{Egress: policy.EgressNone, Allow: mustDestinations(t, "1.2.3.4")},
			want: &plan{Mode: policy.EgressNone}},
		{name: "empty allowlist is none", net: policy.Network{Egress: policy.EgressAllowlist},
			want: &plan{Mode: policy.EgressNone}},
		{name: "unknown mode", net: policy.Network{Egress: "wide"}, wantErr: `network.egress "wide"`},
		{
			name: "cidr and host",
			net:  policy.Network{Egress: policy.EgressAllowlist, Allow: mustDestinations(t, "10.1.0.0/16:5432/tcp", "API.example.com:443")},
			want: &plan{Mode: policy.EgressAllowlist, DNS: policy.DNSFilter,
				CIDRs: []cidrRule{{Prefix: netip.MustParsePrefix("10.1.0.0/16"), Ports: []policy.PortRange{{First: 5432, Last: 5432}}, Protocols: []string{"tcp"}}},
				Hosts: []hostRule{{Host: "api.example.com", Ports: []policy.PortRange{{First: 443, Last: 443}},
					Protocols: []string{"tcp", "udp"}, Set4: "host0_v4", Set6: "host0_v6"}}},
		},
		{
			name: "static dns kept",
			net:  policy.Network{Egress: policy.EgressAllowlist, DNS: policy.DNSStatic, Allow: mustDestinations(t, "a.example")},
			want: &plan{Mode: policy.EgressAllowlist, DNS: policy.DNSStatic, Hosts: []hostRule{{Host: "a.example",
				Protocols: []string{"tcp", "udp"}, Set4: "host0_v4", Set6: "host0_v6"}}},
		},
		{
			name: "no dns mode without hosts",
			net:  policy.Network{Egress: policy.EgressAllowlist, DNS: policy.DNSStatic, Allow: mustDestinations(t, "[2001:db8::/32]/udp")},
			want: &plan{Mode: policy.EgressAllowlist, CIDRs: []cidrRule{{Prefix: netip.MustParsePrefix("2001:db8::/32"), Protocols: []string{"udp"}}}},
		},
		{name: "bad destination", net: policy.Network{Egress: policy.EgressAllowlist, Allow: []policy.Destination{{Host: "a", CIDR: "1.2.3.4/32"}}},
			wantErr: "network.allow[0]"},
		{name: "bad dns mode", net: policy.Network{Egress: policy.EgressAllowlist, DNS: "doh", Allow: mustDestinations(t, "a.example")},
			wantErr: `network.dns "doh"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := compile(tt.net)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Fatalf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPlanHashDiffers(t *testing.T) {
	a, _ := compile(policy.Network{Egress: policy.EgressAllowlist, Allow: mustDestinations(t, "a.example:443")})
	b, _ := compile(policy.Network{Egress: policy.EgressAllowlist, Allow: mustDestinations(t, "a.example:444")})
	a2, _ := compile(policy.Network{Egress: policy.EgressAllowlist, Allow: mustDestinations(t, "a.example:443")})
	if a.hash() == b.hash() || a.hash() != a2.hash() {
		t.Fatalf("hashes: got %s, %s, %s, want the first two different and the first and last equal", a.hash(), b.hash(), a2.hash())
	}
}

func TestHostMatches(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"api.example.com", "api.example.com", true},
		{"api.example.com", "x.api.example.com", false},
		{"api.example.com", "example.com", false},
		{"*.example.org", "a.example.org", true},
		{"*.example.org", "example.org", false},
		{"*.example.org", "a.b.example.org", false},
		{"*.example.org", "aexample.org", false},
		{"*", "anything.at.all", true},
		{"*", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.name, func(t *testing.T) {
			if got := hostMatches(tt.pattern, tt.name); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPlanMatch(t *testing.T) {
	p, err := compile(policy.Network{Egress: policy.EgressAllowlist, Allow: mustDestinations(t, "api.example.org:443", "*.example.org:80", "10.0.0.0/8")})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.match("api.example.org"); !slices.Equal(got, []int{0, 1}) {
		t.Errorf("match api.example.org: got %v, want [0 1]", got)
	}
	if got := p.match("evil.com"); got != nil {
		t.Errorf("match evil.com: got %v, want none", got)
	}
	if w := p.wildcards(); !slices.Equal(w, []string{"*.example.org"}) {
		t.Errorf("wildcards: got %v, want [*.example.org]", w)
	}
}

func TestErrorsWrap(t *testing.T) {
	err := &SharedNetnsError{NetnsPath: "/run/netns/x", Have: "a", Want: "b"}
	if !strings.Contains(err.Error(), `"/run/netns/x"`) {
		t.Fatalf("got %q, want the netns path quoted", err)
	}
	var se *SharedNetnsError
	if !errors.As(error(err), &se) {
		t.Fatal("errors.As: got false, want true")
	}
}
