package policy

import (
	"maps"
	"slices"
)

// Config file locations and format.
const (
	// ConfigVersion is the config format version this build reads.
	ConfigVersion = 1
	// DefaultConfigPath is where the admin config lives when neither
	// --config nor $AGENTRT_CONFIG names one.
	DefaultConfigPath = "/etc/agentrt/config.toml"
	// ConfigPathEnv names the environment variable that overrides
	// DefaultConfigPath.
	ConfigPathEnv = "AGENTRT_CONFIG"
	// DefaultAuditLog is the audit log used when the config sets none.
	DefaultAuditLog = "/var/log/agentrt/audit.jsonl"
)

// OnExceed is what Resolve does with a request beyond the ceiling.
type OnExceed string

const (
	// OnExceedReject refuses the container, naming the request and the
	// admin key that would allow it. The default.
	OnExceedReject OnExceed = "reject"
	// OnExceedClamp drops what exceeds the ceiling, keeps the rest, and
	// adds a warning to the result.
	OnExceedClamp OnExceed = "clamp"
)

var onExceedValues = ordered{string(OnExceedReject), string(OnExceedClamp)}

// Config is the admin config, /etc/agentrt/config.toml. It is the one
// source of truth for the file: config.toml.example is generated from
// it, field comments included.
//
// A key the struct does not define is an error, as is a file without
// version. Omitted on_exceed, audit_log and trusted_channels take their
// defaults (reject, DefaultAuditLog, every channel); an empty list
// trusted_channels = [] trusts no channel.
type Config struct {
	Version int `toml:"version" comment:"Format version of this file. This build reads version 1."`
	// DefaultProfile names the profile used when no image rule matches
	// and no request selects one.
	DefaultProfile string `toml:"default_profile" comment:"Profile used when no image rule matches and no request selects a profile."`
	// OnExceed says what to do with requests beyond the ceiling.
	OnExceed OnExceed `toml:"on_exceed" comment:"A request beyond its profile's ceiling is refused (\"reject\") or cut down to\nthe ceiling with a warning (\"clamp\")."`
	// TrustedChannels lists the channels whose requests are applied.
	// Requests from any other channel are ignored, with a warning in the
	// result: ignoring never loosens the policy below the profile's
	// defaults, so it cannot turn into "no sandbox".
	TrustedChannels []Channel `toml:"trusted_channels" comment:"Channels whose requests are applied, from lowest to highest precedence:\n\"policy-file\" (/etc/agentrt/policy.json in the image), \"image\" (image\nannotations copied by the shim as agentrt.io/image.*), \"annotation\"\n(agentrt.io/* annotations of the container). Requests from other channels\nare ignored with a warning; the profile's defaults still apply."`
	// AuditLog is the JSON-lines file that records every decision.
	AuditLog string `toml:"audit_log" comment:"JSON-lines audit log of every create, refusal and policy decision."`
	// Images map image references or digests to profiles; the first
	// matching rule wins and overrides agentrt.io/profile.
	Images []ImageRule `toml:"images,omitempty" comment:"Image rules, [[images]] tables: the first rule matching the image selects its\nprofile, whatever the workload asks."`
	// Profiles are the named policies, each with defaults and a ceiling.
	Profiles map[string]*Profile `toml:"profiles" comment:"Profiles, [profiles.NAME] tables. Names use a-z, 0-9, \"-\" and \"_\"."`
	// Shim holds the settings of agentrt's containerd shim.
	Shim ShimConfig `toml:"shim" comment:"Settings of agentrt's containerd shim, containerd-shim-agentrt-v2."`
}

// ShimConfig holds the settings of agentrt's containerd shim.
type ShimConfig struct {
	// AllowedBinaries lists, by absolute path, the runtime binaries other
	// than agentrt that the shim runs when a client's runtime options
	// name one (BinaryName). Whatever runs must still leave agentrt's
	// report in the container's state, or the shim deletes the container.
	AllowedBinaries []string `toml:"allowed_binaries" comment:"Runtime binaries, by absolute path, that the shim may run instead of agentrt\nwhen a client's runtime options name one (BinaryName). Any other BinaryName\nis refused. A container whose runtime leaves no agentrt report is deleted."`
}

// ImageRule selects a profile for an image. Exactly one of Match and
// Digest is set. Rules bind only as far as the image reference given to
// Resolve can be trusted: use digests where it matters.
type ImageRule struct {
	// Match is a glob (path.Match syntax: "*" does not cross "/") on the
	// image reference as the engine reports it, such as
	// "registry.example.com/agents/*".
	Match string `toml:"match,omitempty" comment:"Glob on the image reference as the engine reports it (\"*\" stays within one\npath segment), such as \"registry.example.com/agents/*\"."`
	// Digest is an image manifest digest, "sha256:" and 64 hex digits.
	Digest string `toml:"digest,omitempty" comment:"Or an image digest, \"sha256:\" and 64 hex digits."`
	// Profile is the profile the rule selects.
	Profile string `toml:"profile" comment:"Profile for matching images."`
}

// Profile is a named policy: the defaults a workload gets, and the
// ceiling up to which its requests may widen them.
type Profile struct {
	// Description says what the profile is for.
	Description string `toml:"description" comment:"What the profile is for."`
	// Selectable lists the channels that may select the profile with an
	// agentrt.io/profile request (or "profile" in a policy file).
	Selectable []Channel `toml:"selectable" comment:"Channels whose agentrt.io/profile request may select this profile."`
	// Defaults is the policy a workload gets without requests; Profile
	// is not part of it.
	Defaults Policy `toml:"defaults" comment:"The policy a workload gets when it asks for nothing."`
	// Ceiling bounds how far requests may widen Defaults.
	Ceiling Ceiling `toml:"ceiling" comment:"How far requests may widen the defaults. Everything a ceiling leaves out or\nempty allows no widening at all."`
}

// Ceiling bounds, field by field, how far requests may widen a profile's
// defaults. A request that stays within the defaults is narrowing and
// always allowed; one beyond the defaults must stay within the ceiling.
// The zero Ceiling allows no widening. Landlock has no ceiling: a request
// can only raise min_abi or clear best_effort.
type Ceiling struct {
	// Modes lists the modes wider than the default that a request may
	// select: audit, off. Allowing off also allows audit.
	Modes      []Mode            `toml:"modes" comment:"Modes a request may select beyond the default: \"audit\", \"off\". Allowing a\nmode allows the modes between it and the default."`
	Filesystem FilesystemCeiling `toml:"filesystem"`
	Network    NetworkCeiling    `toml:"network"`
	Process    ProcessCeiling    `toml:"process"`
	Resources  ResourcesCeiling  `toml:"resources"`
	Isolation  IsolationCeiling  `toml:"isolation"`
}

// FilesystemCeiling bounds filesystem requests. A requested path is
// within the ceiling when it is one of the listed paths or beneath one.
type FilesystemCeiling struct {
	// WritableRootfs lets a request set read_only_rootfs = false.
	WritableRootfs bool `toml:"writable_rootfs" comment:"A request may make the root filesystem writable."`
	// Readable, Writable, Executable and WritableExecutable bound the
	// lists of the same name.
	Readable           []string `toml:"readable" comment:"Paths beneath which a request may add readable paths."`
	Writable           []string `toml:"writable" comment:"Paths beneath which a request may add writable paths."`
	Executable         []string `toml:"executable" comment:"Paths beneath which a request may add executable paths."`
	WritableExecutable []string `toml:"writable_executable" comment:"Paths beneath which a request may add writable_executable paths."`
}

// NetworkCeiling bounds network requests.
type NetworkCeiling struct {
	// Egress is the widest egress mode a request may select; "" allows
	// nothing wider than the default.
	Egress EgressMode `toml:"egress" comment:"Widest egress mode a request may select: \"none\", \"allowlist\" or \"open\"."`
	// Allow lists the destinations a request may add. A requested
	// destination is within it when one entry covers its host ("*" covers
	// every host name, "*.example.org" one label under example.org) or
	// its prefix, each of its ports, and its protocol.
	Allow []Destination `toml:"allow" comment:"Destinations a request may add: \"*\" covers every host name (no address\nliterals), \"*.example.org\" one label under example.org, a CIDR its subnets;\nports and protocol must be covered too."`
}

// ProcessCeiling bounds process requests.
type ProcessCeiling struct {
	// Capabilities a request may keep beyond the default.
	Capabilities []string `toml:"capabilities" comment:"Capabilities a request may keep."`
	// Seccomp lists the seccomp profiles wider than the default that a
	// request may select: engine, unconfined. Allowing unconfined also
	// allows engine.
	Seccomp []string `toml:"seccomp" comment:"Seccomp profiles a request may select beyond the default: \"engine\",\n\"unconfined\". Allowing one allows those between it and the default."`
	// Rlimits are the highest rlimits a request may set, per type.
	Rlimits []Rlimit `toml:"rlimits" comment:"Highest rlimits a request may set, per type."`
}

// ResourcesCeiling holds the highest limits a request may ask for. Zero
// allows nothing above the default; no ceiling allows "no limit" when
// the default has one.
type ResourcesCeiling struct {
	MemoryBytes int64 `toml:"memory_bytes" comment:"Highest memory limit a request may ask for, in bytes (0: the default's)."`
	Pids        int64 `toml:"pids" comment:"Highest pids limit a request may ask for (0: the default's)."`
	MilliCPUs   int64 `toml:"milli_cpus" comment:"Highest CPU quota a request may ask for, in thousandths (0: the default's)."`
}

// IsolationCeiling bounds isolation requests.
type IsolationCeiling struct {
	HostNetwork  bool     `toml:"host_network" comment:"A request may share the host's network namespace."`
	HostPID      bool     `toml:"host_pid" comment:"A request may share the host's pid namespace."`
	MountSources []string `toml:"mount_sources" comment:"Host paths beneath which a request may add mount_sources."`
}

// ProfileNames returns the names of the config's profiles, sorted.
func (c *Config) ProfileNames() []string {
	return slices.Sorted(maps.Keys(c.Profiles))
}

// Trusts reports whether requests from ch are applied: an unset
// TrustedChannels trusts every channel.
func (c *Config) Trusts(ch Channel) bool {
	return c.TrustedChannels == nil || slices.Contains(c.TrustedChannels, ch)
}

// onExceed returns the effective OnExceed, reject when unset.
func (c *Config) onExceed() OnExceed {
	if c.OnExceed == "" {
		return OnExceedReject
	}
	return c.OnExceed
}

// AuditLogPath returns the audit log path, DefaultAuditLog when unset.
func (c *Config) AuditLogPath() string {
	if c.AuditLog == "" {
		return DefaultAuditLog
	}
	return c.AuditLog
}

// normalize puts every profile in canonical form (see Policy.Normalize)
// and turns empty lists into nil, except TrustedChannels, where empty
// means "no channel" and nil "every channel".
func (c *Config) normalize() {
	if len(c.Images) == 0 {
		c.Images = nil
	}
	for _, p := range c.Profiles {
		if p == nil {
			continue
		}
		p.Selectable = sortedUnique(p.Selectable)
		p.Defaults.Normalize()
		p.Ceiling.normalize()
	}
	c.Shim.AllowedBinaries = cleanPaths(c.Shim.AllowedBinaries)
}

func (c *Ceiling) normalize() {
	c.Modes = sortedUnique(c.Modes)
	f := &c.Filesystem
	f.Readable = cleanPaths(f.Readable)
	f.Writable = cleanPaths(f.Writable)
	f.Executable = cleanPaths(f.Executable)
	f.WritableExecutable = cleanPaths(f.WritableExecutable)
	c.Network.Allow = normalizeDestinations(c.Network.Allow)
	c.Process.Capabilities = normalizeCapabilities(c.Process.Capabilities)
	c.Process.Seccomp = sortedUnique(c.Process.Seccomp)
	c.Process.Rlimits = normalizeRlimits(c.Process.Rlimits)
	c.Isolation.MountSources = cleanPaths(c.Isolation.MountSources)
}
