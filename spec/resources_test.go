package spec

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

func i64(v int64) *int64   { return &v }
func u64(v uint64) *uint64 { return &v }

func TestLowerResources(t *testing.T) {
	tests := []struct {
		name string
		pol  policy.Resources
		in   *specs.LinuxResources
		want *specs.LinuxResources
	}{
		{name: "set when missing", pol: policy.Resources{Pids: 100, MemoryBytes: 1 << 30, MilliCPUs: 500},
			want: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(100)},
				Memory: &specs.LinuxMemory{Limit: i64(1 << 30)},
				CPU:    &specs.LinuxCPU{Quota: i64(50000), Period: u64(100000)}}},
		{name: "spec lower wins", pol: policy.Resources{Pids: 100, MemoryBytes: 1 << 30, MilliCPUs: 2000},
			in: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(50)}, Memory: &specs.LinuxMemory{Limit: i64(1 << 20)},
				CPU: &specs.LinuxCPU{Quota: i64(50000), Period: u64(100000)}},
			want: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(50)}, Memory: &specs.LinuxMemory{Limit: i64(1 << 20)},
				CPU: &specs.LinuxCPU{Quota: i64(50000), Period: u64(100000)}}},
		{name: "unlimited spec lowered", pol: policy.Resources{Pids: 100, MemoryBytes: 1 << 30},
			in: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}, Memory: &specs.LinuxMemory{Limit: i64(-1)}},
			want: &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(100)},
				Memory: &specs.LinuxMemory{Limit: i64(1 << 30)}}},
		{name: "swap bounds memory, reservation lowered", pol: policy.Resources{MemoryBytes: 1 << 30},
			in:   &specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: i64(1 << 29), Reservation: i64(1 << 29)}},
			want: &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1 << 29), Swap: i64(1 << 29), Reservation: i64(1 << 29)}}},
		{name: "reservation above limit", pol: policy.Resources{MemoryBytes: 1 << 20},
			in:   &specs.LinuxResources{Memory: &specs.LinuxMemory{Reservation: i64(1 << 30)}},
			want: &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(1 << 20), Reservation: i64(1 << 20)}}},
		{name: "spec period kept", pol: policy.Resources{MilliCPUs: 250},
			in:   &specs.LinuxResources{CPU: &specs.LinuxCPU{Period: u64(200000), Shares: u64(2)}},
			want: &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(50000), Period: u64(200000), Shares: u64(2)}}},
		{name: "tiny quota moves to the long period", pol: policy.Resources{MilliCPUs: 5},
			want: &specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(5000), Period: u64(1000000)}}},
		{name: "nothing from the policy", in: nil, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := enforcePolicy()
			p.Resources = tt.pol
			s := &specs.Spec{Linux: &specs.Linux{Resources: tt.in}}
			if _, err := runStep(t, lowerResources, s, p); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, s.Linux.Resources); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
		})
	}
	a := auditPolicy()
	a.Resources.Pids = 10
	s := &specs.Spec{}
	plan, _ := runStep(t, lowerResources, s, a)
	if s.Linux != nil || len(plan.Warnings) != 1 {
		t.Errorf("audit: got %+v and warnings %q, want no change and one warning", s.Linux, plan.Warnings)
	}
}
