package annotations

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/agentrt/agentrt/policy"
)

// resolve parses annotations and resolves them against the embedded
// default config, as the create path does.
func resolve(t *testing.T, cfg *policy.Config, in map[string]string) (*policy.Result, error) {
	t.Helper()
	parsed, err := Parse(in)
	if err != nil {
		return nil, err
	}
	return policy.Resolve(cfg, policy.Input{ImageRef: parsed.ImageRef, ImageDigest: parsed.ImageDigest, Requests: parsed.Requests()})
}

func TestParseAndResolve(t *testing.T) {
	clamp := policy.DefaultConfig()
	clamp.OnExceed = policy.OnExceedClamp
	tests := []struct {
		name     string
		cfg      *policy.Config
		in       map[string]string
		check    func(p *policy.Policy) bool
		wantErr  string
		wantIs   error
		warnings int
	}{
		{
			name: "no annotations: the default profile, never no sandbox",
			in:   map[string]string{"org.example/other": "x"},
			check: func(p *policy.Policy) bool {
				return p.Mode == policy.ModeEnforce && p.Network.Egress == policy.EgressNone
			},
		},
		{
			name:  "narrowing",
			in:    map[string]string{"agentrt.io/writable": "/workspace/out", "agentrt.io/egress": "none", "agentrt.io/mode": "enforce"},
			check: func(p *policy.Policy) bool { return slices.Equal(p.Filesystem.Writable, []string{"/workspace/out"}) },
		},
		{
			name: "widening within the ceiling",
			in:   map[string]string{"agentrt.io/egress": "api.example.com:443,*.pypi.org:443", "agentrt.io/writable": "/workspace,/home/agent"},
			check: func(p *policy.Policy) bool {
				return p.Network.Egress == policy.EgressAllowlist && len(p.Network.Allow) == 2 &&
					slices.Equal(p.Filesystem.Writable, []string{"/home/agent", "/workspace"})
			},
		},
		{
			name:    "beyond the ceiling, refused",
			in:      map[string]string{"agentrt.io/egress": "api.example.com:443,evil.com:25"},
			wantErr: `agentrt.io/egress "evil.com:25" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.network.allow`,
			wantIs:  policy.ErrExceedsCeiling,
		},
		{
			name: "beyond the ceiling, clamped",
			cfg:  clamp,
			in:   map[string]string{"agentrt.io/egress": "api.example.com:443,evil.com:25"},
			check: func(p *policy.Policy) bool {
				return len(p.Network.Allow) == 1 && p.Network.Allow[0].Host == "api.example.com"
			},
			warnings: 1,
		},
		{
			name:    "mode off refused",
			in:      map[string]string{"agentrt.io/mode": "off"},
			wantErr: `agentrt.io/mode "off" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.modes`,
			wantIs:  policy.ErrExceedsCeiling,
		},
		{
			name:    "image channel beyond the ceiling",
			in:      map[string]string{"agentrt.io/image.policy": `{"process": {"capabilities": ["CAP_SYS_ADMIN"]}}`},
			wantErr: `agentrt.io/image.policy process.capabilities "CAP_SYS_ADMIN" (image) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.process.capabilities`,
			wantIs:  policy.ErrExceedsCeiling,
		},
		{
			name:    "profile not defined",
			in:      map[string]string{"agentrt.io/profile": "privileged"},
			wantErr: `agentrt.io/profile "privileged" (annotation): unknown profile`,
			wantIs:  policy.ErrUnknownProfile,
		},
		{
			name: "annotation overrides the image channel",
			in:   map[string]string{"agentrt.io/image.writable": "/home", "agentrt.io/writable": "/tmp"},
			check: func(p *policy.Policy) bool {
				return slices.Equal(p.Filesystem.Writable, []string{"/tmp"})
			},
		},
		{
			name:    "malformed JSON",
			in:      map[string]string{"agentrt.io/policy": `{"mode":`},
			wantErr: "agentrt.io/policy: malformed policy JSON",
			wantIs:  ErrMalformedJSON,
		},
		{
			name:    "unknown key",
			in:      map[string]string{"agentrt.io/sandbox": "off"},
			wantErr: `annotation "agentrt.io/sandbox": unknown key`,
			wantIs:  ErrUnknownKey,
		},
		{
			name:    "oversized value",
			in:      map[string]string{"agentrt.io/policy": `{"profile": "` + strings.Repeat("a", MaxValueSize) + `"}`},
			wantErr: `annotation "agentrt.io/policy": value too large`,
			wantIs:  ErrValueTooLarge,
		},
		{
			name:    "relative path",
			in:      map[string]string{"agentrt.io/writable": "workspace"},
			wantErr: `agentrt.io/writable[0] "workspace": path is not absolute`,
			wantIs:  policy.ErrRelativePath,
		},
		{
			name:    "path with ..",
			in:      map[string]string{"agentrt.io/policy": `{"filesystem": {"writable": ["/workspace/../etc"]}}`},
			wantErr: `agentrt.io/policy filesystem.writable[0] "/workspace/../etc": path contains ".."`,
			wantIs:  policy.ErrDotDot,
		},
		{
			name:    "NUL byte",
			in:      map[string]string{"agentrt.io/policy": `{"filesystem": {"hidden": ["/etc\u0000/shadow"]}}`},
			wantErr: `agentrt.io/policy filesystem.hidden[0] "/etc\x00/shadow": path contains a NUL byte`,
			wantIs:  policy.ErrNULByte,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg == nil {
				cfg = policy.DefaultConfig()
			}
			res, err := resolve(t, cfg, tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing\n%s", err, tt.wantErr)
				}
				if !errors.Is(err, tt.wantIs) {
					t.Errorf("error %v is not %v", err, tt.wantIs)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !tt.check(res.Policy) {
				t.Errorf("unexpected policy: %+v", res.Policy)
			}
			if len(res.Warnings) != tt.warnings {
				t.Errorf("got warnings %q, want %d", res.Warnings, tt.warnings)
			}
		})
	}
}
