package spec

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func ns(types ...specs.LinuxNamespaceType) []specs.LinuxNamespace {
	var out []specs.LinuxNamespace
	for _, t := range types {
		out = append(out, specs.LinuxNamespace{Type: t})
	}
	return out
}

func TestRequireNamespaces(t *testing.T) {
	all := ns(specs.PIDNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.MountNamespace,
		specs.NetworkNamespace, specs.CgroupNamespace)
	podNet := specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: "/var/run/netns/cni-1234"}
	tests := []struct {
		name        string
		in          []specs.LinuxNamespace
		hostNetwork bool
		hostPID     bool
		want        []specs.LinuxNamespace
		wantField   string
	}{
		{name: "all present", in: all, want: all},
		{name: "missing ones added",
			in: ns(specs.PIDNamespace, specs.NetworkNamespace),
			want: ns(specs.PIDNamespace, specs.NetworkNamespace, specs.IPCNamespace, specs.UTSNamespace,
				specs.MountNamespace, specs.CgroupNamespace)},
		{name: "pod netns by path kept",
			in: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, podNet},
			want: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, podNet, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace}, {Type: specs.CgroupNamespace}}},
		{name: "host network refused", in: ns(specs.PIDNamespace), wantField: "linux.namespaces"},
		{name: "host pid refused", in: ns(specs.NetworkNamespace), wantField: "linux.namespaces"},
		{name: "host network by path refused",
			in:        []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.NetworkNamespace, Path: "/proc/1/ns/net"}},
			wantField: "linux.namespaces[1].path"},
		{name: "host network allowed", in: ns(specs.PIDNamespace), hostNetwork: true,
			want: ns(specs.PIDNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.MountNamespace, specs.CgroupNamespace)},
		{name: "host pid allowed", in: ns(specs.NetworkNamespace), hostPID: true,
			want: ns(specs.NetworkNamespace, specs.IPCNamespace, specs.UTSNamespace, specs.MountNamespace, specs.CgroupNamespace)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := enforcePolicy()
			p.Isolation.HostNetwork, p.Isolation.HostPID = tt.hostNetwork, tt.hostPID
			s := &specs.Spec{Linux: &specs.Linux{Namespaces: tt.in}}
			_, err := runStep(t, requireNamespaces, s, p)
			if tt.wantField != "" {
				var re *RefusalError
				if !errors.As(err, &re) || re.Field != tt.wantField {
					t.Fatalf("got %v, want a refusal of %s", err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, s.Linux.Namespaces); diff != "" {
				t.Errorf("namespaces (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRequireNamespacesMessage(t *testing.T) {
	s := &specs.Spec{Linux: &specs.Linux{Namespaces: ns(specs.PIDNamespace)}}
	_, err := runStep(t, requireNamespaces, s, enforcePolicy())
	want := `linux.namespaces "network": no entry, so the agent would share the host's network namespace; ` +
		`admin setting isolation.host_network would allow it`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestRequireNamespacesAudit(t *testing.T) {
	s := &specs.Spec{Linux: &specs.Linux{Namespaces: ns(specs.PIDNamespace)}}
	plan, err := runStep(t, requireNamespaces, s, auditPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ns(specs.PIDNamespace), s.Linux.Namespaces); diff != "" {
		t.Errorf("audit changed the namespaces (-want +got):\n%s", diff)
	}
	if got := len(plan.Warnings); got != 5 {
		t.Errorf("warnings: got %d (%q), want 4 additions and 1 refusal", got, plan.Warnings)
	}
}
