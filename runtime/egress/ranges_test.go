package egress

import (
	"net/netip"
	"slices"
	"testing"
)

func TestExclusions(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		want   []string
	}{
		{"inside a blocked range opens it", "10.1.0.0/16", nil},
		{"equal to a blocked range opens it", "10.0.0.0/8", nil},
		{"metadata stays shut under link-local", "169.254.0.0/16", []string{"169.254.169.254/32"}},
		{"metadata named exactly", "169.254.169.254/32", nil},
		{"public host", "93.184.216.34/32", nil},
		{"documentation range", "192.0.2.0/24", nil},
		{"wider than private", "172.0.0.0/8", []string{"172.16.0.0/12"}},
		{"ula keeps metadata shut", "fc00::/7", []string{"fd00:ec2::254/128"}},
		{"all of ipv6", "::/0", []string{"::/96", "::ffff:0.0.0.0/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:2::/48",
			"2001:10::/28", "2002::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range exclusions(netip.MustParsePrefix(tt.prefix)) {
				got = append(got, p.String())
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
		})
	}
}

func TestAllIPv4Exclusions(t *testing.T) {
	ex := exclusions(netip.MustParsePrefix("0.0.0.0/0"))
	for _, a := range []string{"10.1.2.3", "127.0.0.1", "169.254.169.254", "192.168.1.1", "224.0.0.1", "255.255.255.255", "100.64.0.1", "168.63.129.16"} {
		if !inAny(netip.MustParseAddr(a), ex) {
			t.Errorf("%s: got reachable through 0.0.0.0/0, want excluded", a)
		}
	}
	if inAny(netip.MustParseAddr("93.184.216.34"), ex) {
		t.Error("93.184.216.34: got excluded, want reachable")
	}
}

func TestBlockedFor(t *testing.T) {
	cidrs := []cidrRule{{Prefix: netip.MustParsePrefix("10.1.0.0/16"), Exclude: exclusions(netip.MustParsePrefix("10.1.0.0/16"))},
		{Prefix: netip.MustParsePrefix("169.254.0.0/16"), Exclude: exclusions(netip.MustParsePrefix("169.254.0.0/16"))}}
	blocked := blockedFor(cidrs)
	tests := []struct {
		addr string
		want bool
	}{
		{"93.184.216.34", false},
		{"2606:2800:220:1:248:1893:25c8:1946", false},
		{"10.1.2.3", false},
		{"10.2.0.1", true},
		{"127.0.0.1", true},
		{"169.254.1.1", false},
		{"169.254.169.254", true},
		{"192.168.0.1", true},
		{"::1", true},
		{"::ffff:10.2.0.1", true},
		{"fd00::1", true},
		{"fd00:ec2::254", true},
		{"fe80::1", true},
		{"ff02::1", true},
		{"64:ff9b::a02:1", true},
		{"64:ff9b::5db8:d822", false},
		{"2002:a00:1::", true},
		{"192.0.2.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := blocked(netip.MustParseAddr(tt.addr)); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
