// Package annotations parses every request channel of a container into
// policy.Request values: the spec's agentrt.io/* annotations, the image's
// annotations as the shim passes them on, and the policy file inside the
// image's rootfs. It only parses and validates; policy.Resolve decides.
//
// # Annotation channel
//
// Keys under agentrt.io/ in the spec's annotations:
//
//   - agentrt.io/profile: an admin profile name.
//   - agentrt.io/policy: a whole request as JSON, in the schema of
//     policy.Request, strictly parsed (see ParsePolicyJSON).
//   - agentrt.io/egress: "none", "open", or comma-separated destinations
//     that ask for egress "allowlist": api.example.com:443,
//     *.example.org:443, *:80+443, 10.0.0.0/8:80-90/tcp,
//     [2001:db8::1]:443, 1.2.3.4 (see policy.ParseDestination).
//   - agentrt.io/writable: "none" or comma-separated absolute paths; the
//     list replaces the profile's writable paths.
//   - agentrt.io/mode: enforce, audit or off.
//
// Flat keys combine with agentrt.io/policy, but a field set by both is an
// error, as is any other key under agentrt.io/ (named in the error) and
// agentrt.io/report, which the runtime writes into the container's state
// and which is refused as input so a workload cannot forge it.
//
// # Image channel
//
// The same keys with the prefix agentrt.io/image. (agentrt.io/image.egress,
// agentrt.io/image.policy ...) form the image channel. agentrt's shim
// writes them: it looks up the image's manifest annotations and config
// labels named agentrt.io/NAME and copies each into the spec as
// agentrt.io/image.NAME, together with agentrt.io/image.ref and
// agentrt.io/image.digest for admin image rules. The shim must first drop
// any agentrt.io/image.* keys the spec already has, or a workload could
// pose as its image. Without the shim (agentrt run, Docker, or CRI with
// the runc shim) whoever writes the spec writes these keys too, so image
// rules then bind only as far as that writer is trusted.
//
// Podman copies image manifest annotations into config.json under their
// original key and cannot mark them: under podman an image's
// agentrt.io/egress is indistinguishable from a user's --annotation, and
// both are the annotation channel.
//
// # Policy file channel
//
// ReadPolicyFile reads /etc/agentrt/policy.json from the image's rootfs
// (same JSON schema as agentrt.io/policy), confined to the rootfs, with
// symlinks refused.
//
// # Limits
//
// A value may hold MaxValueSize bytes, all agentrt.io/ keys and values
// together MaxTotalSize, one egress key MaxEgressEntries destinations,
// and the policy file MaxPolicyFileSize bytes. Every error names the key
// or file it is about.
package annotations
