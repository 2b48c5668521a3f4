package runtime

import (
	"encoding/json"
	"testing"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/types"
)

func TestStatsEventWithoutCgroupStats(t *testing.T) {
	data, err := json.Marshal(statsEvent("c1", &libcontainer.Stats{}))
	if err != nil {
		t.Fatal(err)
	}
	// runc prints a typed nil here, which encodes as null.
	if want := `{"type":"stats","id":"c1","data":null}`; string(data) != want {
		t.Errorf("got %s, want %s", data, want)
	}
}

func TestStatsEventShape(t *testing.T) {
	cg := &cgroups.Stats{}
	cg.CpuStats.CpuUsage = cgroups.CpuUsage{
		TotalUsage: 10, PercpuUsage: []uint64{4, 6}, UsageInKernelmode: 3, UsageInUsermode: 7,
	}
	cg.CpuStats.ThrottlingData = cgroups.ThrottlingData{Periods: 5, ThrottledPeriods: 2, ThrottledTime: 9}
	cg.MemoryStats.Usage = cgroups.MemoryData{Usage: 100, MaxUsage: 200, Limit: 300, Failcnt: 1}
	cg.MemoryStats.SwapUsage = cgroups.MemoryData{Limit: 400}
	cg.MemoryStats.Stats = map[string]uint64{"rss": 50}
	cg.PidsStats = cgroups.PidsStats{Current: 3, Limit: 20}
	cg.BlkioStats.IoServiceBytesRecursive = []cgroups.BlkioStatEntry{{Major: 8, Minor: 0, Op: "Read", Value: 42}}
	cg.HugetlbStats = map[string]cgroups.HugetlbStats{"2MB": {Usage: 1, MaxUsage: 2, Failcnt: 3}}
	ev := statsEvent("c1", &libcontainer.Stats{CgroupStats: cg})

	// Decode the JSON the way an engine does, with runc's own types.
	data, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Type string       `json:"type"`
		ID   string       `json:"id"`
		Data *types.Stats `json:"data"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	s := got.Data
	checks := []struct {
		name      string
		got, want any
	}{
		{"type", got.Type, "stats"},
		{"id", got.ID, "c1"},
		{"cpu total", s.CPU.Usage.Total, uint64(10)},
		{"cpu percpu", len(s.CPU.Usage.Percpu), 2},
		{"cpu kernel", s.CPU.Usage.Kernel, uint64(3)},
		{"cpu user", s.CPU.Usage.User, uint64(7)},
		{"throttled periods", s.CPU.Throttling.ThrottledPeriods, uint64(2)},
		{"memory usage", s.Memory.Usage.Usage, uint64(100)},
		{"memory max", s.Memory.Usage.Max, uint64(200)},
		{"memory limit", s.Memory.Usage.Limit, uint64(300)},
		{"swap limit", s.Memory.Swap.Limit, uint64(400)},
		{"raw rss", s.Memory.Raw["rss"], uint64(50)},
		{"pids current", s.Pids.Current, uint64(3)},
		{"pids limit", s.Pids.Limit, uint64(20)},
		{"blkio value", s.Blkio.IoServiceBytesRecursive[0].Value, uint64(42)},
		{"blkio op", s.Blkio.IoServiceBytesRecursive[0].Op, "Read"},
		{"hugetlb max", s.Hugetlb["2MB"].Max, uint64(2)},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
}

func TestStatsWithEgressShape(t *testing.T) {
	tests := []struct {
		name    string
		denials map[string]uint64
		want    string
	}{
		{"no egress rules", nil, `{"type":"stats","id":"c1","data":null}`},
		{"denials", map[string]uint64{"192.0.2.3": 2},
			`{"type":"stats","id":"c1","data":null,"egressDenials":{"192.0.2.3":2}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := json.Marshal(statsWithEgress{statsEvent("c1", &libcontainer.Stats{}), tt.denials})
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != tt.want {
				t.Errorf("got %s, want %s", data, tt.want)
			}
		})
	}
}
