// Package shim is agentrt's containerd shim v2, runtime type
// io.containerd.agentrt.v2 (binary containerd-shim-agentrt-v2). It is
// containerd's own runc shim (its manager, task service and process
// handling, used as a library) with four things added around create:
//
//  1. The runtime binary is agentrt: the agentrt next to the shim binary,
//     else the one on PATH, with the state root /run/containerd/agentrt
//     and one directory per containerd namespace under it. A client's
//     BinaryName runtime option naming another binary is refused unless
//     the admin config lists it in shim.allowed_binaries.
//  2. The image channel: the shim reads the container's image from
//     containerd (container record, image, manifest annotations, config
//     labels), drops every agentrt.io/image.* key the bundle's config.json
//     already has, and writes the image's agentrt.io/NAME values there as
//     agentrt.io/image.NAME, with agentrt.io/image.ref and
//     agentrt.io/image.digest.
//  3. Fail closed: after create the shim asks the runtime for the
//     container's state; without agentrt's report annotation
//     (agentrt.io/report) the container is deleted and create fails.
//  4. Events: the report is published on TopicReport, and egress denial
//     counters on TopicEgressDenied when an EgressDenials hook is given.
//
// Everything else (start, exec, kill, pause, resume, metrics, delete,
// OOM events, shim grouping per pod) is the runc shim's.
//
// # Runtime options
//
// For io.containerd.agentrt.v2 clients send either runc's options
// (containerd.runc.v1.Options) or, as CRI does for every runtime type but
// runc's, generic options (runtimeoptions.v1.Options) whose TOML body, or
// the file its ConfigPath names, holds the same fields by their Go names:
//
//	[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.agentrt.options]
//	  BinaryName = '/opt/agentrt/bin/agentrt'
//	  Root = '/run/containerd/agentrt'
//
// An unknown key is an error. Root, when set, replaces
// /run/containerd/agentrt.
//
// # Image lookup
//
// The image is the container record's image; CRI leaves that empty and
// names the image in the spec annotations io.kubernetes.cri.image-name
// (containers) and io.kubernetes.cri.podsandbox.image-name (sandboxes),
// which the shim reads for records CRI made. For a multi-platform image
// the manifest of the shim's platform is used; index annotations, then
// config labels, then manifest annotations apply, the later winning for
// the same key. agentrt.io/image.digest is the digest of the image
// record's target: the index of a multi-platform image, which is what a
// reference NAME@DIGEST pins. An image whose agentrt.io values do not
// parse fails create, naming the image, the label or annotation and the
// error.
//
// When no image can be read (no image recorded, as with Docker; the image
// deleted; a read error) the image channel is empty, so the profile's
// defaults apply as for any container without requests, and the reason is
// logged and published with the report. Once the annotations package
// accepts agentrt.io/image.unavailable, the shim also writes the reason
// there for the runtime's report.
//
// # Events
//
// Both events use containerd's ContainerUpdate message (id, image,
// labels), which every containerd client can decode (ctr events prints
// it); the topic tells them apart from containerd's own /containers/update:
//
//   - TopicReport, once per create: labels agentrt.io/report (the report
//     JSON, as in `agentrt state`), agentrt.io/image.digest and
//     agentrt.io/image.unavailable when set.
//   - TopicEgressDenied, when the denial counters of a running container
//     change (read every 10 s, once per network namespace: a pod's
//     containers share the sandbox's): label agentrt.io/egress.denied, a
//     JSON object of destination address → packets refused. The shim
//     binary reads them with runtime/egress.Denials.
package shim
