// Package spec hardens an OCI runtime spec according to the effective
// agent policy, and plans what the spec cannot express.
//
// Harden is pure: it reads the spec and the policy and returns a hardened
// deep copy and a Plan, without I/O and without touching the input.
//
// # Steps
//
// Hardening is the ordered list that Steps returns; each step is small,
// named and can be applied alone. The strict steps come first and refuse
// what the policy does not allow, with a RefusalError that names the spec
// field by its JSON path and the admin setting that would allow it:
//
//   - mounts: engine sockets and stores, the host's root, /proc and
//     writable /sys, and host devices as mount sources
//   - devices: device nodes beyond the standard set
//   - namespaces: sharing the host's network or pid namespace; the other
//     required namespaces are added
//   - seccomp: the agent profile, intersected with the engine's (package
//     seccomp); an errnoRet above MAX_ERRNO is refused
//
// The others change the spec and record warnings in the plan: masked and
// read-only paths, read-only sysfs and cgroup mounts, the read-only
// rootfs with writable mounts for the writable paths, noexec on those
// mounts (W^X), capabilities,
// no_new_privileges, rlimits, cgroup limits, and the Landlock and egress
// parts of the plan.
//
// # Modes
//
// In mode off the spec passes through unchanged and every layer of the
// plan is not applicable: agentrt behaves as runc. In audit mode nothing
// is denied that can be logged instead: seccomp denials become
// SCMP_ACT_LOG and the egress layers log. Every other restriction, which
// cannot log, is not applied but reported as a warning naming what
// enforce would do: refusals, dropped capabilities, the read-only rootfs,
// added namespaces, lowered limits, Landlock. Two steps apply in audit
// mode as well, because they only add what runc itself adds by default
// and an audit run should not show the agent more of the host than runc
// would: masked and read-only paths, and no_new_privileges.
//
// # The plan
//
// The Plan carries the Landlock ruleset (path rules with read, write and
// execute rights, W^X, TCP ports), the egress rules (mode, allowed
// destinations, DNS mode) and the planned status of every layer, which
// the runtime compares with what is live and records in its report.
package spec
