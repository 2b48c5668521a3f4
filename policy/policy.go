package policy

// Policy is the effective agent policy for one container: what the agent
// may do, in one model from which every enforcement layer (spec hardening,
// seccomp, Landlock, egress firewall, DNS filter) is compiled.
//
// A Policy is the output of Resolve; it is never written by hand. Its
// canonical encoding (see Canonical) is hashed so that a container can be
// matched with the exact policy it ran under. The same type, without
// Profile, is a profile's defaults in the admin config.
type Policy struct {
	// Profile is the name of the admin profile the policy was resolved from.
	Profile string `json:"profile" toml:"-"`
	// Mode selects enforcement: enforce, audit or off.
	Mode Mode `json:"mode" toml:"mode" comment:"Mode: \"enforce\" (deny), \"audit\" (log what enforce would deny) or \"off\"\n(behave exactly as runc)."`

	Filesystem Filesystem `json:"filesystem" toml:"filesystem"`
	Network    Network    `json:"network" toml:"network"`
	Process    Process    `json:"process" toml:"process"`
	Resources  Resources  `json:"resources" toml:"resources"`
	Isolation  Isolation  `json:"isolation" toml:"isolation"`
	Landlock   Landlock   `json:"landlock" toml:"landlock"`
}

// Mode is how strictly a policy is applied. From tightest to widest:
// enforce, audit, off.
type Mode string

const (
	// ModeEnforce denies everything the policy does not allow.
	ModeEnforce Mode = "enforce"
	// ModeAudit logs what enforce would deny, where a layer can log
	// instead of denying (seccomp), and skips layers that cannot (Landlock).
	ModeAudit Mode = "audit"
	// ModeOff passes the spec through untouched: agentrt behaves as runc.
	ModeOff Mode = "off"
)

// Filesystem is what the agent may do with files. Paths are absolute paths
// inside the container, cleaned, without "..". A path covers itself and
// everything beneath it. An empty list grants nothing.
type Filesystem struct {
	// ReadOnlyRootfs makes the root filesystem read-only; Writable paths
	// get their own writable mounts.
	ReadOnlyRootfs bool `json:"read_only_rootfs" toml:"read_only_rootfs" comment:"Mount the root filesystem read-only; the writable paths stay writable."`
	// Readable paths may be read (files and directory listings).
	Readable []string `json:"readable,omitempty" toml:"readable" comment:"Paths the agent may read. A path covers everything beneath it."`
	// Writable paths may be written, created in, renamed in and removed in.
	Writable []string `json:"writable,omitempty" toml:"writable" comment:"Paths the agent may write, create and remove files in."`
	// Executable paths hold the tools the agent may run; nothing outside
	// them can be executed (enforced by Landlock). A path that is also
	// beneath a Writable path is not executable unless WritableExecutable
	// covers it (W^X), even when an Executable path such as "/" covers it.
	Executable []string `json:"executable,omitempty" toml:"executable" comment:"Paths the agent may execute files from. Writable paths are excluded unless\nwritable_executable lists them (W^X)."`
	// Hidden paths are masked: they appear empty or unreadable. Requests
	// can add hidden paths but never remove the profile's.
	Hidden []string `json:"hidden,omitempty" toml:"hidden" comment:"Paths masked from the agent: they appear empty."`
	// WritableExecutable lists writable paths that may also be executed;
	// by default writable paths are not executable (W^X).
	WritableExecutable []string `json:"writable_executable,omitempty" toml:"writable_executable" comment:"Writable paths that may also be executed."`
}

// EgressMode is the default stance of outbound network traffic. From
// tightest to widest: none, allowlist, open.
type EgressMode string

const (
	// EgressNone allows no traffic but loopback.
	EgressNone EgressMode = "none"
	// EgressAllowlist allows only the destinations in Network.Allow.
	EgressAllowlist EgressMode = "allowlist"
	// EgressOpen allows all egress (no firewall).
	EgressOpen EgressMode = "open"
)

// Network is what the agent may reach.
type Network struct {
	// Egress is the default stance; Allow only matters with allowlist.
	Egress EgressMode `json:"egress" toml:"egress" comment:"Egress: \"none\" (loopback only), \"allowlist\" (only the destinations in\nallow) or \"open\"."`
	// Allow lists the destinations reachable with EgressAllowlist.
	// Private, link-local and metadata ranges stay blocked unless a CIDR
	// destination lists them.
	Allow []Destination `json:"allow,omitempty" toml:"allow" comment:"Destinations for allowlist, such as \"api.example.com:443\", \"*.example.org:443\",\n\"*:80+443\", \"10.0.0.0/8:80-90/tcp\", \"[2001:db8::1]:443\". Private, link-local\nand metadata ranges stay blocked unless a CIDR lists them."`
	// DNS selects how host names in Allow are turned into addresses:
	// "filter" runs a filtering resolver for the container's netns,
	// "static" resolves once at create time.
	DNS DNSMode `json:"dns,omitempty" toml:"dns" comment:"DNS: \"filter\" (a resolver answers only allowlisted names) or \"static\"\n(names are resolved once, at create)."`
}

// DNSMode is how allowlisted host names become addresses.
type DNSMode string

const (
	// DNSFilter runs a filtering resolver that feeds the firewall's sets.
	DNSFilter DNSMode = "filter"
	// DNSStatic resolves allowlisted names once, at create time.
	DNSStatic DNSMode = "static"
)

// Destination is one allowed egress destination. Exactly one of Host and
// CIDR is set. Its text form, used in TOML, JSON and annotations, is
// described at ParseDestination.
type Destination struct {
	// Host is a DNS name, lower case without a final dot; a leading "*."
	// matches any one label, and "*" alone matches any host name (but no
	// address literal: connecting to a bare IP needs a CIDR destination).
	Host string `json:"host,omitempty" toml:"host,omitempty"`
	// CIDR is an IPv4 or IPv6 prefix in canonical form ("10.0.0.0/8");
	// a bare address is a /32 or /128.
	CIDR string `json:"cidr,omitempty" toml:"cidr,omitempty"`
	// Ports restricts the destination ports; empty means any port.
	Ports []PortRange `json:"ports,omitempty" toml:"ports,omitempty"`
	// Protocol is "tcp", "udp" or empty for both.
	Protocol string `json:"protocol,omitempty" toml:"protocol,omitempty"`
}

// PortRange is an inclusive range of ports; a single port has First == Last.
type PortRange struct {
	First uint16 `json:"first" toml:"first"`
	Last  uint16 `json:"last" toml:"last"`
}

// Process is how the agent's processes run.
type Process struct {
	// Capabilities kept, by name ("CAP_CHOWN"); default none.
	Capabilities []string `json:"capabilities,omitempty" toml:"capabilities" comment:"Capabilities kept, such as \"CAP_NET_BIND_SERVICE\"; all others are dropped."`
	// NoNewPrivileges is always true in enforce mode: Normalize sets it.
	NoNewPrivileges bool `json:"no_new_privileges" toml:"no_new_privileges" comment:"Set no_new_privs. Always on in enforce mode."`
	// Seccomp names the seccomp profile: "agent" (agentrt's allowlist),
	// "engine" (keep only what the engine supplied) or "unconfined". From
	// tightest to widest in that order.
	Seccomp string `json:"seccomp" toml:"seccomp" comment:"Seccomp: \"agent\" (agentrt's allowlist, intersected with the engine's\nprofile), \"engine\" (the engine's profile only) or \"unconfined\"."`
	// Rlimits caps process resource limits; a limit is only ever lowered.
	Rlimits []Rlimit `json:"rlimits,omitempty" toml:"rlimits" comment:"Upper bounds of process rlimits, such as\n{type = \"RLIMIT_NOFILE\", soft = 1024, hard = 4096}."`
}

// Seccomp profile names, from tightest to widest.
const (
	// SeccompAgent is agentrt's allowlist, intersected with the engine's.
	SeccompAgent = "agent"
	// SeccompEngine keeps the profile the engine supplied, if any.
	SeccompEngine = "engine"
	// SeccompUnconfined applies no seccomp filter.
	SeccompUnconfined = "unconfined"
)

// Rlimit is one POSIX resource limit, by its OCI name ("RLIMIT_NOFILE").
type Rlimit struct {
	Type string `json:"type" toml:"type"`
	Soft uint64 `json:"soft" toml:"soft"`
	Hard uint64 `json:"hard" toml:"hard"`
}

// Resources are cgroup limits. Zero means "no limit from the policy";
// a limit the spec already sets is never raised.
type Resources struct {
	MemoryBytes int64 `json:"memory_bytes,omitempty" toml:"memory_bytes" comment:"Memory limit in bytes; 0: no limit from the policy."`
	Pids        int64 `json:"pids,omitempty" toml:"pids" comment:"Maximum number of tasks; 0: no limit from the policy."`
	// MilliCPUs is the CPU quota in thousandths of a CPU.
	MilliCPUs int64 `json:"milli_cpus,omitempty" toml:"milli_cpus" comment:"CPU quota in thousandths of a CPU; 0: no limit from the policy."`
}

// Isolation is the tier that runs the agent and which host resources it may
// share with the host.
type Isolation struct {
	// Tier is "container" today.
	Tier string `json:"tier" toml:"tier" comment:"What runs the agent: \"container\"."`
	// HostNetwork allows a spec that shares the host's network namespace.
	HostNetwork bool `json:"host_network,omitempty" toml:"host_network" comment:"Allow a spec that shares the host's network namespace."`
	// HostPID allows a spec that shares the host's pid namespace.
	HostPID bool `json:"host_pid,omitempty" toml:"host_pid" comment:"Allow a spec that shares the host's pid namespace."`
	// MountSources are host paths the engine may bind into the container
	// even though they would hand the agent the host (engine sockets,
	// /proc, /sys, devices).
	MountSources []string `json:"mount_sources,omitempty" toml:"mount_sources" comment:"Host paths the engine may bind in although they expose the host (engine\nsockets, /proc, /sys, devices)."`
}

// TierContainer runs the agent in a container on the host kernel.
const TierContainer = "container"

// Landlock is what the admin requires of the kernel's Landlock support.
type Landlock struct {
	// MinABI is the lowest Landlock ABI version the kernel may have; below
	// it, create fails. Zero means no Landlock is required.
	MinABI int `json:"min_abi" toml:"min_abi" comment:"Lowest Landlock ABI the kernel may have; below it, create fails. 0: Landlock\nis not required."`
	// BestEffort allows running on a kernel that enforces less than the
	// policy asks for, with the report naming what is not enforced.
	BestEffort bool `json:"best_effort,omitempty" toml:"best_effort" comment:"Run on a kernel at or above min_abi that cannot enforce every right the\npolicy uses; the report names what is not enforced."`
	// Disabled turns Landlock off for the profile. Only the admin can set
	// it: no request channel can, and empty path lists do not turn
	// Landlock off (they grant nothing beyond the baseline).
	Disabled bool `json:"disabled,omitempty" toml:"disabled" comment:"Do not apply Landlock at all (admin only; no request can set it). Empty path\nlists do not turn Landlock off: they grant nothing but the baseline."`
}

// MaxLandlockABI bounds Landlock.MinABI; it is far above any kernel's ABI
// and only rejects nonsense.
const MaxLandlockABI = 64
