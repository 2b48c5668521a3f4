package main

import (
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/urfave/cli/v2"

	"github.com/agentrt/agentrt/runtime"
)

// parseUpdate runs the update command's flag parsing on args and returns
// the options its action would pass to the runtime.
func parseUpdate(t *testing.T, args ...string) runtime.UpdateOpts {
	t.Helper()
	cmd := *updateCommand
	var got runtime.UpdateOpts
	cmd.Action = func(c *cli.Context) error {
		got = updateOpts(c)
		return nil
	}
	app := &cli.App{Name: "agentrt", Commands: []*cli.Command{&cmd}, Writer: io.Discard, ErrWriter: io.Discard}
	if err := app.Run(append([]string{"agentrt", "update"}, args...)); err != nil {
		t.Fatalf("update %v: got error %v, want none", args, err)
	}
	return got
}

func TestUpdateFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want runtime.UpdateOpts
	}{
		{name: "none", args: []string{"c1"}, want: runtime.UpdateOpts{ID: "c1"}},
		{
			name: "every runc flag",
			args: []string{
				"--blkio-weight", "500", "--cpu-period", "100000", "--cpu-quota", "50000",
				"--cpu-burst", "10", "--cpu-share", "512", "--cpu-rt-period", "1000",
				"--cpu-rt-runtime", "10", "--cpuset-cpus", "0-1", "--cpuset-mems", "0",
				"--kernel-memory", "1m", "--kernel-memory-tcp", "2m", "--memory", "100M",
				"--cpu-idle", "1", "--memory-reservation", "50M", "--memory-swap", "-1",
				"--pids-limit", "-1", "--l3-cache-schema", "L3:0=f", "--mem-bw-schema", "MB:0=50",
				"c1",
			},
			want: runtime.UpdateOpts{
				ID: "c1", BlkioWeight: 500, CPUPeriod: "100000", CPUQuota: "50000",
				CPUBurst: "10", CPUShare: "512", CPURtPeriod: "1000", CPURtRuntime: "10",
				CpusetCpus: "0-1", CpusetMems: "0", KernelMemory: "1m", KernelMemoryTCP: "2m",
				Memory: "100M", CPUIdle: "1", MemoryReservation: "50M", MemorySwap: "-1",
				PidsLimit: new(int64(-1)), L3CacheSchema: "L3:0=f", MemBwSchema: "MB:0=50",
			},
		},
		{name: "pids limit 0 is set", args: []string{"--pids-limit", "0", "c1"}, want: runtime.UpdateOpts{ID: "c1", PidsLimit: new(int64(0))}},
		{name: "resources short", args: []string{"-r", "-", "c1"}, want: runtime.UpdateOpts{ID: "c1", Resources: "-"}},
		{name: "resources long", args: []string{"--resources", "r.json", "c1"}, want: runtime.UpdateOpts{ID: "c1", Resources: "r.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseUpdate(t, tt.args...)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(runtime.UpdateOpts{}, "Stdin")); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}
