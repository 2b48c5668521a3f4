package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

// emptyUpdate is what an update with no flags asks for.
func emptyUpdate() *specs.LinuxResources {
	return &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{CheckBeforeUpdate: new(false)},
		CPU:     &specs.LinuxCPU{},
		BlockIO: &specs.LinuxBlockIO{},
		Pids:    &specs.LinuxPids{},
	}
}

func TestUpdateOptsResources(t *testing.T) {
	tests := []struct {
		name string
		opts UpdateOpts
		want func(r *specs.LinuxResources)
	}{
		{name: "no flags", want: func(*specs.LinuxResources) {}},
		{
			name: "memory units",
			opts: UpdateOpts{Memory: "100M", MemoryReservation: "1.5k", MemorySwap: "1g"},
			want: func(r *specs.LinuxResources) {
				r.Memory.Limit = new(int64(100 << 20))
				r.Memory.Reservation = new(int64(1536))
				r.Memory.Swap = new(int64(1 << 30))
			},
		},
		{
			name: "unlimited memory gets a swap of 0",
			opts: UpdateOpts{Memory: "-1"},
			want: func(r *specs.LinuxResources) {
				r.Memory.Limit = new(int64(-1))
				r.Memory.Swap = new(int64(0))
			},
		},
		{
			name: "unlimited memory keeps a given swap",
			opts: UpdateOpts{Memory: "-1", MemorySwap: "-1"},
			want: func(r *specs.LinuxResources) {
				r.Memory.Limit = new(int64(-1))
				r.Memory.Swap = new(int64(-1))
			},
		},
		{
			name: "kernel memory is parsed but only warned about",
			opts: UpdateOpts{KernelMemory: "10m", KernelMemoryTCP: "1m"},
			want: func(r *specs.LinuxResources) {
				r.Memory.Kernel = new(int64(10 << 20)) //nolint:staticcheck // the field under test
				r.Memory.KernelTCP = new(int64(1 << 20))
			},
		},
		{
			name: "cpu",
			opts: UpdateOpts{
				CPUPeriod: "100000", CPUQuota: "-1", CPUBurst: "5", CPUShare: "512",
				CPURtPeriod: "1000", CPURtRuntime: "10", CpusetCpus: "0-1", CpusetMems: "0",
			},
			want: func(r *specs.LinuxResources) {
				r.CPU.Period = new(uint64(100000))
				r.CPU.Quota = new(int64(-1))
				r.CPU.Burst = new(uint64(5))
				r.CPU.Shares = new(uint64(512))
				r.CPU.RealtimePeriod = new(uint64(1000))
				r.CPU.RealtimeRuntime = new(int64(10))
				r.CPU.Cpus, r.CPU.Mems = "0-1", "0"
			},
		},
		{
			name: "idle without shares gets shares of 0",
			opts: UpdateOpts{CPUIdle: "1"},
			want: func(r *specs.LinuxResources) {
				r.CPU.Idle = new(int64(1))
				r.CPU.Shares = new(uint64(0))
			},
		},
		{
			name: "blkio weight and pids",
			opts: UpdateOpts{BlkioWeight: 500, PidsLimit: new(int64(-1))},
			want: func(r *specs.LinuxResources) {
				r.BlockIO.Weight = new(uint16(500))
				r.Pids.Limit = new(int64(-1))
			},
		},
		{
			name: "pids limit of 0 is a request, not unchanged",
			opts: UpdateOpts{PidsLimit: new(int64(0))},
			want: func(r *specs.LinuxResources) { r.Pids.Limit = new(int64(0)) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.opts.resources()
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			want := emptyUpdate()
			tt.want(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpdateOptsResourcesErrors(t *testing.T) {
	tests := []struct {
		name string
		opts UpdateOpts
		want string
	}{
		{"negative period", UpdateOpts{CPUPeriod: "-5"}, `--cpu-period "-5"`},
		{"bad share", UpdateOpts{CPUShare: "lots"}, `--cpu-share "lots"`},
		{"bad quota", UpdateOpts{CPUQuota: "x"}, `--cpu-quota "x"`},
		{"bad idle", UpdateOpts{CPUIdle: "yes"}, `--cpu-idle "yes"`},
		{"bad memory", UpdateOpts{Memory: "bogus"}, `--memory "bogus"`},
		{"negative memory other than -1", UpdateOpts{MemorySwap: "-2"}, `--memory-swap "-2"`},
		{"bad reservation", UpdateOpts{MemoryReservation: "1.2.3m"}, `--memory-reservation "1.2.3m"`},
		{"blkio weight above uint16", UpdateOpts{BlkioWeight: 70000}, "--blkio-weight 70000"},
		{"negative blkio weight", UpdateOpts{BlkioWeight: -1}, "--blkio-weight -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.opts.resources()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestUpdateOptsResourcesJSON(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		want    func(r *specs.LinuxResources)
		wantErr string
	}{
		{
			name: "values",
			json: `{"memory":{"limit":209715200},"pids":{"limit":50},"cpu":{"cpus":"1"}}`,
			want: func(r *specs.LinuxResources) {
				r.Memory.Limit = new(int64(209715200))
				r.Pids.Limit = new(int64(50))
				r.CPU.Cpus = "1"
			},
		},
		{
			name: "checkBeforeUpdate given",
			json: `{"memory":{"checkBeforeUpdate":true}}`,
			want: func(r *specs.LinuxResources) { r.Memory.CheckBeforeUpdate = new(true) },
		},
		{
			// runc 1.5.3 dereferences the nil section and panics.
			name: "null sections",
			json: `{"memory":null,"cpu":null,"blockIO":null,"pids":null}`,
			want: func(*specs.LinuxResources) {},
		},
		{name: "null", json: `null`, want: func(*specs.LinuxResources) {}},
		{
			name: "flags ignored",
			json: `{}`,
			want: func(*specs.LinuxResources) {},
		},
		{name: "empty", json: ``, wantErr: "no JSON object found"},
		{name: "syntax", json: "{\n bad", wantErr: "line 2, column"},
		{name: "type", json: `{"memory":{"limit":"x"}}`, wantErr: "memory.limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := UpdateOpts{Resources: "-", Stdin: strings.NewReader(tt.json), Memory: "1"}
			got, err := o.resources()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			want := emptyUpdate()
			tt.want(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpdateOptsResourcesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "res.json")
	if err := os.WriteFile(path, []byte(`{"pids":{"limit":7}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := (&UpdateOpts{Resources: path}).resources()
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	if got.Pids.Limit == nil || *got.Pids.Limit != 7 {
		t.Errorf("got pids limit %v, want 7", got.Pids.Limit)
	}
	_, err = (&UpdateOpts{Resources: path + ".missing"}).resources()
	if err == nil || !strings.Contains(err.Error(), "res.json.missing") {
		t.Errorf("got error %v, want one naming the missing file", err)
	}
}

func TestApplyCPUQuotaAndPeriod(t *testing.T) {
	tests := []struct {
		name       string
		period     *uint64
		quota      *int64
		wantPeriod uint64
		wantQuota  int64
	}{
		{name: "both given", period: new(uint64(200000)), quota: new(int64(50000)), wantPeriod: 200000, wantQuota: 50000},
		{name: "neither given resets both", wantPeriod: 0, wantQuota: 0},
		{name: "period alone keeps quota", period: new(uint64(200000)), wantPeriod: 200000, wantQuota: 30000},
		{name: "quota alone keeps period", quota: new(int64(10000)), wantPeriod: 100000, wantQuota: 10000},
		{name: "zero quota with period keeps quota", period: new(uint64(50000)), quota: new(int64(0)), wantPeriod: 50000, wantQuota: 30000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := &cgroups.Resources{CpuPeriod: 100000, CpuQuota: 30000}
			applyCPU(dst, &specs.LinuxCPU{Period: tt.period, Quota: tt.quota})
			if dst.CpuPeriod != tt.wantPeriod || dst.CpuQuota != tt.wantQuota {
				t.Errorf("got period %d quota %d, want period %d quota %d",
					dst.CpuPeriod, dst.CpuQuota, tt.wantPeriod, tt.wantQuota)
			}
		})
	}
}

func TestApplyResources(t *testing.T) {
	dst := &cgroups.Resources{
		Memory: 100, MemoryReservation: 50, MemorySwap: 200, MemoryCheckBeforeUpdate: true,
		CpuShares: 1024, CpusetCpus: "0-1", BlkioWeight: 100,
		PidsLimit: new(int64(10)),
		BlkioWeightDevice: []*cgroups.WeightDevice{
			cgroups.NewWeightDevice(8, 0, 100, 0),
		},
		BlkioThrottleReadBpsDevice: []*cgroups.ThrottleDevice{
			cgroups.NewThrottleDevice(8, 0, 1000),
		},
	}
	res := emptyUpdate()
	res.Memory.Limit = new(int64(300))
	res.CPU.Shares = new(uint64(2048))
	res.BlockIO.WeightDevice = []specs.LinuxWeightDevice{
		{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Weight: new(uint16(500))},
		{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 16}, LeafWeight: new(uint16(20))},
	}
	res.BlockIO.ThrottleReadBpsDevice = []specs.LinuxThrottleDevice{
		{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: 8, Minor: 0}, Rate: 2000},
	}
	applyResources(dst, res)

	want := &cgroups.Resources{
		// Unchanged where not asked for ...
		MemoryReservation: 50, MemorySwap: 200, BlkioWeight: 100,
		// ... changed where asked for ...
		Memory: 300, CpuShares: 2048, CpuWeight: cgroups.ConvertCPUSharesToCgroupV2Value(2048),
		BlkioWeightDevice: []*cgroups.WeightDevice{
			cgroups.NewWeightDevice(8, 0, 500, 0),
			cgroups.NewWeightDevice(8, 16, 0, 20),
		},
		BlkioThrottleReadBpsDevice: []*cgroups.ThrottleDevice{
			cgroups.NewThrottleDevice(8, 0, 2000),
		},
		// ... and reset where runc's update resets: the cpusets, the
		// pids limit and the memory check are always replaced.
		CpusetCpus: "", PidsLimit: nil, MemoryCheckBeforeUpdate: false,
	}
	if diff := cmp.Diff(want, dst); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
}

func TestCheckLimits(t *testing.T) {
	pol := &policy.Policy{Profile: "agent", Mode: policy.ModeEnforce,
		Resources: policy.Resources{Pids: 512, MemoryBytes: 1 << 30, MilliCPUs: 1000}}
	i64 := func(v int64) *int64 { return &v }
	u64 := func(v uint64) *uint64 { return &v }
	tests := []struct {
		name    string
		res     specs.LinuxResources
		wantErr bool
	}{
		{"nothing asked", specs.LinuxResources{}, false},
		{"lower pids", specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(100)}}, false},
		{"pids at the limit", specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(512)}}, false},
		{"raise pids", specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(513)}}, true},
		{"unlimited pids", specs.LinuxResources{Pids: &specs.LinuxPids{Limit: i64(-1)}}, true},
		{"raise memory", specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(2 << 30)}}, true},
		{"lower memory", specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: i64(64 << 20)}}, false},
		{"two cpus", specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(200000), Period: u64(100000)}}, true},
		{"half a cpu", specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: i64(50000), Period: u64(100000)}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkLimits(&tc.res, pol)
			if (err != nil) != tc.wantErr {
				t.Errorf("got error %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}
