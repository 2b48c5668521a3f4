package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/agentrt/agentrt/runtime"
)

const resourcesUsage = `path to a JSON file of the resources to update, or '-' for the standard input

The file holds the linux.resources object of the runtime spec; limits left out
are unchanged. For example:

{
  "memory": {"limit": 536870912, "reservation": 0, "swap": 0, "checkBeforeUpdate": true},
  "cpu": {"shares": 0, "quota": 0, "burst": 0, "period": 0, "realtimeRuntime": 0,
          "realtimePeriod": 0, "cpus": "", "mems": "", "idle": 0},
  "blockIO": {"weight": 0},
  "pids": {"limit": 0}
}

With --resources, the other resource options are ignored`

var updateCommand = &cli.Command{
	Name:      "update",
	Usage:     "update container resource constraints",
	ArgsUsage: "<container-id>",
	Description: `The update command changes the cgroup limits of a container, within what the
agent policy the container runs under allows.`,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "resources", Aliases: []string{"r"}, Usage: resourcesUsage},
		&cli.IntFlag{Name: "blkio-weight", Usage: "per cgroup block IO weight, from 10 to 1000"},
		&cli.StringFlag{Name: "cpu-period", Usage: "CPU CFS period to be used for hardcapping (in usecs); 0 to use the system default"},
		&cli.StringFlag{Name: "cpu-quota", Usage: "CPU CFS hardcap limit (in usecs): allowed CPU time in a period"},
		&cli.StringFlag{Name: "cpu-burst", Usage: "CPU CFS burst limit (in usecs): CPU time a period may borrow from unused earlier ones"},
		&cli.StringFlag{Name: "cpu-share", Usage: "CPU shares (relative weight vs. other containers)"},
		&cli.StringFlag{Name: "cpu-rt-period", Usage: "CPU realtime period to be used for hardcapping (in usecs); 0 to use the system default"},
		&cli.StringFlag{Name: "cpu-rt-runtime", Usage: "CPU realtime hardcap limit (in usecs): allowed realtime CPU time in a period"},
		&cli.StringFlag{Name: "cpuset-cpus", Usage: "CPU(s) to use"},
		&cli.StringFlag{Name: "cpuset-mems", Usage: "memory node(s) to use"},
		&cli.StringFlag{Name: "kernel-memory", Usage: "(obsolete and ignored)", Hidden: true},
		&cli.StringFlag{Name: "kernel-memory-tcp", Usage: "(obsolete and ignored)", Hidden: true},
		&cli.StringFlag{Name: "memory", Usage: "memory limit (in bytes, or with a unit such as 512m); -1 for unlimited"},
		&cli.StringFlag{Name: "cpu-idle", Usage: "cgroup SCHED_IDLE: 0 for the default behaviour, 1 for SCHED_IDLE"},
		&cli.StringFlag{Name: "memory-reservation", Usage: "memory reservation or soft limit (in bytes)"},
		&cli.StringFlag{Name: "memory-swap", Usage: "total memory usage (memory + swap); -1 for unlimited swap"},
		&cli.Int64Flag{Name: "pids-limit", Usage: "maximum number of pids allowed in the container; -1 for unlimited"},
		&cli.StringFlag{Name: "l3-cache-schema", Usage: "Intel RDT/CAT L3 cache schema"},
		&cli.StringFlag{Name: "mem-bw-schema", Usage: "Intel RDT/MBA memory bandwidth schema"},
	},
	Action: func(c *cli.Context) error {
		if err := checkArgs(c, 1, 1); err != nil {
			return err
		}
		return newRuntime(c).Update(updateOpts(c))
	},
}

func updateOpts(c *cli.Context) runtime.UpdateOpts {
	o := runtime.UpdateOpts{
		ID:                c.Args().First(),
		Resources:         c.String("resources"),
		Stdin:             os.Stdin,
		BlkioWeight:       c.Int("blkio-weight"),
		CPUPeriod:         c.String("cpu-period"),
		CPUQuota:          c.String("cpu-quota"),
		CPUBurst:          c.String("cpu-burst"),
		CPUShare:          c.String("cpu-share"),
		CPURtPeriod:       c.String("cpu-rt-period"),
		CPURtRuntime:      c.String("cpu-rt-runtime"),
		CpusetCpus:        c.String("cpuset-cpus"),
		CpusetMems:        c.String("cpuset-mems"),
		CPUIdle:           c.String("cpu-idle"),
		Memory:            c.String("memory"),
		MemoryReservation: c.String("memory-reservation"),
		MemorySwap:        c.String("memory-swap"),
		KernelMemory:      c.String("kernel-memory"),
		KernelMemoryTCP:   c.String("kernel-memory-tcp"),
		L3CacheSchema:     c.String("l3-cache-schema"),
		MemBwSchema:       c.String("mem-bw-schema"),
	}
	if c.IsSet("pids-limit") {
		o.PidsLimit = new(c.Int64("pids-limit"))
	}
	return o
}
