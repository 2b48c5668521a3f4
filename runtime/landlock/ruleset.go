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
	// container; the baseline is optional, policy paths are not.
	Optional bool `json:"optional,omitempty"`
}

// Ruleset is everything the sandbox entry enforces.
type Ruleset struct {
	Rules []Rule `json:"rules"`
	// HandleConnect restricts TCP connect (ABI 4) to ConnectTCP.
	HandleConnect bool     `json:"handleConnect,omitempty"`
	ConnectTCP    []uint16 `json:"connectTCP,omitempty"`
	// HandleBind restricts TCP bind (ABI 4) to BindTCP.
	HandleBind bool     `json:"handleBind,omitempty"`
	BindTCP    []uint16 `json:"bindTCP,omitempty"`
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
		merged[p] = &r
	}
	rs.Rules = rs.Rules[:0]
	for _, r := range merged {
		rs.Rules = append(rs.Rules, *r)
	}
	sort.Slice(rs.Rules, func(i, j int) bool { return rs.Rules[i].Path < rs.Rules[j].Path })
	rs.ConnectTCP = sortedPorts(rs.ConnectTCP)
	rs.BindTCP = sortedPorts(rs.BindTCP)
}

func sortedPorts(ports []uint16) []uint16 {
	seen := map[uint16]bool{}
	var out []uint16
	for _, p := range ports {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
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
	return nil
}
