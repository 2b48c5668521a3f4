package policy

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// testConfig is the embedded default plus a wider "dev" profile, a
// "locked" profile nobody may select, and image rules.
func testConfig() *Config {
	cfg := DefaultConfig()
	dev := agentProfile()
	dev.Description = "development"
	dev.Selectable = []Channel{ChannelAnnotation}
	dev.Defaults.Process.Rlimits = []Rlimit{{"RLIMIT_NOFILE", 1024, 1024}}
	dev.Defaults.Resources.MemoryBytes = 1 << 30
	dev.Ceiling.Modes = []Mode{ModeAudit}
	dev.Ceiling.Filesystem.WritableRootfs = true
	dev.Ceiling.Network.Egress = EgressOpen
	dev.Ceiling.Network.Allow = append(dev.Ceiling.Network.Allow, mustDest("10.0.0.0/8"))
	dev.Ceiling.Process.Capabilities = []string{"CAP_NET_BIND_SERVICE"}
	dev.Ceiling.Process.Seccomp = []string{SeccompEngine}
	dev.Ceiling.Process.Rlimits = []Rlimit{{"RLIMIT_NOFILE", 4096, 8192}}
	dev.Ceiling.Resources.MemoryBytes = 8 << 30
	dev.Ceiling.Isolation.HostNetwork = true
	locked := agentProfile()
	locked.Selectable = nil
	locked.Defaults.Resources.Pids = 64
	cfg.Profiles["dev"] = dev
	cfg.Profiles["locked"] = locked
	cfg.Images = []ImageRule{
		{Match: "registry.example.com/locked/*", Profile: "locked"},
		{Digest: testDigest, Profile: "dev"},
	}
	cfg.normalize()
	return cfg
}

func clampConfig() *Config {
	cfg := testConfig()
	cfg.OnExceed = OnExceedClamp
	return cfg
}

// annotation, image and file build requests the way the annotations
// package does.
func annotation(key string, set func(*Request)) *Request {
	r := &Request{Channel: ChannelAnnotation, Source: key}
	set(r)
	return r
}

func image(set func(*Request)) *Request {
	r := &Request{Channel: ChannelImage, Source: "agentrt.io/image.policy"}
	set(r)
	return r
}

func file(set func(*Request)) *Request {
	r := &Request{Channel: ChannelPolicyFile, Source: "/etc/agentrt/policy.json"}
	set(r)
	return r
}

func egress(ds ...string) func(*Request) {
	return func(r *Request) {
		allow := make([]Destination, len(ds))
		for i, d := range ds {
			allow[i] = mustDest(d)
		}
		r.Keys = map[string]string{"network.allow": "agentrt.io/egress", "network.egress": "agentrt.io/egress"}
		r.Network = &NetworkRequest{Egress: ptr(EgressAllowlist), Allow: &allow}
	}
}

func writable(paths ...string) func(*Request) {
	return func(r *Request) { r.Filesystem = &FilesystemRequest{Writable: &paths} }
}

func profile(name string) func(*Request) {
	return func(r *Request) { r.Profile = name }
}

// defaults is the resolved policy of a profile without requests.
func defaults(cfg *Config, name string) *Policy {
	p := cfg.Profiles[name].Defaults.Clone()
	p.Profile = name
	p.Normalize()
	return p
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name string
		cfg  *Config
		in   Input
		// want edits the profile's defaults into the expected policy.
		profile string
		want    func(p *Policy)
		// origins are expected entries of Result.Origins.
		origins  map[string]Origin
		warnings []string
	}{
		{
			name: "no request gives the default profile",
			want: func(*Policy) {},
		},
		{
			name: "nil config gives the embedded default",
			cfg:  nil,
			want: func(*Policy) {},
		},
		{
			name: "narrowing",
			in: Input{Requests: []*Request{annotation("agentrt.io/policy", func(r *Request) {
				r.Mode = ptr(ModeEnforce)
				r.Filesystem = &FilesystemRequest{Writable: &[]string{"/workspace/out"}, Hidden: &[]string{"/workspace/secrets"}}
				r.Network = &NetworkRequest{Egress: ptr(EgressNone)}
				r.Resources = &ResourcesRequest{Pids: ptr[int64](100), MemoryBytes: ptr[int64](1 << 30)}
				r.Landlock = &LandlockRequest{MinABI: ptr(4), BestEffort: ptr(false)}
				r.Process = &ProcessRequest{Rlimits: &[]Rlimit{{"nofile", 256, 512}}}
			})}},
			want: func(p *Policy) {
				p.Filesystem.Writable = []string{"/workspace/out"}
				p.Filesystem.Hidden = []string{"/workspace/secrets"}
				p.Resources.Pids, p.Resources.MemoryBytes = 100, 1<<30
				p.Landlock = Landlock{MinABI: 4}
				p.Process.Rlimits = []Rlimit{{"RLIMIT_NOFILE", 256, 512}}
			},
			origins: map[string]Origin{
				"filesystem.writable": {ChannelAnnotation, "agentrt.io/policy filesystem.writable"},
				"resources.pids":      {ChannelAnnotation, "agentrt.io/policy resources.pids"},
			},
		},
		{
			name: "widening within the ceiling",
			in: Input{Requests: []*Request{
				annotation("agentrt.io/egress", egress("api.example.com:443", "*.pypi.org:80+443")),
				annotation("agentrt.io/policy", func(r *Request) {
					r.Filesystem = &FilesystemRequest{Writable: &[]string{"/tmp", "/home/agent"}, WritableExecutable: &[]string{"/workspace/bin"}}
					r.Resources = &ResourcesRequest{Pids: ptr[int64](4096)}
				}),
			}},
			want: func(p *Policy) {
				p.Network.Egress = EgressAllowlist
				p.Network.Allow = []Destination{mustDest("*.pypi.org:80+443"), mustDest("api.example.com:443")}
				p.Filesystem.Writable = []string{"/home/agent", "/tmp"}
				p.Filesystem.WritableExecutable = []string{"/workspace/bin"}
				p.Resources.Pids = 4096
			},
			origins: map[string]Origin{"network.allow": {ChannelAnnotation, "agentrt.io/egress"}},
		},
		{
			name: "allow without egress implies allowlist",
			in: Input{Requests: []*Request{file(func(r *Request) {
				r.Network = &NetworkRequest{Allow: &[]Destination{mustDest("api.example.com:443")}}
			})}},
			want: func(p *Policy) {
				p.Network.Egress = EgressAllowlist
				p.Network.Allow = []Destination{mustDest("api.example.com:443")}
			},
			origins: map[string]Origin{"network.egress": {ChannelPolicyFile, "/etc/agentrt/policy.json network.allow"}},
		},
		{
			name: "clamped: excess dropped with a warning",
			cfg:  clampConfig(),
			in: Input{Requests: []*Request{
				annotation("agentrt.io/egress", egress("api.example.com:443+25", "evil.com:25", "10.0.0.0/8:443")),
				annotation("agentrt.io/policy", func(r *Request) {
					r.Mode = ptr(ModeOff)
					r.Filesystem = &FilesystemRequest{ReadOnlyRootfs: ptr(false), Writable: &[]string{"/workspace", "/etc"}}
					r.Process = &ProcessRequest{Capabilities: &[]string{"CAP_SYS_ADMIN"}, Seccomp: ptr(SeccompUnconfined)}
					r.Resources = &ResourcesRequest{Pids: ptr[int64](0)}
					r.Isolation = &IsolationRequest{HostNetwork: ptr(true)}
					r.Landlock = &LandlockRequest{MinABI: ptr(0)}
				}),
			}},
			want: func(p *Policy) {
				p.Network.Egress = EgressAllowlist
				p.Network.Allow = []Destination{mustDest("api.example.com:443")}
				p.Filesystem.Writable = []string{"/workspace"}
				p.Resources.Pids = 4096
			},
			warnings: []string{
				`agentrt.io/egress "api.example.com:25" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.network.allow; clamped, as on_exceed = "clamp"`,
				`agentrt.io/egress "evil.com:25" (annotation)`,
				`agentrt.io/egress "10.0.0.0/8:443" (annotation)`,
				`agentrt.io/policy mode "off" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.modes`,
				`agentrt.io/policy filesystem.read_only_rootfs "false" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.filesystem.writable_rootfs`,
				`agentrt.io/policy filesystem.writable "/etc"`,
				`"CAP_SYS_ADMIN" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.process.capabilities`,
				`"unconfined" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.process.seccomp`,
				`agentrt.io/policy resources.pids "0"`,
				`isolation.host_network "true" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.isolation.host_network`,
				`landlock.min_abi "0" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.defaults.landlock.min_abi`,
			},
		},
		{
			name:    "clamped to the widest allowed value below the ask",
			cfg:     clampConfig(),
			profile: "dev",
			in: Input{Requests: []*Request{annotation("agentrt.io/policy", func(r *Request) {
				r.Profile = "dev"
				r.Mode = ptr(ModeOff)
				r.Process = &ProcessRequest{Seccomp: ptr(SeccompUnconfined), Rlimits: &[]Rlimit{{"RLIMIT_NOFILE", 100000, 100000}}}
				r.Resources = &ResourcesRequest{MemoryBytes: ptr[int64](1 << 40)}
			})}},
			want: func(p *Policy) {
				p.Mode = ModeAudit
				p.Process.Seccomp = SeccompEngine
				p.Process.Rlimits = []Rlimit{{"RLIMIT_NOFILE", 4096, 8192}}
				p.Resources.MemoryBytes = 8 << 30
			},
			warnings: []string{`mode "off"`, `process.seccomp "unconfined"`, `"RLIMIT_NOFILE=100000:100000"`, `resources.memory_bytes "1099511627776"`},
		},
		{
			name: "allowing a mode allows the modes between it and the default",
			cfg: func() *Config {
				c := testConfig()
				c.Profiles["agent"].Ceiling.Modes = []Mode{ModeOff}
				return c
			}(),
			in:   Input{Requests: []*Request{file(func(r *Request) { r.Mode = ptr(ModeAudit) })}},
			want: func(p *Policy) { p.Mode = ModeAudit },
		},
		{
			name:    "selectable profile with its wider ceiling",
			profile: "dev",
			in: Input{Requests: []*Request{annotation("agentrt.io/policy", func(r *Request) {
				r.Profile = "dev"
				r.Mode = ptr(ModeAudit)
				r.Filesystem = &FilesystemRequest{ReadOnlyRootfs: ptr(false)}
				r.Network = &NetworkRequest{Egress: ptr(EgressOpen)}
				r.Process = &ProcessRequest{Capabilities: &[]string{"net_bind_service"}, Seccomp: ptr(SeccompEngine),
					Rlimits: &[]Rlimit{{"RLIMIT_NOFILE", 4096, 8192}}}
				r.Isolation = &IsolationRequest{HostNetwork: ptr(true)}
			})}},
			want: func(p *Policy) {
				p.Mode = ModeAudit
				p.Filesystem.ReadOnlyRootfs = false
				p.Network.Egress = EgressOpen
				p.Process.Capabilities = []string{"CAP_NET_BIND_SERVICE"}
				p.Process.Seccomp = SeccompEngine
				p.Process.Rlimits = []Rlimit{{"RLIMIT_NOFILE", 4096, 8192}}
				p.Isolation.HostNetwork = true
			},
		},
		{
			name:    "image rule selects the profile and overrides a profile request",
			profile: "locked",
			in: Input{ImageRef: "registry.example.com/locked/agent:1", Requests: []*Request{
				annotation("agentrt.io/profile", profile("dev")),
			}},
			want:     func(*Policy) {},
			warnings: []string{`ignored agentrt.io/profile profile "dev" (annotation): images[0] selects profile "locked" for this image`},
		},
		{
			name:    "digest rule",
			profile: "dev",
			in:      Input{ImageRef: "registry.example.com/x@" + testDigest},
			want:    func(*Policy) {},
		},
		{
			name: "conflicting channels: annotation over image over policy file, field by field",
			in: Input{Requests: []*Request{
				annotation("agentrt.io/writable", writable("/workspace")),
				file(func(r *Request) {
					r.Filesystem = &FilesystemRequest{Writable: &[]string{"/tmp"}}
					r.Network = &NetworkRequest{Egress: ptr(EgressOpen)} // beyond the ceiling, but overridden
					r.Resources = &ResourcesRequest{Pids: ptr[int64](100)}
				}),
				image(func(r *Request) {
					r.Network = &NetworkRequest{Egress: ptr(EgressNone)}
					r.Resources = &ResourcesRequest{Pids: ptr[int64](200)}
				}),
			}},
			want: func(p *Policy) {
				p.Filesystem.Writable = []string{"/workspace"}
				p.Resources.Pids = 200
			},
			origins: map[string]Origin{
				"filesystem.writable": {ChannelAnnotation, "agentrt.io/writable filesystem.writable"},
				"network.egress":      {ChannelImage, "agentrt.io/image.policy network.egress"},
				"resources.pids":      {ChannelImage, "agentrt.io/image.policy resources.pids"},
			},
		},
		{
			name: "untrusted channel ignored with a warning",
			cfg: func() *Config {
				c := testConfig()
				c.TrustedChannels = []Channel{ChannelAnnotation}
				return c
			}(),
			in:   Input{Requests: []*Request{file(writable("/etc"))}},
			want: func(*Policy) {},
			warnings: []string{
				`ignored the request from /etc/agentrt/policy.json (policy-file): channel "policy-file" is not in trusted_channels`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg == nil && tt.name != "nil config gives the embedded default" {
				cfg = testConfig()
			}
			name := tt.profile
			if name == "" {
				name = DefaultProfileName
			}
			res, err := Resolve(cfg, tt.in)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			want := defaults(testConfig(), name)
			tt.want(want)
			want.Normalize()
			if diff := cmp.Diff(want, res.Policy); diff != "" {
				t.Errorf("policy mismatch (-want +got):\n%s", diff)
			}
			if h, _ := want.Hash(); res.Hash != h {
				t.Errorf("got hash %s, want %s", res.Hash, h)
			}
			for field, o := range tt.origins {
				if got := res.Origins[field]; got != o {
					t.Errorf("origin of %s: got %+v, want %+v", field, got, o)
				}
			}
			checkWarnings(t, res.Warnings, tt.warnings)
		})
	}
}

// checkWarnings wants each expected substring in its own warning, and no
// warning beyond them.
func checkWarnings(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d warnings, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Errorf("no warning contains %q; got:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

func TestResolveRefuses(t *testing.T) {
	tests := []struct {
		name   string
		in     Input
		want   string
		wantIs error
	}{
		{
			name:   "egress beyond the ceiling",
			in:     Input{Requests: []*Request{annotation("agentrt.io/egress", egress("evil.com:25"))}},
			want:   `agentrt.io/egress "evil.com:25" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.network.allow`,
			wantIs: ErrExceedsCeiling,
		},
		{
			name:   "address literal beyond a host-name ceiling",
			in:     Input{Requests: []*Request{annotation("agentrt.io/egress", egress("1.2.3.4:443"))}},
			want:   `agentrt.io/egress "1.2.3.4:443" (annotation) exceeds`,
			wantIs: ErrExceedsCeiling,
		},
		{
			name:   "mode off from the policy file",
			in:     Input{Requests: []*Request{file(func(r *Request) { r.Mode = ptr(ModeOff) })}},
			want:   `/etc/agentrt/policy.json mode "off" (policy-file) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.modes`,
			wantIs: ErrExceedsCeiling,
		},
		{
			name:   "writable beyond the ceiling",
			in:     Input{Requests: []*Request{annotation("agentrt.io/writable", writable("/workspace", "/etc"))}},
			want:   `agentrt.io/writable filesystem.writable "/etc" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.filesystem.writable`,
			wantIs: ErrExceedsCeiling,
		},
		{
			name: "capability",
			in: Input{Requests: []*Request{image(func(r *Request) {
				r.Process = &ProcessRequest{Capabilities: &[]string{"CAP_NET_RAW"}}
			})}},
			want:   `agentrt.io/image.policy process.capabilities "CAP_NET_RAW" (image) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.process.capabilities`,
			wantIs: ErrExceedsCeiling,
		},
		{
			name: "host pid",
			in: Input{Requests: []*Request{annotation("agentrt.io/policy", func(r *Request) {
				r.Isolation = &IsolationRequest{HostPID: ptr(true)}
			})}},
			want:   `allow it with profiles.agent.ceiling.isolation.host_pid`,
			wantIs: ErrExceedsCeiling,
		},
		{
			name: "pids beyond the ceiling",
			in: Input{Requests: []*Request{annotation("agentrt.io/policy", func(r *Request) {
				r.Resources = &ResourcesRequest{Pids: ptr[int64](4097)}
			})}},
			want:   `agentrt.io/policy resources.pids "4097" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.resources.pids`,
			wantIs: ErrExceedsCeiling,
		},
		{
			name: "every excess is reported",
			in: Input{Requests: []*Request{
				annotation("agentrt.io/egress", egress("evil.com:25")),
				annotation("agentrt.io/mode", func(r *Request) {
					r.Mode = ptr(ModeAudit)
					r.Keys = map[string]string{"mode": "agentrt.io/mode"}
				}),
			}},
			want:   `agentrt.io/mode "audit" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.modes` + "\n" + `agentrt.io/egress "evil.com:25"`,
			wantIs: ErrExceedsCeiling,
		},
		{
			name:   "profile not selectable",
			in:     Input{Requests: []*Request{annotation("agentrt.io/profile", profile("locked"))}},
			want:   `agentrt.io/profile profile "locked" (annotation): profile is not selectable from the annotation channel; allow it with profiles.locked.selectable`,
			wantIs: ErrProfileNotAllowed,
		},
		{
			name:   "profile not selectable from that channel",
			in:     Input{Requests: []*Request{image(profile("dev"))}},
			want:   `agentrt.io/image.policy profile "dev" (image): profile is not selectable from the image channel; allow it with profiles.dev.selectable`,
			wantIs: ErrProfileNotAllowed,
		},
		{
			name:   "unknown profile",
			in:     Input{Requests: []*Request{annotation("agentrt.io/profile", profile("root"))}},
			want:   `agentrt.io/profile profile "root" (annotation): unknown profile; the admin config defines ["agent" "dev" "locked"]`,
			wantIs: ErrUnknownProfile,
		},
		{
			name:   "relative path",
			in:     Input{Requests: []*Request{annotation("agentrt.io/writable", writable("workspace"))}},
			want:   `request from agentrt.io/writable (annotation): agentrt.io/writable filesystem.writable[0] "workspace": path is not absolute`,
			wantIs: ErrRelativePath,
		},
		{
			name:   "dot dot",
			in:     Input{Requests: []*Request{file(writable("/workspace/../etc"))}},
			want:   `filesystem.writable[0] "/workspace/../etc": path contains ".."`,
			wantIs: ErrDotDot,
		},
		{
			name:   "NUL byte",
			in:     Input{Requests: []*Request{file(writable("/workspace\x00/x"))}},
			want:   `path contains a NUL byte`,
			wantIs: ErrNULByte,
		},
		{
			name:   "bad mode",
			in:     Input{Requests: []*Request{file(func(r *Request) { r.Mode = ptr(Mode("permissive")) })}},
			want:   `/etc/agentrt/policy.json mode "permissive": invalid value: want enforce, audit or off`,
			wantIs: ErrInvalidValue,
		},
		{
			name:   "unknown channel",
			in:     Input{Requests: []*Request{{Channel: "label", Source: "x", Mode: ptr(ModeEnforce)}}},
			want:   `request from x (label): channel "label": invalid value`,
			wantIs: ErrInvalidValue,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Resolve(testConfig(), tt.in)
			if err == nil {
				t.Fatalf("Resolve: got policy %+v, want error %q", res.Policy, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error\n%v\nwant it to contain\n%s", err, tt.want)
			}
			if !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
		})
	}
}

func TestExceedsCeilingErrorFields(t *testing.T) {
	_, err := Resolve(testConfig(), Input{Requests: []*Request{annotation("agentrt.io/egress", egress("evil.com:25"))}})
	var ece *ExceedsCeilingError
	if !errors.As(err, &ece) {
		t.Fatalf("got %T %v, want an *ExceedsCeilingError", err, err)
	}
	want := &ExceedsCeilingError{Request: "agentrt.io/egress", Value: "evil.com:25", Channel: ChannelAnnotation,
		Source: "agentrt.io/egress", Profile: "agent", AdminKey: "profiles.agent.ceiling.network.allow"}
	if diff := cmp.Diff(want, ece); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestResolveResultBookkeeping(t *testing.T) {
	res, err := Resolve(testConfig(), Input{Requests: []*Request{
		annotation("agentrt.io/profile", profile("dev")),
		file(writable("/tmp")),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Origin{ChannelAnnotation, "agentrt.io/profile profile"}); res.ProfileOrigin != want {
		t.Errorf("ProfileOrigin = %+v, want %+v", res.ProfileOrigin, want)
	}
	if diff := cmp.Diff([]Channel{ChannelPolicyFile, ChannelAnnotation}, res.Channels); diff != "" {
		t.Errorf("Channels mismatch (-want +got):\n%s", diff)
	}
	res, err = Resolve(testConfig(), Input{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ProfileOrigin != (Origin{Source: "default_profile"}) || len(res.Channels) != 0 || len(res.Origins) != 0 {
		t.Errorf("without requests: got origin %+v, channels %v, origins %v; want default_profile and none",
			res.ProfileOrigin, res.Channels, res.Origins)
	}
}

func TestResolveDoesNotModifyConfig(t *testing.T) {
	cfg := testConfig()
	if _, err := Resolve(cfg, Input{Requests: []*Request{annotation("agentrt.io/egress", egress("api.example.com:443"))}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(testConfig(), cfg); diff != "" {
		t.Errorf("Resolve changed the config (-before +after):\n%s", diff)
	}
}

func TestResolveRefusesInvalidConfig(t *testing.T) {
	cfg := testConfig()
	cfg.DefaultProfile = "missing"
	if _, err := Resolve(cfg, Input{}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("got %v, want ErrInvalidConfig", err)
	}
}

func TestRequestFields(t *testing.T) {
	r := annotation("agentrt.io/policy", func(r *Request) {
		r.Profile = "agent"
		r.Network = &NetworkRequest{Allow: &[]Destination{}}
		r.Filesystem = &FilesystemRequest{Writable: &[]string{}}
	})
	want := []string{"profile", "filesystem.writable", "network.allow"}
	if diff := cmp.Diff(want, r.Fields()); diff != "" {
		t.Errorf("Fields mismatch (-want +got):\n%s", diff)
	}
}
