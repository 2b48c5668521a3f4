package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/intelrdt"
	"github.com/opencontainers/runc/types"
)

// EventsOpts are the options of events, named as runc's flags.
type EventsOpts struct {
	ID string
	// Interval is how often a stats event is printed; it must be positive.
	Interval time.Duration
	// Stats prints one stats event and returns.
	Stats bool
}

// Events prints a container's events as `runc events` does, one JSON
// object a line: a "stats" event every Interval and an "oom" event for
// every OOM kill in the container's memory cgroup, until that cgroup goes
// away. Engines (containerd's runc shim among them) parse these lines
// with runc's types package, so the shape is exactly runc's. The event of
// --stats has one key more for a container with egress rules,
// "egressDenials" (see statsWithEgress), which runc's readers ignore.
func (r *Runtime) Events(w io.Writer, o EventsOpts) error {
	c, err := r.load(o.ID)
	if err != nil {
		return err
	}
	if o.Interval <= 0 {
		return fmt.Errorf("--interval %s: the interval must be greater than 0", o.Interval)
	}
	status, err := c.Status()
	if err != nil {
		return err
	}
	if status == libcontainer.Stopped {
		return fmt.Errorf("container %q is not running", o.ID)
	}
	enc := json.NewEncoder(w)
	if o.Stats {
		s, err := c.Stats()
		if err != nil {
			return fmt.Errorf("stats of container %q: %w", o.ID, err)
		}
		return enc.Encode(statsWithEgress{statsEvent(o.ID, s), r.egressDenials(o.ID)})
	}
	return streamEvents(c, enc, o.Interval)
}

// streamEvents prints events until the OOM notification channel closes,
// which libcontainer does once the container's memory cgroup is removed.
func streamEvents(c *libcontainer.Container, enc *json.Encoder, interval time.Duration) error {
	oom, err := c.NotifyOOM()
	if err != nil {
		return fmt.Errorf("watch container %q for OOM kills: %w", c.ID(), err)
	}
	stats := make(chan *libcontainer.Stats, 1)
	stop := make(chan struct{})
	defer close(stop)
	// Stats are read apart from the loop so that a slow read of the
	// cgroup files never delays an OOM event.
	go collectStats(c, interval, stats, stop)
	for {
		var ev *types.Event
		select {
		case _, ok := <-oom:
			if !ok {
				return nil
			}
			ev = &types.Event{Type: "oom", ID: c.ID()}
		case s := <-stats:
			ev = statsEvent(c.ID(), s)
		}
		if err := enc.Encode(ev); err != nil {
			return fmt.Errorf("write event: %w", err)
		}
	}
}

// collectStats sends the container's stats every interval until stop is
// closed. A failed read is logged and retried at the next tick.
func collectStats(c *libcontainer.Container, interval time.Duration, out chan<- *libcontainer.Stats, stop <-chan struct{}) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		s, err := c.Stats()
		if err != nil {
			logger().Warnf("events: read stats of container %q: %v; trying again in %s", c.ID(), err, interval)
			continue
		}
		select {
		case out <- s:
		case <-stop:
			return
		}
	}
}

// statsWithEgress is a stats event with the egress denials of the
// container: packets refused per destination address since create. It
// encodes as runc's event plus the key egressDenials, left out when the
// container has no egress rules or no denial yet.
type statsWithEgress struct {
	*types.Event
	EgressDenials map[string]uint64 `json:"egressDenials,omitempty"`
}

// statsEvent is the "stats" event of container id.
func statsEvent(id string, s *libcontainer.Stats) *types.Event {
	return &types.Event{Type: "stats", ID: id, Data: toEventStats(s)}
}

// toEventStats converts libcontainer's stats to runc's stable stats type.
// It is nil when libcontainer read no cgroup stats; the event then has
// "data": null, as runc's has.
func toEventStats(ls *libcontainer.Stats) *types.Stats {
	cg := ls.CgroupStats
	if cg == nil {
		return nil
	}
	s := &types.Stats{
		CPU:               toEventCPU(&cg.CpuStats),
		CPUSet:            types.CPUSet(cg.CPUSetStats),
		Memory:            toEventMemory(&cg.MemoryStats),
		Pids:              types.Pids{Current: cg.PidsStats.Current, Limit: cg.PidsStats.Limit},
		Blkio:             toEventBlkio(&cg.BlkioStats),
		Hugetlb:           make(map[string]types.Hugetlb, len(cg.HugetlbStats)),
		NetworkInterfaces: ls.Interfaces,
	}
	for size, h := range cg.HugetlbStats {
		s.Hugetlb[size] = types.Hugetlb{Usage: h.Usage, Max: h.MaxUsage, Failcnt: h.Failcnt}
	}
	if ls.IntelRdtStats != nil {
		s.IntelRdt = toEventIntelRdt(ls.IntelRdtStats)
	}
	return s
}

func toEventCPU(c *cgroups.CpuStats) types.Cpu {
	u := c.CpuUsage
	return types.Cpu{
		Usage: types.CpuUsage{
			Total:        u.TotalUsage,
			Percpu:       u.PercpuUsage,
			PercpuKernel: u.PercpuUsageInKernelmode,
			PercpuUser:   u.PercpuUsageInUsermode,
			Kernel:       u.UsageInKernelmode,
			User:         u.UsageInUsermode,
		},
		Throttling: types.Throttling{
			Periods:          c.ThrottlingData.Periods,
			ThrottledPeriods: c.ThrottlingData.ThrottledPeriods,
			ThrottledTime:    c.ThrottlingData.ThrottledTime,
		},
		PSI: c.PSI,
	}
}

func toEventMemory(m *cgroups.MemoryStats) types.Memory {
	return types.Memory{
		Cache:     m.Cache,
		Usage:     toEventMemoryEntry(m.Usage),
		Swap:      toEventMemoryEntry(m.SwapUsage),
		Kernel:    toEventMemoryEntry(m.KernelUsage),
		KernelTCP: toEventMemoryEntry(m.KernelTCPUsage),
		Raw:       m.Stats,
		PSI:       m.PSI,
	}
}

func toEventMemoryEntry(d cgroups.MemoryData) types.MemoryEntry {
	return types.MemoryEntry{Limit: d.Limit, Usage: d.Usage, Max: d.MaxUsage, Failcnt: d.Failcnt}
}

func toEventBlkio(b *cgroups.BlkioStats) types.Blkio {
	return types.Blkio{
		IoServiceBytesRecursive: toEventBlkioEntries(b.IoServiceBytesRecursive),
		IoServicedRecursive:     toEventBlkioEntries(b.IoServicedRecursive),
		IoQueuedRecursive:       toEventBlkioEntries(b.IoQueuedRecursive),
		IoServiceTimeRecursive:  toEventBlkioEntries(b.IoServiceTimeRecursive),
		IoWaitTimeRecursive:     toEventBlkioEntries(b.IoWaitTimeRecursive),
		IoMergedRecursive:       toEventBlkioEntries(b.IoMergedRecursive),
		IoTimeRecursive:         toEventBlkioEntries(b.IoTimeRecursive),
		SectorsRecursive:        toEventBlkioEntries(b.SectorsRecursive),
		PSI:                     b.PSI,
	}
}

func toEventBlkioEntries(entries []cgroups.BlkioStatEntry) []types.BlkioEntry {
	out := make([]types.BlkioEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, types.BlkioEntry(e))
	}
	return out
}

// toEventIntelRdt keeps the parts of the resctrl stats whose feature the
// host has enabled.
func toEventIntelRdt(is *intelrdt.Stats) types.IntelRdt {
	var rdt types.IntelRdt
	if intelrdt.IsCATEnabled() {
		if is.L3CacheInfo != nil {
			info := types.L3CacheInfo(*is.L3CacheInfo)
			rdt.L3CacheInfo = &info
		}
		rdt.L3CacheSchemaRoot, rdt.L3CacheSchema = is.L3CacheSchemaRoot, is.L3CacheSchema
	}
	if intelrdt.IsMBAEnabled() {
		if is.MemBwInfo != nil {
			info := types.MemBwInfo(*is.MemBwInfo)
			rdt.MemBwInfo = &info
		}
		rdt.MemBwSchemaRoot, rdt.MemBwSchema = is.MemBwSchemaRoot, is.MemBwSchema
	}
	if intelrdt.IsMBMEnabled() {
		rdt.MBMStats = is.MBMStats
	}
	if intelrdt.IsCMTEnabled() {
		rdt.CMTStats = is.CMTStats
	}
	rdt.Schemata = is.Schemata
	return rdt
}
