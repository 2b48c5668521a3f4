package spec

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

func TestDropCapabilities(t *testing.T) {
	all := []string{"CAP_CHOWN", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SETUID"}
	tests := []struct {
		name   string
		in     *specs.LinuxCapabilities
		keep   []string
		egress policy.EgressMode
		want   *specs.LinuxCapabilities
	}{
		{name: "default none", in: &specs.LinuxCapabilities{Bounding: all, Effective: all, Permitted: all},
			want: &specs.LinuxCapabilities{Bounding: []string{}, Effective: []string{}, Permitted: []string{},
				Inheritable: []string{}, Ambient: []string{}}},
		{name: "intersection of all five sets", keep: []string{"CAP_CHOWN", "setuid", "CAP_SYS_ADMIN"},
			in: &specs.LinuxCapabilities{Bounding: all, Effective: all, Permitted: all,
				Inheritable: []string{"CAP_SETUID"}, Ambient: []string{"CAP_NET_RAW", "CAP_SETUID"}},
			want: &specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN", "CAP_SETUID"},
				Effective: []string{"CAP_CHOWN", "CAP_SETUID"}, Permitted: []string{"CAP_CHOWN", "CAP_SETUID"},
				Inheritable: []string{"CAP_SETUID"}, Ambient: []string{"CAP_SETUID"}}},
		{name: "missing object becomes empty", keep: []string{"CAP_CHOWN"}, in: nil,
			want: &specs.LinuxCapabilities{}},
		{name: "net admin dropped with egress rules", keep: []string{"CAP_NET_ADMIN"}, egress: policy.EgressAllowlist,
			in: &specs.LinuxCapabilities{Bounding: all},
			want: &specs.LinuxCapabilities{Bounding: []string{}, Effective: []string{}, Permitted: []string{},
				Inheritable: []string{}, Ambient: []string{}}},
		{name: "net admin kept with open egress", keep: []string{"CAP_NET_ADMIN"}, egress: policy.EgressOpen,
			in: &specs.LinuxCapabilities{Bounding: all},
			want: &specs.LinuxCapabilities{Bounding: []string{"CAP_NET_ADMIN"}, Effective: []string{},
				Permitted: []string{}, Inheritable: []string{}, Ambient: []string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := enforcePolicy()
			p.Process.Capabilities = tt.keep
			if tt.egress != "" {
				p.Network.Egress = tt.egress
			}
			s := &specs.Spec{Process: &specs.Process{Capabilities: tt.in}}
			if _, err := runStep(t, dropCapabilities, s, p); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, s.Process.Capabilities, emptyIsNil); diff != "" {
				t.Errorf("capabilities (-want +got):\n%s", diff)
			}
		})
	}
}

// emptyIsNil compares nil and empty string slices as equal: both encode
// to nothing in the spec's JSON.
var emptyIsNil = cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 },
	cmp.Comparer(func(a, b []string) bool { return true }))

func TestDropCapabilitiesAudit(t *testing.T) {
	in := &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL", "CAP_CHOWN"}}
	s := &specs.Spec{Process: &specs.Process{Capabilities: in}}
	plan, _ := runStep(t, dropCapabilities, s, auditPolicy())
	if len(s.Process.Capabilities.Bounding) != 2 {
		t.Errorf("audit dropped capabilities: got %q", s.Process.Capabilities.Bounding)
	}
	if len(plan.Warnings) != 1 || !strings.Contains(plan.Warnings[0], "would drop CAP_CHOWN, CAP_KILL") {
		t.Errorf("warnings: got %q, want the capabilities enforce would drop", plan.Warnings)
	}
	if got := plan.Layers[LayerCapabilities].Status; got != StatusAudit {
		t.Errorf("layer: got %s, want %s", got, StatusAudit)
	}
}

func TestSetNoNewPrivileges(t *testing.T) {
	for _, p := range []*policy.Policy{enforcePolicy(), auditPolicy()} {
		s := &specs.Spec{Process: &specs.Process{}}
		if _, err := runStep(t, setNoNewPrivileges, s, p); err != nil || !s.Process.NoNewPrivileges {
			t.Errorf("mode %s: got %v, %v; want noNewPrivileges true", p.Mode, s.Process.NoNewPrivileges, err)
		}
	}
}

func TestLowerRlimits(t *testing.T) {
	tests := []struct {
		name string
		in   []specs.POSIXRlimit
		pol  []policy.Rlimit
		want []specs.POSIXRlimit
	}{
		{name: "lowered", in: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1048576, Hard: 1048576}},
			pol:  []policy.Rlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 4096}},
			want: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 4096}}},
		{name: "never raised", in: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 512, Hard: 2048}},
			pol:  []policy.Rlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 4096}},
			want: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 512, Hard: 2048}}},
		{name: "each bound lowest", in: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 100, Hard: 10000}},
			pol:  []policy.Rlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 50}},
			want: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 50, Hard: 50}}},
		{name: "added when missing", pol: []policy.Rlimit{{Type: "nproc", Soft: 100, Hard: 200}},
			want: []specs.POSIXRlimit{{Type: "RLIMIT_NPROC", Soft: 100, Hard: 200}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := enforcePolicy()
			p.Process.Rlimits = tt.pol
			s := &specs.Spec{Process: &specs.Process{Rlimits: tt.in}}
			if _, err := runStep(t, lowerRlimits, s, p); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, s.Process.Rlimits); diff != "" {
				t.Errorf("rlimits (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHardenProcess(t *testing.T) {
	p := enforcePolicy()
	p.Process.Capabilities = []string{"CAP_KILL"}
	p.Process.Rlimits = []policy.Rlimit{{Type: "RLIMIT_NOFILE", Soft: 10, Hard: 10}}
	in := &specs.Process{Args: []string{"sh"}, Capabilities: &specs.LinuxCapabilities{
		Bounding: []string{"CAP_KILL", "CAP_SYS_ADMIN"}, Effective: []string{"CAP_SYS_ADMIN"}},
		Rlimits: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 100, Hard: 100}}}
	got, _, err := HardenProcess(in, p)
	if err != nil {
		t.Fatal(err)
	}
	if !got.NoNewPrivileges || len(got.Rlimits) != 1 || got.Rlimits[0].Hard != 10 ||
		!cmp.Equal(got.Capabilities.Bounding, []string{"CAP_KILL"}) ||
		len(got.Capabilities.Effective) != 0 {
		t.Errorf("got %+v, want hardened capabilities, rlimits and noNewPrivileges", got)
	}
	if len(in.Capabilities.Bounding) != 2 || in.NoNewPrivileges {
		t.Errorf("HardenProcess modified its input")
	}
	off := enforcePolicy()
	off.Mode = policy.ModeOff
	if got, _, _ := HardenProcess(in, off); got.NoNewPrivileges || len(got.Capabilities.Bounding) != 2 {
		t.Errorf("mode off: got %+v, want the process unchanged", got)
	}
	bare := &specs.Process{Args: []string{"sh"}}
	if got, _, _ := HardenProcess(bare, p); got.Capabilities != nil || got.Rlimits != nil || !got.NoNewPrivileges {
		t.Errorf("process without capabilities and rlimits: got %+v, want them left to the container's", got)
	}
	if _, _, err := HardenProcess(nil, p); err == nil {
		t.Errorf("nil process: got no error")
	}
}
