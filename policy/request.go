package policy

import "errors"

// Channel is where a request came from. Channels have a precedence: when
// two requests set the same field, the one from the higher channel wins
// (see Resolve).
type Channel string

const (
	// ChannelPolicyFile is /etc/agentrt/policy.json in the image's rootfs,
	// written by the image author. Lowest precedence.
	ChannelPolicyFile Channel = "policy-file"
	// ChannelImage is image annotations and labels that the shim copies
	// into the spec under agentrt.io/image.*, also written by the image
	// author.
	ChannelImage Channel = "image"
	// ChannelAnnotation is the spec's own agentrt.io/* annotations, set by
	// whoever runs the container. Highest precedence.
	ChannelAnnotation Channel = "annotation"
)

// channelOrder lists the channels from lowest to highest precedence.
var channelOrder = ordered{string(ChannelPolicyFile), string(ChannelImage), string(ChannelAnnotation)}

// Channels returns every channel, from lowest to highest precedence.
func Channels() []Channel {
	return []Channel{ChannelPolicyFile, ChannelImage, ChannelAnnotation}
}

// Request is what one channel asks of the policy. Every ask is optional:
// a nil pointer is "not asked", which differs from asking for an empty
// list. The JSON form, the schema of agentrt.io/policy and of the policy
// file, uses the Policy's JSON names:
//
//	{"profile": "agent", "mode": "enforce",
//	 "filesystem": {"writable": ["/workspace/out"]},
//	 "network": {"egress": "allowlist", "allow": ["api.example.com:443"]},
//	 "resources": {"pids": 128}}
//
// A list replaces the profile's list, except filesystem.hidden, which
// adds to it; rlimits replace the profile's limits of the same type.
// A non-empty network.allow without network.egress implies egress
// "allowlist". no_new_privileges, dns and the isolation tier are admin
// settings and cannot be requested.
type Request struct {
	// Channel is the request's origin.
	Channel Channel `json:"-"`
	// Source names the request in messages, such as "agentrt.io/policy"
	// or "/etc/agentrt/policy.json".
	Source string `json:"-"`
	// Keys maps a field ("network.allow") to the request key that set it
	// ("agentrt.io/egress"); a field without an entry is named
	// Source+" "+field.
	Keys map[string]string `json:"-"`

	// Profile asks for an admin profile by name; "" is not asked.
	Profile string `json:"profile,omitempty"`
	// Mode asks for a mode; enforce is the tightest.
	Mode *Mode `json:"mode,omitempty"`

	Filesystem *FilesystemRequest `json:"filesystem,omitempty"`
	Network    *NetworkRequest    `json:"network,omitempty"`
	Process    *ProcessRequest    `json:"process,omitempty"`
	Resources  *ResourcesRequest  `json:"resources,omitempty"`
	Isolation  *IsolationRequest  `json:"isolation,omitempty"`
	Landlock   *LandlockRequest   `json:"landlock,omitempty"`
}

// FilesystemRequest asks for Filesystem fields.
type FilesystemRequest struct {
	ReadOnlyRootfs     *bool     `json:"read_only_rootfs,omitempty"`
	Readable           *[]string `json:"readable,omitempty"`
	Writable           *[]string `json:"writable,omitempty"`
	Executable         *[]string `json:"executable,omitempty"`
	Hidden             *[]string `json:"hidden,omitempty"`
	WritableExecutable *[]string `json:"writable_executable,omitempty"`
}

// NetworkRequest asks for Network fields.
type NetworkRequest struct {
	Egress *EgressMode    `json:"egress,omitempty"`
	Allow  *[]Destination `json:"allow,omitempty"`
}

// ProcessRequest asks for Process fields.
type ProcessRequest struct {
	Capabilities *[]string `json:"capabilities,omitempty"`
	Seccomp      *string   `json:"seccomp,omitempty"`
	Rlimits      *[]Rlimit `json:"rlimits,omitempty"`
}

// ResourcesRequest asks for Resources fields; 0 asks for no limit.
type ResourcesRequest struct {
	MemoryBytes *int64 `json:"memory_bytes,omitempty"`
	Pids        *int64 `json:"pids,omitempty"`
	MilliCPUs   *int64 `json:"milli_cpus,omitempty"`
}

// IsolationRequest asks for Isolation fields.
type IsolationRequest struct {
	HostNetwork  *bool     `json:"host_network,omitempty"`
	HostPID      *bool     `json:"host_pid,omitempty"`
	MountSources *[]string `json:"mount_sources,omitempty"`
}

// LandlockRequest asks for Landlock fields. Only tightening is possible:
// a higher min_abi, or best_effort false.
type LandlockRequest struct {
	MinABI     *int  `json:"min_abi,omitempty"`
	BestEffort *bool `json:"best_effort,omitempty"`
}

// KeyFor names the request key that set field, for messages.
func (r *Request) KeyFor(field string) string {
	if k, ok := r.Keys[field]; ok {
		return k
	}
	if r.Source == "" {
		return field
	}
	return r.Source + " " + field
}

// Fields lists the fields r sets, by their policy names ("profile",
// "mode", "network.allow" ...), in a fixed order.
func (r *Request) Fields() []string {
	var out []string
	if r.Profile != "" {
		out = append(out, "profile")
	}
	for _, a := range appliers {
		if a.isSet(r) {
			out = append(out, a.field)
		}
	}
	return out
}

// Validate reports every malformed ask of r, joined, each a *FieldError
// naming the field by its request key ("agentrt.io/writable[0]").
// Whether an ask is allowed is Resolve's business, not Validate's.
func (r *Request) Validate() error {
	var errs []error
	if r.Profile != "" {
		errs = append(errs, checkProfileName(r.KeyFor("profile"), r.Profile)...)
	}
	if r.Mode != nil {
		errs = append(errs, checkSetEnum(r.KeyFor("mode"), string(*r.Mode), modeOrder)...)
	}
	errs = append(errs, r.Filesystem.validate(r)...)
	errs = append(errs, r.Network.validate(r)...)
	errs = append(errs, r.Process.validate(r)...)
	errs = append(errs, r.Resources.validate(r)...)
	errs = append(errs, r.Isolation.validate(r)...)
	errs = append(errs, r.Landlock.validate(r)...)
	return errors.Join(errs...)
}

// checkSetEnum is checkEnum for an ask: asking for "" is an error.
func checkSetEnum(field, v string, set ordered) []error {
	if v == "" {
		return []error{invalidError(field, v, set.want())}
	}
	return checkEnum(field, v, set)
}

func (f *FilesystemRequest) validate(r *Request) []error {
	if f == nil {
		return nil
	}
	var errs []error
	for _, l := range []struct {
		field string
		paths *[]string
	}{
		{"filesystem.readable", f.Readable},
		{"filesystem.writable", f.Writable},
		{"filesystem.executable", f.Executable},
		{"filesystem.hidden", f.Hidden},
		{"filesystem.writable_executable", f.WritableExecutable},
	} {
		if l.paths != nil {
			errs = append(errs, checkPaths(r.KeyFor(l.field), *l.paths)...)
		}
	}
	return errs
}

func (n *NetworkRequest) validate(r *Request) []error {
	if n == nil {
		return nil
	}
	var errs []error
	if n.Egress != nil {
		errs = append(errs, checkSetEnum(r.KeyFor("network.egress"), string(*n.Egress), egressOrder)...)
	}
	if n.Allow != nil {
		errs = append(errs, checkDestinations(r.KeyFor("network.allow"), *n.Allow)...)
	}
	return errs
}

func (p *ProcessRequest) validate(r *Request) []error {
	if p == nil {
		return nil
	}
	var errs []error
	if p.Capabilities != nil {
		errs = append(errs, checkCapabilities(r.KeyFor("process.capabilities"), *p.Capabilities)...)
	}
	if p.Seccomp != nil {
		errs = append(errs, checkSetEnum(r.KeyFor("process.seccomp"), *p.Seccomp, seccompOrder)...)
	}
	if p.Rlimits != nil {
		errs = append(errs, checkRlimits(r.KeyFor("process.rlimits"), *p.Rlimits)...)
	}
	return errs
}

func (s *ResourcesRequest) validate(r *Request) []error {
	if s == nil {
		return nil
	}
	var errs []error
	for _, l := range []struct {
		field string
		v     *int64
	}{
		{"resources.memory_bytes", s.MemoryBytes},
		{"resources.pids", s.Pids},
		{"resources.milli_cpus", s.MilliCPUs},
	} {
		if l.v != nil {
			errs = append(errs, checkNonNegative(r.KeyFor(l.field), *l.v)...)
		}
	}
	return errs
}

func (i *IsolationRequest) validate(r *Request) []error {
	if i == nil || i.MountSources == nil {
		return nil
	}
	return checkPaths(r.KeyFor("isolation.mount_sources"), *i.MountSources)
}

func (l *LandlockRequest) validate(r *Request) []error {
	if l == nil || l.MinABI == nil {
		return nil
	}
	return checkLandlockABI(r.KeyFor("landlock.min_abi"), *l.MinABI)
}

// checkProfileName accepts lower-case names of letters, digits, "-" and
// "_", starting with a letter or digit, at most 63 bytes: names that
// need no quoting in a TOML key.
func checkProfileName(field, name string) []error {
	ok := name != "" && len(name) <= 63 && name[0] != '-' && name[0] != '_'
	for _, c := range name {
		ok = ok && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')
	}
	if ok {
		return nil
	}
	return []error{invalidError(field, name, "a profile name of a-z, 0-9, \"-\" and \"_\"")}
}
