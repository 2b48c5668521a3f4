package policy

import (
	"regexp"
	"slices"
	"testing"
)

func samplePolicy() *Policy {
	return &Policy{
		Profile: "agent",
		Mode:    ModeEnforce,
		Filesystem: Filesystem{
			ReadOnlyRootfs: true,
			Readable:       []string{"/usr", "/", "/etc/"},
			Writable:       []string{"/workspace", "/tmp", "/workspace"},
			Hidden:         []string{"/proc/kcore", "/sys/firmware"},
		},
		Network: Network{Egress: EgressAllowlist, Allow: []Destination{
			mustDest("b.example.com:443"), mustDest("a.example.com:80"), mustDest("a.example.com:443"),
			mustDest("10.0.0.0/8"),
		}},
		Process: Process{
			Capabilities: []string{"CAP_NET_BIND_SERVICE", "chown"},
			Rlimits:      []Rlimit{{"RLIMIT_NPROC", 10, 20}, {"RLIMIT_NOFILE", 100, 200}},
		},
		Resources: Resources{Pids: 100},
	}
}

func mustDest(s string) Destination {
	d, err := ParseDestination(s)
	if err != nil {
		panic(err)
	}
	return d
}

// reversed returns p with every list reversed.
func reversed(p *Policy) *Policy {
	c := p.Clone()
	slices.Reverse(c.Filesystem.Readable)
	slices.Reverse(c.Filesystem.Writable)
	slices.Reverse(c.Filesystem.Hidden)
	slices.Reverse(c.Network.Allow)
	slices.Reverse(c.Process.Capabilities)
	slices.Reverse(c.Process.Rlimits)
	return c
}

func TestCanonicalStableUnderReordering(t *testing.T) {
	a, err := samplePolicy().Canonical()
	if err != nil {
		t.Fatal(err)
	}
	b, err := reversed(samplePolicy()).Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if string(a) != string(b) {
		t.Errorf("canonical encodings differ under reordering:\n%s\n%s", a, b)
	}
	ha, _ := samplePolicy().Hash()
	hb, _ := reversed(samplePolicy()).Hash()
	if ha != hb {
		t.Errorf("hashes differ under reordering: %s, %s", ha, hb)
	}
}

func TestCanonicalEncoding(t *testing.T) {
	got, err := samplePolicy().Canonical()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"profile":"agent","mode":"enforce",` +
		`"filesystem":{"read_only_rootfs":true,"readable":["/","/etc","/usr"],"writable":["/tmp","/workspace"],"hidden":["/proc/kcore","/sys/firmware"]},` +
		`"network":{"egress":"allowlist","allow":["10.0.0.0/8","a.example.com:80+443","b.example.com:443"],"dns":"filter"},` +
		`"process":{"capabilities":["CAP_CHOWN","CAP_NET_BIND_SERVICE"],"no_new_privileges":true,"seccomp":"agent",` +
		`"rlimits":[{"type":"RLIMIT_NOFILE","soft":100,"hard":200},{"type":"RLIMIT_NPROC","soft":10,"hard":20}]},` +
		`"resources":{"pids":100},"isolation":{"tier":"container"},"landlock":{"min_abi":0}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestHashFormat(t *testing.T) {
	h, err := samplePolicy().Hash()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(h) {
		t.Errorf("Hash() = %q, want sha256:<64 hex digits>", h)
	}
	p := samplePolicy()
	p.Resources.Pids = 101
	if h2, _ := p.Hash(); h2 == h {
		t.Errorf("hash unchanged after changing resources.pids: %s", h)
	}
}

func TestCanonicalRefusesInvalid(t *testing.T) {
	p := samplePolicy()
	p.Filesystem.Writable = append(p.Filesystem.Writable, "/workspace/../etc")
	if _, err := p.Canonical(); err == nil {
		t.Error("got no error for a path with .., want one")
	}
}
