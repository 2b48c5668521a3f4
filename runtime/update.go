package runtime

import (
	"errors"
	"fmt"
	"slices"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/libcontainer/intelrdt"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

// Update changes the resource limits of a running, created or paused
// container, as `runc update` does: from a JSON specs.LinuxResources
// (--resources), else from the flags. The agent policy is asked first
// (checkUpdate). Limits the request leaves out keep their value, except
// those runc's update always replaces: the CFS burst, the cpusets, the
// idle flag, the pids limit, the unified map and checkBeforeUpdate. An
// unset value there leaves the kernel's setting alone but drops it from
// the saved state, exactly as with runc.
func (r *Runtime) Update(o UpdateOpts) error {
	c, err := r.load(o.ID)
	if err != nil {
		return err
	}
	res, err := o.resources()
	if err != nil {
		return err
	}
	if err := r.checkUpdate(o.ID, res); err != nil {
		return err
	}
	cfg := c.Config()
	applyResources(cfg.Cgroups.Resources, res)
	if err := applyIntelRdt(&cfg, o.L3CacheSchema, o.MemBwSchema); err != nil {
		return err
	}
	// Update cannot change device rules; leaving them alone also keeps
	// rules a device plugin added after create.
	cfg.Cgroups.SkipDevices = true
	if err := c.Set(cfg); err != nil {
		warnCgroupAccess("update", err)
		return fmt.Errorf("update container %q: %w", o.ID, err)
	}
	return nil
}

// checkUpdate decides whether the agent policy allows the new limits of
// container id. An update must not lift a limit above what the policy
// the container runs under grants; res holds the requested values, nil
// where a limit is unchanged.
func (r *Runtime) checkUpdate(id string, res *specs.LinuxResources) error {
	rec, err := readRecord(r.stateDir(id))
	if err != nil || rec == nil {
		return err
	}
	pol, err := rec.policy()
	if err != nil || pol == nil || pol.Mode != policy.ModeEnforce {
		return err
	}
	return checkLimits(res, pol)
}

// checkLimits refuses a limit above the policy's, or the removal of a limit
// the policy sets (a value of 0 or below means "no limit" to the kernel).
func checkLimits(res *specs.LinuxResources, pol *policy.Policy) error {
	lim := pol.Resources
	var errs []error
	over := func(what string, got, max int64) {
		errs = append(errs, fmt.Errorf("%s %d exceeds the limit %d of the container's policy (profile %q: profiles.%s.defaults.resources)",
			what, got, max, pol.Profile, pol.Profile))
	}
	if lim.Pids > 0 && res.Pids != nil && res.Pids.Limit != nil {
		if v := *res.Pids.Limit; v <= 0 || v > lim.Pids {
			over("pids limit", v, lim.Pids)
		}
	}
	if lim.MemoryBytes > 0 && res.Memory != nil && res.Memory.Limit != nil {
		if v := *res.Memory.Limit; v <= 0 || v > lim.MemoryBytes {
			over("memory limit", v, lim.MemoryBytes)
		}
	}
	if lim.MilliCPUs > 0 && res.CPU != nil && res.CPU.Quota != nil {
		period := int64(100000)
		if res.CPU.Period != nil && *res.CPU.Period > 0 {
			period = int64(*res.CPU.Period)
		}
		if q := *res.CPU.Quota; q <= 0 || q*1000/period > lim.MilliCPUs {
			over("CPU quota (millicpus)", q*1000/period, lim.MilliCPUs)
		}
	}
	return errors.Join(errs...)
}

// applyResources writes the requested limits into libcontainer's cgroup
// resources, the way runc maps specs.LinuxResources for an update.
func applyResources(dst *cgroups.Resources, res *specs.LinuxResources) {
	applyBlockIO(dst, res.BlockIO)
	applyCPU(dst, res.CPU)
	applyMemory(dst, res.Memory)
	dst.PidsLimit = res.Pids.Limit
	dst.Unified = res.Unified
}

func applyBlockIO(dst *cgroups.Resources, b *specs.LinuxBlockIO) {
	if b.Weight != nil {
		dst.BlkioWeight = *b.Weight
	}
	if b.LeafWeight != nil {
		dst.BlkioLeafWeight = *b.LeafWeight
	}
	for _, wd := range b.WeightDevice {
		dst.BlkioWeightDevice = upsertWeightDevice(dst.BlkioWeightDevice, wd)
	}
	for _, t := range []struct {
		dst *[]*cgroups.ThrottleDevice
		src []specs.LinuxThrottleDevice
	}{
		{&dst.BlkioThrottleReadBpsDevice, b.ThrottleReadBpsDevice},
		{&dst.BlkioThrottleWriteBpsDevice, b.ThrottleWriteBpsDevice},
		{&dst.BlkioThrottleReadIOPSDevice, b.ThrottleReadIOPSDevice},
		{&dst.BlkioThrottleWriteIOPSDevice, b.ThrottleWriteIOPSDevice},
	} {
		for _, td := range t.src {
			*t.dst = upsertThrottleDevice(*t.dst, td)
		}
	}
}

// applyCPU sets the CPU limits. The CFS quota and period go together:
// when only one of them is given (non-zero), the other keeps its old
// value, because the systemd and cgroup v2 drivers need both. The burst,
// the cpusets and the idle flag are replaced even when not given, as
// runc does.
func applyCPU(dst *cgroups.Resources, c *specs.LinuxCPU) {
	var period uint64
	var quota int64
	if c.Period != nil {
		period = *c.Period
	}
	if c.Quota != nil {
		quota = *c.Quota
	}
	switch {
	case (period == 0) == (quota == 0):
		dst.CpuPeriod, dst.CpuQuota = period, quota
	case period != 0:
		dst.CpuPeriod = period
	default:
		dst.CpuQuota = quota
	}
	dst.CpuBurst = c.Burst
	if c.Shares != nil {
		dst.CpuShares = *c.Shares
		dst.CpuWeight = cgroups.ConvertCPUSharesToCgroupV2Value(*c.Shares)
	}
	if c.RealtimePeriod != nil {
		dst.CpuRtPeriod = *c.RealtimePeriod
	}
	if c.RealtimeRuntime != nil {
		dst.CpuRtRuntime = *c.RealtimeRuntime
	}
	dst.CpusetCpus, dst.CpusetMems = c.Cpus, c.Mems
	dst.CPUIdle = c.Idle
}

func applyMemory(dst *cgroups.Resources, m *specs.LinuxMemory) {
	if m.Limit != nil {
		dst.Memory = *m.Limit
	}
	if m.Reservation != nil {
		dst.MemoryReservation = *m.Reservation
	}
	if m.Swap != nil {
		dst.MemorySwap = *m.Swap
	}
	if m.CheckBeforeUpdate != nil {
		dst.MemoryCheckBeforeUpdate = *m.CheckBeforeUpdate
	}
}

// upsertWeightDevice updates the weights of the device in devices (the
// last entry, if it is listed twice) or appends it.
func upsertWeightDevice(devices []*cgroups.WeightDevice, wd specs.LinuxWeightDevice) []*cgroups.WeightDevice {
	for _, dev := range slices.Backward(devices) {
		if dev.Major != wd.Major || dev.Minor != wd.Minor {
			continue
		}
		if wd.Weight != nil {
			dev.Weight = *wd.Weight
		}
		if wd.LeafWeight != nil {
			dev.LeafWeight = *wd.LeafWeight
		}
		return devices
	}
	var weight, leaf uint16
	if wd.Weight != nil {
		weight = *wd.Weight
	}
	if wd.LeafWeight != nil {
		leaf = *wd.LeafWeight
	}
	return append(devices, cgroups.NewWeightDevice(wd.Major, wd.Minor, weight, leaf))
}

// upsertThrottleDevice updates the rate of the device in devices (the
// last entry, if it is listed twice) or appends it.
func upsertThrottleDevice(devices []*cgroups.ThrottleDevice, td specs.LinuxThrottleDevice) []*cgroups.ThrottleDevice {
	for _, dev := range slices.Backward(devices) {
		if dev.Major == td.Major && dev.Minor == td.Minor {
			dev.Rate = td.Rate
			return devices
		}
	}
	return append(devices, cgroups.NewThrottleDevice(td.Major, td.Minor, td.Rate))
}

// applyIntelRdt sets the resctrl schemata of --l3-cache-schema and
// --mem-bw-schema. Both need the feature on the host and an intelRdt
// section the container was created with: update cannot add one.
func applyIntelRdt(cfg *configs.Config, l3, memBw string) error {
	if l3 != "" && !intelrdt.IsCATEnabled() {
		return errors.New("--l3-cache-schema: Intel RDT cache allocation (CAT) is not enabled on this host")
	}
	if memBw != "" && !intelrdt.IsMBAEnabled() {
		return errors.New("--mem-bw-schema: Intel RDT memory bandwidth allocation (MBA) is not enabled on this host")
	}
	if l3 == "" && memBw == "" {
		return nil
	}
	if cfg.IntelRdt == nil {
		return errors.New("the container was created without linux.intelRdt; update cannot add it")
	}
	if l3 != "" {
		cfg.IntelRdt.L3CacheSchema = l3
	}
	if memBw != "" {
		cfg.IntelRdt.MemBwSchema = memBw
	}
	return nil
}
