package policy

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDestination(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Destination
		text string
	}{
		{"host with port", "api.example.com:443", Destination{Host: "api.example.com", Ports: []PortRange{{443, 443}}}, "api.example.com:443"},
		{"wildcard label", "*.example.org:443", Destination{Host: "*.example.org", Ports: []PortRange{{443, 443}}}, "*.example.org:443"},
		{"any host, two ports", "*:443+80", Destination{Host: "*", Ports: []PortRange{{80, 80}, {443, 443}}}, "*:80+443"},
		{"upper case host, final dot", "API.Example.COM.", Destination{Host: "api.example.com"}, "api.example.com"},
		{"cidr range protocol", "10.0.0.0/8:80-90/tcp", Destination{CIDR: "10.0.0.0/8", Ports: []PortRange{{80, 90}}, Protocol: "tcp"}, "10.0.0.0/8:80-90/tcp"},
		{"host bits masked", "10.1.2.3/8", Destination{CIDR: "10.0.0.0/8"}, "10.0.0.0/8"},
		{"bare ipv4", "1.2.3.4", Destination{CIDR: "1.2.3.4/32"}, "1.2.3.4"},
		{"bracketed ipv6 with port", "[2001:db8::1]:443", Destination{CIDR: "2001:db8::1/128", Ports: []PortRange{{443, 443}}}, "[2001:db8::1]:443"},
		{"bare ipv6", "2001:db8::1", Destination{CIDR: "2001:db8::1/128"}, "2001:db8::1"},
		{"ipv6 prefix protocol", "2001:db8::/32/udp", Destination{CIDR: "2001:db8::/32", Protocol: "udp"}, "2001:db8::/32/udp"},
		{"ipv4-mapped unmapped", "[::ffff:1.2.3.4]:53", Destination{CIDR: "1.2.3.4/32", Ports: []PortRange{{53, 53}}}, "1.2.3.4:53"},
		{"overlapping ports merged", "h:80-90+85-100+101", Destination{Host: "h", Ports: []PortRange{{80, 101}}}, "h:80-101"},
		{"protocol case", "h:53/UDP", Destination{Host: "h", Ports: []PortRange{{53, 53}}, Protocol: "udp"}, "h:53/udp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDestination(tt.in)
			if err != nil {
				t.Fatalf("ParseDestination(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseDestination(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if s := got.String(); s != tt.text {
				t.Errorf("String() = %q, want %q", s, tt.text)
			}
			again, err := ParseDestination(got.String())
			if err != nil || !cmp.Equal(again, got) {
				t.Errorf("round trip of %q: got %+v, %v; want %+v", got.String(), again, err, got)
			}
		})
	}
}

func TestParseDestinationErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"empty port", "example.com:"},
		{"port zero", "example.com:0"},
		{"port too big", "example.com:65536"},
		{"reversed range", "example.com:90-80"},
		{"unknown protocol", "example.com:443/sctp"},
		{"bad cidr", "10.0.0.0/33"},
		{"zone", "fe80::1%eth0"},
		{"wildcard in the middle", "a.*.example.com"},
		{"double wildcard", "**.example.com"},
		{"label too long", strings.Repeat("a", 64) + ".com"},
		{"leading hyphen", "-bad.example.com"},
		{"numeric name", "010.0.0.1"},
		{"space", "exa mple.com"},
		{"unclosed bracket", "[2001:db8::1:443"},
		{"junk after bracket", "[2001:db8::1]443"},
		{"port with sign", "example.com:+80"},
		{"path", "example.com/foo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := ParseDestination(tt.in); err == nil {
				t.Errorf("ParseDestination(%q) = %+v, want an error", tt.in, got)
			}
		})
	}
}

func TestDestinationJSONIsText(t *testing.T) {
	var got []Destination
	if err := json.Unmarshal([]byte(`["*.example.org:443", "10.0.0.0/8"]`), &got); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	if want := `["*.example.org:443","10.0.0.0/8"]`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	if err := json.Unmarshal([]byte(`[{"host": "x"}]`), &got); err == nil {
		t.Error("got no error for a destination object, want one: destinations are strings")
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		ceiling, ask string
		want         bool
	}{
		{"*:80+443", "api.example.com:443", true},
		{"*:80+443", "*.example.com:443", true},
		{"*:80+443", "api.example.com:25", false},
		{"*:80+443", "api.example.com", false},
		{"*:80+443", "1.2.3.4:443", false},
		{"*.example.org", "a.example.org:22", true},
		{"*.example.org", "a.b.example.org", false},
		{"*.example.org", "example.org", false},
		{"*.example.org", "*.example.org:443", true},
		{"example.org", "example.org:443/tcp", true},
		{"example.org/tcp", "example.org:53", false},
		{"example.org/tcp", "example.org:53/udp", false},
		{"10.0.0.0/8", "10.1.0.0/16:443", true},
		{"10.0.0.0/8", "11.0.0.0/16", false},
		{"10.0.0.0/8", "0.0.0.0/0", false},
		{"::/0", "10.0.0.0/8", false},
	}
	for _, tt := range tests {
		t.Run(tt.ceiling+" covers "+tt.ask, func(t *testing.T) {
			c, err := ParseDestination(tt.ceiling)
			if err != nil {
				t.Fatal(err)
			}
			d, err := ParseDestination(tt.ask)
			if err != nil {
				t.Fatal(err)
			}
			if got := covers(c, d); got != tt.want {
				t.Errorf("covers(%q, %q) = %v, want %v", tt.ceiling, tt.ask, got, tt.want)
			}
		})
	}
}
