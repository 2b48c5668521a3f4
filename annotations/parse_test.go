package annotations

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/agentrt/agentrt/policy"
)

func ptr[T any](v T) *T { return &v }

func dests(t *testing.T, ss ...string) *[]policy.Destination {
	t.Helper()
	out := make([]policy.Destination, len(ss))
	for i, s := range ss {
		d, err := policy.ParseDestination(s)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = d
	}
	return &out
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		in    map[string]string
		want  *Parsed
		build func(t *testing.T) *Parsed
	}{
		{
			name: "no agentrt annotations",
			in:   map[string]string{"org.opencontainers.image.title": "x", "agentrt.iox/egress": "open"},
			want: &Parsed{},
		},
		{
			name: "flat keys",
			in: map[string]string{
				"agentrt.io/profile":  "agent",
				"agentrt.io/mode":     " enforce ",
				"agentrt.io/egress":   "api.example.com:443, *.example.org:443,10.0.0.0/8:80-90/tcp,[2001:db8::1]:443,1.2.3.4",
				"agentrt.io/writable": "/workspace/out, /tmp",
			},
			build: func(t *testing.T) *Parsed {
				return &Parsed{Annotation: &policy.Request{
					Channel: policy.ChannelAnnotation,
					Source:  "agentrt.io/egress, agentrt.io/mode, agentrt.io/profile, agentrt.io/writable",
					Keys: map[string]string{
						"profile": KeyProfile, "mode": KeyMode, "network.egress": KeyEgress,
						"network.allow": KeyEgress, "filesystem.writable": KeyWritable,
					},
					Profile:    "agent",
					Mode:       ptr(policy.ModeEnforce),
					Filesystem: &policy.FilesystemRequest{Writable: &[]string{"/workspace/out", "/tmp"}},
					Network: &policy.NetworkRequest{Egress: ptr(policy.EgressAllowlist), Allow: dests(t,
						"api.example.com:443", "*.example.org:443", "10.0.0.0/8:80-90/tcp", "[2001:db8::1]:443", "1.2.3.4")},
				}}
			},
		},
		{
			name: "egress none and writable none",
			in:   map[string]string{"agentrt.io/egress": "none", "agentrt.io/writable": "none"},
			want: &Parsed{Annotation: &policy.Request{
				Channel:    policy.ChannelAnnotation,
				Source:     "agentrt.io/egress, agentrt.io/writable",
				Keys:       map[string]string{"network.egress": KeyEgress, "network.allow": KeyEgress, "filesystem.writable": KeyWritable},
				Filesystem: &policy.FilesystemRequest{Writable: &[]string{}},
				Network:    &policy.NetworkRequest{Egress: ptr(policy.EgressNone)},
			}},
		},
		{
			name: "json policy with a flat key on another field",
			in: map[string]string{
				"agentrt.io/policy": `{"network": {"egress": "allowlist", "allow": ["api.example.com:443"]}, "resources": {"pids": 64}}`,
				"agentrt.io/mode":   "enforce",
			},
			build: func(t *testing.T) *Parsed {
				return &Parsed{Annotation: &policy.Request{
					Channel: policy.ChannelAnnotation,
					Source:  "agentrt.io/mode, agentrt.io/policy",
					Keys: map[string]string{
						"mode": KeyMode, "network.egress": "agentrt.io/policy network.egress",
						"network.allow": "agentrt.io/policy network.allow", "resources.pids": "agentrt.io/policy resources.pids",
					},
					Mode:      ptr(policy.ModeEnforce),
					Network:   &policy.NetworkRequest{Egress: ptr(policy.EgressAllowlist), Allow: dests(t, "api.example.com:443")},
					Resources: &policy.ResourcesRequest{Pids: ptr[int64](64)},
				}}
			},
		},
		{
			name: "image channel and image identity",
			in: map[string]string{
				"agentrt.io/image.egress": "pypi.org:443",
				"agentrt.io/image.ref":    "registry.example.com/agents/a:1",
				"agentrt.io/image.digest": "sha256:abc",
				"agentrt.io/writable":     "/workspace",
			},
			build: func(t *testing.T) *Parsed {
				return &Parsed{
					Image: &policy.Request{
						Channel: policy.ChannelImage,
						Source:  "agentrt.io/image.egress",
						Keys:    map[string]string{"network.egress": "agentrt.io/image.egress", "network.allow": "agentrt.io/image.egress"},
						Network: &policy.NetworkRequest{Egress: ptr(policy.EgressAllowlist), Allow: dests(t, "pypi.org:443")},
					},
					Annotation: &policy.Request{
						Channel:    policy.ChannelAnnotation,
						Source:     "agentrt.io/writable",
						Keys:       map[string]string{"filesystem.writable": KeyWritable},
						Filesystem: &policy.FilesystemRequest{Writable: &[]string{"/workspace"}},
					},
					ImageRef:    "registry.example.com/agents/a:1",
					ImageDigest: "sha256:abc",
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if tt.build != nil {
				want = tt.build(t)
			}
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     map[string]string
		want   string
		wantIs error
	}{
		{"unknown key", map[string]string{"agentrt.io/egres": "none"},
			`annotation "agentrt.io/egres": unknown key under agentrt.io/`, ErrUnknownKey},
		{"unknown image key", map[string]string{"agentrt.io/image.caps": "x"},
			`annotation "agentrt.io/image.caps": unknown key`, ErrUnknownKey},
		{"report refused", map[string]string{"agentrt.io/report": "{}"},
			`annotation "agentrt.io/report": reserved for the runtime; refused as input`, ErrReservedKey},
		{"oversized value", map[string]string{"agentrt.io/writable": "/" + strings.Repeat("a", MaxValueSize)},
			`annotation "agentrt.io/writable": value too large: 16385 bytes, at most 16384`, ErrValueTooLarge},
		{"oversized total", map[string]string{
			"agentrt.io/egress": strings.Repeat("a", 16000), "agentrt.io/image.egress": strings.Repeat("a", 16000),
			"agentrt.io/image.policy": strings.Repeat("a", 16000), "agentrt.io/image.writable": strings.Repeat("a", 16000),
			"agentrt.io/mode": strings.Repeat("a", 16000)},
			`annotation "agentrt.io/mode": agentrt.io annotations too large`, ErrTotalTooLarge},
		{"too many egress entries", map[string]string{"agentrt.io/egress": strings.TrimSuffix(strings.Repeat("a.com:443,", MaxEgressEntries+1), ",")},
			`annotation "agentrt.io/egress": too many entries: 257, at most 256`, ErrTooManyEntries},
		{"empty egress", map[string]string{"agentrt.io/egress": " "}, `annotation "agentrt.io/egress": empty value`, ErrEmptyValue},
		{"empty egress entry", map[string]string{"agentrt.io/egress": "a.com:443,,b.com:443"},
			`annotation "agentrt.io/egress": entry 1: empty value`, ErrEmptyValue},
		{"bad destination", map[string]string{"agentrt.io/egress": "a.com:443,evil.com:0"},
			`annotation "agentrt.io/egress": entry 1 "evil.com:0": port "0": want 1-65535`, nil},
		{"relative path", map[string]string{"agentrt.io/writable": "/tmp,workspace"},
			`agentrt.io/writable[1] "workspace": path is not absolute`, policy.ErrRelativePath},
		{"dot dot", map[string]string{"agentrt.io/writable": "/workspace/../etc"},
			`agentrt.io/writable[0] "/workspace/../etc": path contains ".."`, policy.ErrDotDot},
		{"NUL byte", map[string]string{"agentrt.io/writable": "/work\x00space"},
			`agentrt.io/writable[0] "/work\x00space": path contains a NUL byte`, policy.ErrNULByte},
		{"bad mode", map[string]string{"agentrt.io/mode": "strict"},
			`agentrt.io/mode "strict": invalid value: want enforce, audit or off`, policy.ErrInvalidValue},
		{"bad profile name", map[string]string{"agentrt.io/profile": "../etc"},
			`agentrt.io/profile "../etc": invalid value`, policy.ErrInvalidValue},
		{"flat key conflicts with json", map[string]string{"agentrt.io/policy": `{"mode": "enforce"}`, "agentrt.io/mode": "audit"},
			`annotation "agentrt.io/mode": conflicting keys: agentrt.io/policy mode already sets mode`, ErrConflict},
		{"malformed json", map[string]string{"agentrt.io/policy": `{"mode": "enforce"`},
			`agentrt.io/policy: malformed policy JSON`, ErrMalformedJSON},
		{"json unknown field", map[string]string{"agentrt.io/policy": `{"network": {"egress": "none", "dns": "static"}}`},
			`agentrt.io/policy: malformed policy JSON: json: unknown field "dns"`, ErrMalformedJSON},
		{"json path error", map[string]string{"agentrt.io/image.policy": `{"filesystem": {"readable": ["etc"]}}`},
			`agentrt.io/image.policy filesystem.readable[0] "etc": path is not absolute`, policy.ErrRelativePath},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse: got %+v, want error %q", got, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error\n%v\nwant it to contain\n%s", err, tt.want)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
		})
	}
}

func TestParsePolicyJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // error substring; "" for success
	}{
		{"empty object", `{}`, ""},
		{"whole request", `{"profile": "agent", "mode": "audit",
			"filesystem": {"read_only_rootfs": true, "readable": ["/"], "writable": [], "executable": ["/usr"],
			               "hidden": ["/etc/shadow"], "writable_executable": []},
			"network": {"egress": "allowlist", "allow": ["*.example.org:443", "10.0.0.0/8"]},
			"process": {"capabilities": [], "seccomp": "agent", "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1, "hard": 2}]},
			"resources": {"memory_bytes": 1, "pids": 2, "milli_cpus": 3},
			"isolation": {"host_network": false, "host_pid": false, "mount_sources": []},
			"landlock": {"min_abi": 3, "best_effort": false}}`, ""},
		{"not an object", `["mode"]`, "want a JSON object"},
		{"null", `null`, "want a JSON object"},
		{"empty", ``, "EOF"},
		{"trailing data", `{} {}`, "data after the object"},
		{"trailing garbage", `{}x`, "malformed policy JSON"},
		{"unknown top-level field", `{"moed": "audit"}`, `unknown field "moed"`},
		{"unknown nested field", `{"process": {"user": 0}}`, `unknown field "user"`},
		{"admin-only field", `{"process": {"no_new_privileges": false}}`, `unknown field "no_new_privileges"`},
		{"other case", `{"Mode": "audit"}`, `unknown field "Mode"`},
		{"folded letter", `{"process": {"ſeccomp": "unconfined"}}`, `unknown field "process.ſeccomp"`},
		{"duplicate field", `{"mode": "enforce", "mode": "off"}`, `field "mode" written twice`},
		{"duplicate nested field", `{"resources": {"pids": 1, "pids": 0}}`, `field "resources.pids" written twice`},
		{"wrong type", `{"resources": {"pids": "many"}}`, "resources.pids: got string, want an integer in range"},
		{"fraction", `{"resources": {"pids": 1.5}}`, "resources.pids: got number 1.5, want an integer in range"},
		{"out of range", `{"process": {"rlimits": [{"type": "RLIMIT_NOFILE", "soft": -1, "hard": 1}]}}`,
			"process.rlimits.soft: got number -1, want an integer in range"},
		{"destination object", `{"network": {"allow": [{"host": "x"}]}}`, "network.allow: got object, want a string"},
		{"list expected", `{"filesystem": {"writable": "/tmp"}}`, "filesystem.writable: got string, want a list"},
		{"bad destination", `{"network": {"allow": ["x:0"]}}`, `destination "x:0"`},
		{"empty mode", `{"mode": ""}`, `agentrt.io/policy mode: invalid value`},
		{"negative pids", `{"resources": {"pids": -1}}`, `agentrt.io/policy resources.pids "-1": invalid value`},
		{"too deep", `{"network": {"allow": [[[[[[[[["x"]]]]]]]]]}}`, "nested too deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParsePolicyJSON([]byte(tt.in), policy.ChannelAnnotation, KeyPolicy)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if r.Channel != policy.ChannelAnnotation || r.Source != KeyPolicy {
					t.Errorf("got channel %q source %q, want %q %q", r.Channel, r.Source, policy.ChannelAnnotation, KeyPolicy)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParsePolicyJSONAskedForEmpty(t *testing.T) {
	r, err := ParsePolicyJSON([]byte(`{"filesystem": {"writable": []}}`), policy.ChannelAnnotation, KeyPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if r.Filesystem.Writable == nil || len(*r.Filesystem.Writable) != 0 {
		t.Errorf("writable = %v, want asked for an empty list", r.Filesystem.Writable)
	}
	if r.Filesystem.Readable != nil {
		t.Errorf("readable = %v, want not asked", *r.Filesystem.Readable)
	}
}
