package landlock

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Access is a set of the coarse rights a policy grants on a path.
type Access uint8

const (
	// Read allows reading files and listing directories.
	Read Access = 1 << iota
	// Write allows writing, creating, removing, renaming, linking and
	// truncating beneath the path.
	Write
	// Execute allows executing files beneath the path.
	Execute
	// Device allows ioctl on device files beneath the path (ABI 5).
	Device
)

// String names the rights, as "rwx" with "d" for Device.
func (a Access) String() string {
	var b strings.Builder
	for _, r := range []struct {
		bit Access
		c   byte
	}{{Read, 'r'}, {Write, 'w'}, {Execute, 'x'}, {Device, 'd'}} {
		if a&r.bit != 0 {
			b.WriteByte(r.c)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// Rule grants Access beneath Path (a file or a directory, absolute, in the
// container's filesystem).
type Rule struct {
	Path   string `json:"path"`
	Access Access `json:"access"`
	// Optional rules are skipped when Path does not exist in the
	// container.
	Optional bool `json:"optional,omitempty"`
	// ExceptExecute are writable paths beneath Path that must not be
	// executable (W^X). Landlock adds up the rights of every rule above
	// a file, so Execute on Path would reach them: the entry grants Path
	// its other rights, and Execute on every entry beside the way down to
	// them, as listed inside the container (see SplitExecute).
	ExceptExecute []string `json:"exceptExecute,omitempty"`
}

// PortRange is an inclusive range of TCP ports. Rulesets keep ranges, not
// ports: a range such as 1024-65535 expanded into the entry's environment
// would exceed the kernel's limit on one environment string.
type PortRange struct {
	First uint16 `json:"first"`
	Last  uint16 `json:"last"`
}

// Ruleset is everything the sandbox entry enforces.
type Ruleset struct {
	Rules []Rule `json:"rules"`
	// HandleConnect restricts TCP connect (ABI 4) to ConnectTCP.
	HandleConnect bool        `json:"handleConnect,omitempty"`
	ConnectTCP    []PortRange `json:"connectTCP,omitempty"`
	// HandleBind restricts TCP bind (ABI 4) to BindTCP.
	HandleBind bool        `json:"handleBind,omitempty"`
	BindTCP    []PortRange `json:"bindTCP,omitempty"`
	// Scope confines abstract unix sockets and signals to the domain
	// (ABI 6).
	Scope      bool `json:"scope,omitempty"`
	MinABI     int  `json:"minABI,omitempty"`
	BestEffort bool `json:"bestEffort,omitempty"`
}

// fsRights maps coarse rights to the kernel's, before masking by ABI.
func fsRights(a Access) uint64 {
	var r uint64
	if a&Read != 0 {
		r |= unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	}
	if a&Write != 0 {
		r |= unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_REMOVE_DIR | unix.LANDLOCK_ACCESS_FS_REMOVE_FILE |
			unix.LANDLOCK_ACCESS_FS_MAKE_DIR | unix.LANDLOCK_ACCESS_FS_MAKE_REG | unix.LANDLOCK_ACCESS_FS_MAKE_SOCK |
			unix.LANDLOCK_ACCESS_FS_MAKE_FIFO | unix.LANDLOCK_ACCESS_FS_MAKE_SYM | unix.LANDLOCK_ACCESS_FS_REFER |
			unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	if a&Execute != 0 {
		r |= unix.LANDLOCK_ACCESS_FS_EXECUTE
	}
	if a&Device != 0 {
		r |= unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	return r
}

// fileRights are the rights that make sense on a file rather than a
// directory; the kernel refuses directory rights on a file rule.
const fileRights = unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_READ_FILE |
	unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV

// Normalize cleans paths, merges rules on the same path and sorts them,
// so that a ruleset has one encoding.
func (rs *Ruleset) Normalize() {
	merged := map[string]*Rule{}
	for _, r := range rs.Rules {
		p := filepath.Clean(r.Path)
		if m, ok := merged[p]; ok {
			m.Access |= r.Access
			m.Optional = m.Optional && r.Optional
			continue
		}
		r.Path = p
		r.ExceptExecute = nil
		merged[p] = &r
	}
	rs.Rules = rs.Rules[:0]
	for _, r := range merged {
		rs.Rules = append(rs.Rules, *r)
	}
	sort.Slice(rs.Rules, func(i, j int) bool { return rs.Rules[i].Path < rs.Rules[j].Path })
	rs.ConnectTCP = mergeRanges(rs.ConnectTCP)
	rs.BindTCP = mergeRanges(rs.BindTCP)
	rs.SplitExecute()
}

// mergeRanges returns the ranges sorted, each with First <= Last, with
// overlapping and adjacent ranges joined.
func mergeRanges(in []PortRange) []PortRange {
	rs := make([]PortRange, 0, len(in))
	for _, r := range in {
		if r.Last < r.First {
			r.First, r.Last = r.Last, r.First
		}
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].First < rs[j].First })
	var out []PortRange
	for _, r := range rs {
		if n := len(out); n > 0 && uint32(r.First) <= uint32(out[n-1].Last)+1 {
			out[n-1].Last = max(out[n-1].Last, r.Last)
			continue
		}
		out = append(out, r)
	}
	return out
}

// SplitExecute keeps W^X across rules: every rule that grants Execute on
// a directory above a path that is writable and not executable lists
// that path in ExceptExecute. Without it, an executable "/" and a
// writable /tmp make /tmp executable wherever /tmp has no noexec mount of
// its own (a writable rootfs). Normalize calls it; the rules must be
// normalized.
func (rs *Ruleset) SplitExecute() {
	for i := range rs.Rules {
		r := &rs.Rules[i]
		r.ExceptExecute = nil
		if r.Access&Execute == 0 {
			continue
		}
		for _, w := range rs.Rules {
			if w.Access&Write != 0 && w.Access&Execute == 0 && strictlyBeneath(w.Path, r.Path) {
				r.ExceptExecute = append(r.ExceptExecute, w.Path)
			}
		}
	}
}

// strictlyBeneath reports whether the clean absolute path p is below dir.
func strictlyBeneath(p, dir string) bool {
	if dir == "/" {
		return p != "/"
	}
	return strings.HasPrefix(p, dir+"/")
}

// Validate checks what the entry would otherwise fail on inside the
// container, where errors are harder to read.
func (rs *Ruleset) Validate() error {
	for i, r := range rs.Rules {
		if !filepath.IsAbs(r.Path) || strings.ContainsRune(r.Path, 0) {
			return fmt.Errorf("landlock rule %d: path %q must be absolute", i, r.Path)
		}
		if r.Access == 0 {
			return fmt.Errorf("landlock rule %d: path %q grants no rights", i, r.Path)
		}
	}
	for _, set := range []struct {
		name   string
		ranges []PortRange
	}{{"connectTCP", rs.ConnectTCP}, {"bindTCP", rs.BindTCP}} {
		for i, r := range set.ranges {
			if r.First > r.Last {
				return fmt.Errorf("landlock %s[%d]: range %d-%d is reversed", set.name, i, r.First, r.Last)
			}
		}
	}
	return nil
}
