package spec

import (
	"fmt"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

// CPU quota constants, in microseconds.
const (
	defaultCPUPeriod = 100000  // the kernel's default cfs_period_us
	maxCPUPeriod     = 1000000 // the kernel's upper bound for the period
	minCPUQuota      = 1000    // the kernel refuses a smaller quota
)

// lowerResources applies the policy's pids, memory and CPU limits to
// linux.resources, never raising a limit the spec already sets.
func lowerResources(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	r := p.Resources
	if r.Pids <= 0 && r.MemoryBytes <= 0 && r.MilliCPUs <= 0 {
		return nil
	}
	res := &specs.LinuxResources{}
	if s.Linux != nil && s.Linux.Resources != nil {
		res = s.Linux.Resources
	}
	if auditing(p) {
		// Work out on a copy what enforce would set.
		c, err := copySpec(&specs.Spec{Linux: &specs.Linux{Resources: res}})
		if err != nil {
			return err
		}
		lowerAll(c.Linux.Resources, r)
		plan.warnf("audit: enforce would set %s", describeLimits(c.Linux.Resources))
		return nil
	}
	linux(s).Resources = res
	lowerAll(res, r)
	return nil
}

// lowerAll applies the three limits.
func lowerAll(res *specs.LinuxResources, r policy.Resources) {
	lowerPids(res, r.Pids)
	lowerMemory(res, r.MemoryBytes)
	lowerCPU(res, r.MilliCPUs)
}

// describeLimits names the pids, memory and CPU limits that are set.
func describeLimits(res *specs.LinuxResources) string {
	var parts []string
	if res.Pids != nil && res.Pids.Limit != nil {
		parts = append(parts, fmt.Sprintf("pids %d", *res.Pids.Limit))
	}
	if res.Memory != nil && res.Memory.Limit != nil {
		parts = append(parts, fmt.Sprintf("memory %d bytes", *res.Memory.Limit))
	}
	if res.CPU != nil && res.CPU.Quota != nil && res.CPU.Period != nil {
		parts = append(parts, fmt.Sprintf("CPU quota %d per %d µs", *res.CPU.Quota, *res.CPU.Period))
	}
	return strings.Join(parts, ", ")
}

// lowest returns the lower of a policy limit and a spec limit, where a
// limit of zero or less means none.
func lowest(want int64, cur *int64) int64 {
	if cur != nil && *cur > 0 && *cur < want {
		return *cur
	}
	return want
}

// lowerPids limits the number of tasks.
func lowerPids(res *specs.LinuxResources, want int64) {
	if want <= 0 {
		return
	}
	if res.Pids == nil {
		res.Pids = &specs.LinuxPids{}
	}
	v := lowest(want, res.Pids.Limit)
	res.Pids.Limit = &v
}

// lowerMemory limits memory. A memory+swap limit below the result already
// bounds memory, so it lowers the result; a reservation above the result
// is lowered to it.
func lowerMemory(res *specs.LinuxResources, want int64) {
	if want <= 0 {
		return
	}
	if res.Memory == nil {
		res.Memory = &specs.LinuxMemory{}
	}
	m := res.Memory
	v := lowest(lowest(want, m.Limit), m.Swap)
	m.Limit = &v
	if m.Reservation != nil && *m.Reservation > v {
		m.Reservation = &v
	}
}

// lowerCPU limits CPU time to milli thousandths of a CPU, as a quota per
// period, keeping the spec's period and its quota if lower. A quota the
// kernel would refuse as too small is moved to the longest period, which
// keeps the ratio.
func lowerCPU(res *specs.LinuxResources, milli int64) {
	if milli <= 0 {
		return
	}
	if res.CPU == nil {
		res.CPU = &specs.LinuxCPU{}
	}
	c := res.CPU
	period := int64(defaultCPUPeriod)
	if c.Period != nil && *c.Period > 0 {
		period = int64(*c.Period)
	}
	quota := lowest(milli*period/1000, c.Quota)
	if quota < minCPUQuota {
		quota, period = max(quota*maxCPUPeriod/period, minCPUQuota), maxCPUPeriod
	}
	p := uint64(period)
	c.Period, c.Quota = &p, &quota
}
