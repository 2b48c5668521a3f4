package runtime

import (
	"fmt"
	"github.com/agentrt/agentrt/annotations"
	"strings"

	"github.com/opencontainers/runc/libcontainer/capabilities"
	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/libcontainer/seccomp"
	"github.com/opencontainers/runc/libcontainer/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// Annotations of the features document that describe agentrt itself.
const (
	// FeatureVersionAnnotation is agentrt's version.
	FeatureVersionAnnotation = "io.github.agentrt.version"
	// FeatureAnnotationsAnnotation lists, comma-separated, the
	// config.json annotations agentrt reads to choose and narrow the
	// agent policy.
	FeatureAnnotationsAnnotation = "io.github.agentrt.annotations"
	// libseccompVersionAnnotation is the key runc uses for the version of
	// libseccomp linked in; engines read it under this name.
	libseccompVersionAnnotation = "io.github.seccomp.libseccomp.version"
)

// ReadAnnotations are the config.json annotations agentrt reads, as
// `agentrt features` reports them.
var ReadAnnotations = []string{
	annotations.KeyProfile,
	annotations.KeyPolicy,
	annotations.KeyEgress,
	annotations.KeyWritable,
	annotations.KeyMode,
	annotations.ImagePrefix + "*",
}

// Features describes what this build of agentrt supports, as the OCI
// runtime-spec features document that `runc features` prints. Everything
// libcontainer implements is listed as runc lists it, except what agentrt
// refuses: the systemd cgroup drivers (this build has no systemd support),
// SELinux process labels, and checkpointing.
func Features(version string) *features.Features {
	yes, no := true, false
	f := &features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         configs.KnownHookNames(),
		MountOptions:  specconv.KnownMountOptions(),
		Linux: &features.Linux{
			Namespaces:   specconv.KnownNamespaces(),
			Capabilities: capabilities.KnownCapabilities(),
			Cgroup: &features.Cgroup{
				V1: &yes, V2: &yes, Systemd: &no, SystemdUser: &no, Rdma: &yes,
			},
			Seccomp:         seccompFeatures(),
			Apparmor:        &features.Apparmor{Enabled: &yes},
			Selinux:         &features.Selinux{Enabled: &no},
			IntelRdt:        &features.IntelRdt{Enabled: &yes, Schemata: &yes, Monitoring: &yes},
			MemoryPolicy:    &features.MemoryPolicy{Modes: specconv.KnownMemoryPolicyModes(), Flags: specconv.KnownMemoryPolicyFlags()},
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: &yes}},
			NetDevices:      &features.NetDevices{Enabled: &yes},
		},
		Annotations: map[string]string{
			FeatureVersionAnnotation:     version,
			FeatureAnnotationsAnnotation: strings.Join(ReadAnnotations, ","),
		},
		// libcontainer keeps the bundle path among the labels it stores
		// the annotations in, so an annotation named "bundle" changes
		// what state reports. runc's other entries are read only by the
		// systemd driver and by checkpointing, which agentrt does not have.
		PotentiallyUnsafeConfigAnnotations: []string{"bundle"},
	}
	if seccomp.Enabled {
		major, minor, patch := seccomp.Version()
		f.Annotations[libseccompVersionAnnotation] = fmt.Sprintf("%d.%d.%d", major, minor, patch)
	}
	return f
}

// seccompFeatures is what libcontainer's seccomp supports, or "disabled"
// in a build without libseccomp.
func seccompFeatures() *features.Seccomp {
	enabled := seccomp.Enabled
	if !enabled {
		return &features.Seccomp{Enabled: &enabled}
	}
	return &features.Seccomp{
		Enabled:        &enabled,
		Actions:        seccomp.KnownActions(),
		Operators:      seccomp.KnownOperators(),
		Archs:          seccomp.KnownArchs(),
		KnownFlags:     seccomp.KnownFlags(),
		SupportedFlags: seccomp.SupportedFlags(),
	}
}
