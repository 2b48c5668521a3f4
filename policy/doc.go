// Package policy holds agentrt's policy model, the admin config, and the
// resolution of workload requests into the effective policy of one
// container. It is pure: it reads no spec and touches no system state
// beyond reading the config file it is asked to.
//
// # The model
//
// A Policy describes what an agent may do, in one model from which every
// enforcement layer is compiled. Its sections:
//
//   - filesystem: whether the rootfs is read-only, and the paths that are
//     readable, writable, executable (the tool allowlist) and hidden. A
//     path covers everything beneath it; writable paths are not
//     executable unless writable_executable lists them (W^X).
//   - network: the egress stance (none, allowlist, open), the allowed
//     destinations (host names with an optional wildcard label, "*" for
//     any name, CIDRs, ports, protocol) and how names are resolved (a
//     filtering DNS resolver, or static resolution at create).
//   - process: capabilities kept (none by default), no_new_privileges
//     (always on in enforce mode), the seccomp profile, rlimits.
//   - resources: memory, pids and CPU limits; 0 is "no limit".
//   - isolation: the tier that runs the agent (container), and whether the
//     spec may share the host's network or pid namespace or bind sources
//     that expose the host.
//   - mode: enforce (deny), audit (log what enforce would deny where a
//     layer can log, skip layers that cannot) or off (behave as runc).
//   - landlock: the lowest Landlock ABI the kernel must offer, and whether
//     a kernel that cannot enforce every right is accepted (best effort).
//
// # Tight and wide
//
// Every field has a tighter and a wider direction, which is what makes
// "narrow freely, widen within the ceiling" checkable field by field:
// mode enforce < audit < off; egress none < allowlist < open; seccomp
// agent < engine < unconfined; read_only_rootfs true is tighter; for
// path lists, destinations and capabilities, fewer or narrower entries
// are tighter (a path beneath a granted path, a destination covered by a
// granted one); for limits, a lower positive value is tighter and 0 (no
// limit) the widest; host_network, host_pid and best_effort are wider when
// true; a higher landlock.min_abi is tighter.
//
// # Admin config
//
// Config is /etc/agentrt/config.toml (see DefaultConfigPath and
// ResolveConfigPath): a versioned TOML file decoded strictly, so an
// unknown key is an error with its line. It defines profiles, each with
// defaults (a Policy) and a ceiling (how far requests may widen each
// field), a default profile, image rules that pin a profile to images,
// which request channels are trusted, what to do with a request beyond
// the ceiling (reject or clamp), which channels may select each profile,
// and the audit log path. Without a file at the default path the embedded
// DefaultConfig applies; DefaultTOML prints it and config.toml.example at
// the repository root is generated from it (ExampleTOML).
//
// The embedded default's profile "agent" is strict: read-only rootfs but
// /tmp and /workspace, no capabilities, no_new_privileges, seccomp
// "agent", no egress, 512 tasks, mode enforce. Its ceiling allows egress
// to any host name on ports 80 and 443, writable paths under /home, /tmp
// and /workspace, executables under /workspace and up to 4096 tasks, and
// never capabilities, host namespaces, audit or off.
//
// # Landlock floor
//
// The default requires Landlock ABI 1 (Linux 5.13) with best effort: on
// ABI 7, as on current kernels, every right the policy uses is enforced;
// on ABI 1 to 6 the rights the kernel lacks (truncate before ABI 3, TCP
// before 4, device ioctl before 5, signal and socket scoping before 6)
// are left unenforced and named in the enforcement report; a kernel
// without Landlock is refused, since the filesystem rules would be
// silently missing. An admin raises min_abi to refuse older kernels, or
// sets it to 0 to run on kernels without Landlock.
//
// # Requests and channels
//
// A Request is what one channel asks: a profile name, a mode and a
// partial policy whose nil fields are "not asked". Channels, from lowest
// to highest precedence:
//
//   - policy-file: /etc/agentrt/policy.json in the image's rootfs;
//   - image: image annotations the shim copies as agentrt.io/image.*;
//   - annotation: the container's own agentrt.io/* annotations.
//
// The annotations package parses every channel into Requests. A request
// from a channel missing from trusted_channels is ignored with a warning.
//
// # Resolution
//
// Resolve picks the profile (an image rule, else a selectable
// agentrt.io/profile, else default_profile), starts from its defaults,
// and applies, field by field, the ask of the highest-precedence channel
// that sets the field. Narrowing is always allowed; widening only within
// the ceiling. Beyond it, on_exceed = "reject" refuses the container
// with an error naming the request, its channel and the admin key that
// would allow it, such as
//
//	agentrt.io/egress "evil.com:25" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.network.allow
//
// while on_exceed = "clamp" drops the excess and warns. The later channel
// wins rather than the narrower ask because two asks are often
// incomparable (two different allowlists), and the run's own annotations
// are the most specific statement of what this container needs; the
// ceiling bounds every channel alike. No request at all yields the
// profile's defaults, never an unconfined policy.
//
// # Canonical encoding and hash
//
// Policy.Canonical is the JSON encoding of the validated, normalized
// policy: fields in declaration order, lists sorted and deduplicated,
// paths cleaned, destinations in text form with merged port ranges.
// Policy.Hash is "sha256:" and the hex SHA-256 of it; it goes into state,
// the audit log and events so a container can be matched to the exact
// policy it ran under.
package policy
