package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	units "github.com/docker/go-units"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// UpdateOpts are the options of update, named as runc's flags. String
// fields hold the flag's text as given, "" when it was not given.
type UpdateOpts struct {
	ID string
	// Resources is a file holding a JSON specs.LinuxResources, or "-"
	// for Stdin. When it is set, every resource flag below is ignored,
	// as runc ignores them, except the Intel RDT schemata.
	Resources string
	Stdin     io.Reader

	BlkioWeight  int // 0: unchanged
	CPUPeriod    string
	CPUQuota     string
	CPUBurst     string
	CPUShare     string
	CPURtPeriod  string
	CPURtRuntime string
	CpusetCpus   string
	CpusetMems   string
	CPUIdle      string

	// Memory sizes take a unit suffix (k, m, g, …, powers of 1024) or -1
	// for unlimited.
	Memory            string
	MemoryReservation string
	MemorySwap        string
	// KernelMemory and KernelMemoryTCP are accepted for compatibility and
	// ignored with a warning: kernels since 5.16 no longer have these
	// limits, and runc ignores them too.
	KernelMemory    string
	KernelMemoryTCP string

	PidsLimit *int64 // nil: unchanged; -1: unlimited

	L3CacheSchema string
	MemBwSchema   string
}

// resources is the update the options ask for. Every section is non-nil
// so that the apply steps need no nil checks; a nil field inside one
// means "unchanged".
func (o *UpdateOpts) resources() (*specs.LinuxResources, error) {
	res := &specs.LinuxResources{}
	if o.Resources != "" {
		if err := o.decodeResources(res); err != nil {
			return nil, err
		}
	} else if err := o.parseFlags(res); err != nil {
		return nil, err
	}
	fillResources(res)
	fixupResources(res)
	if res.Memory.Kernel != nil || res.Memory.KernelTCP != nil { //nolint:staticcheck // read only to warn
		logger().Warn("kernel memory limits (--kernel-memory, memory.kernel, memory.kernelTCP) are ignored: the kernel no longer supports them")
	}
	return res, nil
}

// fillResources gives res the empty sections an update needs. The memory
// section starts with checkBeforeUpdate false, so that an update that
// does not ask for the check turns it off, as runc's does.
func fillResources(res *specs.LinuxResources) {
	if res.Memory == nil {
		res.Memory = &specs.LinuxMemory{}
	}
	if res.Memory.CheckBeforeUpdate == nil {
		res.Memory.CheckBeforeUpdate = new(false)
	}
	if res.CPU == nil {
		res.CPU = &specs.LinuxCPU{}
	}
	if res.BlockIO == nil {
		res.BlockIO = &specs.LinuxBlockIO{}
	}
	if res.Pids == nil {
		res.Pids = &specs.LinuxPids{}
	}
}

// fixupResources adds what the cgroup drivers need for two requests to
// succeed: a memory limit of -1 without a swap limit (the kernel refuses
// a swap limit without a memory limit), and an idle flag without shares
// (cgroup v2 refuses the weight an idle cgroup would otherwise get).
func fixupResources(res *specs.LinuxResources) {
	if res.Memory.Limit != nil && *res.Memory.Limit == -1 && res.Memory.Swap == nil {
		res.Memory.Swap = new(int64(0))
	}
	if res.CPU.Idle != nil && res.CPU.Shares == nil {
		res.CPU.Shares = new(uint64(0))
	}
}

// decodeResources reads --resources: the first JSON value of the file or
// of Stdin. The file may be a pipe, such as a shell's <(…).
func (o *UpdateOpts) decodeResources(res *specs.LinuxResources) error {
	data, err := o.readResources()
	if err != nil {
		return fmt.Errorf("--resources %q: %w", o.Resources, err)
	}
	err = json.NewDecoder(bytes.NewReader(data)).Decode(res)
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("--resources %q: no JSON object found", o.Resources)
	}
	if err != nil {
		return fmt.Errorf("--resources %q: %w", o.Resources, describeJSONError(data, err))
	}
	return nil
}

func (o *UpdateOpts) readResources() ([]byte, error) {
	in := o.Stdin
	if o.Resources != "-" {
		f, err := os.Open(o.Resources)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	} else if in == nil {
		in = os.Stdin
	}
	data, err := io.ReadAll(io.LimitReader(in, maxSpecSize+1))
	if err == nil && len(data) > maxSpecSize {
		err = fmt.Errorf("more than the %d bytes allowed", maxSpecSize)
	}
	return data, err
}

// parseFlags fills res from the resource flags that were given.
func (o *UpdateOpts) parseFlags(res *specs.LinuxResources) error {
	fillResources(res)
	if err := o.parseCPU(res.CPU); err != nil {
		return err
	}
	if err := o.parseMemory(res.Memory); err != nil {
		return err
	}
	if o.BlkioWeight != 0 {
		if o.BlkioWeight < 0 || o.BlkioWeight > 0xffff {
			return fmt.Errorf("--blkio-weight %d: out of range (the kernel takes 10 to 1000)", o.BlkioWeight)
		}
		res.BlockIO.Weight = new(uint16(o.BlkioWeight))
	}
	if o.PidsLimit != nil {
		res.Pids.Limit = new(*o.PidsLimit)
	}
	return nil
}

func (o *UpdateOpts) parseCPU(cpu *specs.LinuxCPU) error {
	cpu.Cpus, cpu.Mems = o.CpusetCpus, o.CpusetMems
	for _, f := range []struct {
		name, val string
		dst       **uint64
	}{
		{"cpu-burst", o.CPUBurst, &cpu.Burst},
		{"cpu-period", o.CPUPeriod, &cpu.Period},
		{"cpu-rt-period", o.CPURtPeriod, &cpu.RealtimePeriod},
		{"cpu-share", o.CPUShare, &cpu.Shares},
	} {
		if f.val == "" {
			continue
		}
		v, err := strconv.ParseUint(f.val, 10, 64)
		if err != nil {
			return fmt.Errorf("--%s %q: want an unsigned integer", f.name, f.val)
		}
		*f.dst = &v
	}
	for _, f := range []struct {
		name, val string
		dst       **int64
	}{
		{"cpu-quota", o.CPUQuota, &cpu.Quota},
		{"cpu-rt-runtime", o.CPURtRuntime, &cpu.RealtimeRuntime},
		{"cpu-idle", o.CPUIdle, &cpu.Idle},
	} {
		if f.val == "" {
			continue
		}
		v, err := strconv.ParseInt(f.val, 10, 64)
		if err != nil {
			return fmt.Errorf("--%s %q: want an integer", f.name, f.val)
		}
		*f.dst = &v
	}
	return nil
}

func (o *UpdateOpts) parseMemory(mem *specs.LinuxMemory) error {
	for _, f := range []struct {
		name, val string
		dst       **int64
	}{
		{"memory", o.Memory, &mem.Limit},
		{"memory-swap", o.MemorySwap, &mem.Swap},
		{"kernel-memory", o.KernelMemory, &mem.Kernel}, //nolint:staticcheck // parsed only to warn
		{"kernel-memory-tcp", o.KernelMemoryTCP, &mem.KernelTCP},
		{"memory-reservation", o.MemoryReservation, &mem.Reservation},
	} {
		if f.val == "" {
			continue
		}
		v, err := parseMemorySize(f.val)
		if err != nil {
			return fmt.Errorf("--%s %q: %w", f.name, f.val, err)
		}
		*f.dst = &v
	}
	return nil
}

// parseMemorySize reads a size as runc's memory flags do: -1 for
// unlimited, else a number with an optional binary unit ("512m", "1.5G",
// "64KiB").
func parseMemorySize(s string) (int64, error) {
	if s == "-1" {
		return -1, nil
	}
	v, err := units.RAMInBytes(s)
	if err != nil {
		return 0, errors.New("want a size in bytes with an optional unit (k, m, g, t, p), or -1")
	}
	return v, nil
}
