package runtime

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/opencontainers/runc/libcontainer/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

func TestFeatures(t *testing.T) {
	f := Features("1.2.3")
	// What engines read goes through JSON; check it there.
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var got features.Features
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"ociVersionMin", got.OCIVersionMin, "1.0.0"},
		{"ociVersionMax", got.OCIVersionMax, specs.Version},
		{"version annotation", got.Annotations[FeatureVersionAnnotation], "1.2.3"},
		{"annotations annotation", got.Annotations[FeatureAnnotationsAnnotation],
			"agentrt.io/profile,agentrt.io/policy,agentrt.io/egress,agentrt.io/writable,agentrt.io/mode,agentrt.io/image.*"},
		{"no runc version annotation", got.Annotations["org.opencontainers.runc.version"], ""},
		{"cgroup v1", *got.Linux.Cgroup.V1, true},
		{"cgroup v2", *got.Linux.Cgroup.V2, true},
		{"systemd refused", *got.Linux.Cgroup.Systemd, false},
		{"systemd user refused", *got.Linux.Cgroup.SystemdUser, false},
		{"selinux refused", *got.Linux.Selinux.Enabled, false},
		{"seccomp", *got.Linux.Seccomp.Enabled, seccomp.Enabled},
		{"pid namespace", slices.Contains(got.Linux.Namespaces, "pid"), true},
		{"CAP_SYS_ADMIN known", slices.Contains(got.Linux.Capabilities, "CAP_SYS_ADMIN"), true},
		{"prestart hook", slices.Contains(got.Hooks, "prestart"), true},
		{"bind mounts", slices.Contains(got.MountOptions, "rbind"), true},
		{"unsafe annotations", slices.Equal(got.PotentiallyUnsafeConfigAnnotations, []string{"bundle"}), true},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
}

func TestFeaturesFollowReadAnnotations(t *testing.T) {
	saved := ReadAnnotations
	t.Cleanup(func() { ReadAnnotations = saved })
	ReadAnnotations = []string{"a.example/one", "a.example/two"}
	got := Features("v").Annotations[FeatureAnnotationsAnnotation]
	if want := "a.example/one,a.example/two"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFeaturesSeccompLists(t *testing.T) {
	s := Features("v").Linux.Seccomp
	if !seccomp.Enabled {
		// Built without the seccomp tag: libseccomp is not linked in, and
		// the document must not claim what the build cannot do.
		if *s.Enabled || len(s.Actions)+len(s.Operators)+len(s.Archs) > 0 {
			t.Errorf("got seccomp %+v in a build without seccomp, want it disabled with no lists", s)
		}
		return
	}
	for _, c := range []struct {
		name, want string
		list       []string
	}{
		{"actions", "SCMP_ACT_ERRNO", s.Actions},
		{"operators", "SCMP_CMP_MASKED_EQ", s.Operators},
		{"archs", "SCMP_ARCH_X86_64", s.Archs},
	} {
		if !slices.Contains(c.list, c.want) {
			t.Errorf("seccomp %s: got %v, want it to contain %q", c.name, c.list, c.want)
		}
	}
}
