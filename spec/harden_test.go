package spec

import (
	"errors"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

func TestSteps(t *testing.T) {
	seen := map[string]bool{}
	strictDone := false
	for i, st := range Steps() {
		if st.Name == "" || st.Apply == nil {
			t.Errorf("steps[%d]: empty name or no Apply", i)
		}
		if seen[st.Name] {
			t.Errorf("steps[%d]: name %q repeated", i, st.Name)
		}
		seen[st.Name] = true
		if !st.Strict {
			strictDone = true
		} else if strictDone {
			t.Errorf("steps[%d] %q: strict step after a non-strict one", i, st.Name)
		}
	}
}

func TestHardenInputs(t *testing.T) {
	s := &specs.Spec{Root: &specs.Root{Path: "rootfs"}}
	tests := []struct {
		name string
		s    *specs.Spec
		p    *policy.Policy
	}{
		{"no spec", nil, enforcePolicy()},
		{"no policy", s, nil},
		{"unknown mode", s, &policy.Policy{Mode: "lenient"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := Harden(tt.s, tt.p); !errors.Is(err, ErrInvalid) {
				t.Errorf("got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestHardenRefusal(t *testing.T) {
	s := readSpec(t, "docker")
	s.Mounts = append(s.Mounts, bind("/var/run/docker.sock", "/var/run/docker.sock"))
	_, _, err := Harden(s, readPolicy(t, "enforce"))
	want := `harden spec: mounts: mounts[11].source "/var/run/docker.sock": a container-engine socket ` +
		`or directory hands the agent the host; admin setting isolation.mount_sources would allow it`
	if !errors.Is(err, ErrRefused) || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	_, plan, err := Harden(s, readPolicy(t, "audit"))
	if err != nil {
		t.Fatalf("audit: got %v, want the spec let through", err)
	}
	found := false
	for _, w := range plan.Warnings {
		found = found || strings.HasPrefix(w, `mounts: audit: enforce would refuse: mounts[11].source`)
	}
	if !found {
		t.Errorf("audit warnings: got %q, want the refusal", plan.Warnings)
	}
}

func TestHardenEmptyModeIsEnforce(t *testing.T) {
	p := readPolicy(t, "enforce")
	p.Mode = ""
	_, plan, err := Harden(readSpec(t, "runc"), p)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Mode != policy.ModeEnforce || plan.Layers[LayerSeccomp].Status != StatusEnforced {
		t.Errorf("got mode %q and seccomp %v, want enforce", plan.Mode, plan.Layers[LayerSeccomp])
	}
}

func TestHardenAuditLayers(t *testing.T) {
	_, plan, err := Harden(readSpec(t, "podman"), readPolicy(t, "audit"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[Layer]string{
		LayerSeccomp:         "audit: agent profile intersected with the engine's, denials logged",
		LayerLandlock:        "audit: not applied (Landlock has no log-only mode)",
		LayerCapabilities:    "audit: not applied (capabilities have no log-only mode)",
		LayerNoNewPrivileges: "enforced",
		LayerReadOnlyRootfs:  "audit: not applied (a read-only rootfs has no log-only mode)",
	}
	for l, w := range want {
		if got := plan.Layers[l].String(); got != w {
			t.Errorf("layer %s: got %q, want %q", l, got, w)
		}
	}
}
