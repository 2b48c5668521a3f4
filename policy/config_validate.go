package policy

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strconv"
)

// digestPattern is an OCI digest with one of the registered algorithms.
var digestPattern = regexp.MustCompile(`^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$`)

// Validate reports every semantic error of c, joined, each a *FieldError
// naming its TOML key ("profiles.agent.ceiling.network.allow[1]").
func (c *Config) Validate() error {
	return errors.Join(c.validate()...)
}

func (c *Config) validate() []error {
	var errs []error
	errs = append(errs, c.validateVersion()...)
	errs = append(errs, c.validateDefaultProfile()...)
	errs = append(errs, checkEnum("on_exceed", string(c.OnExceed), onExceedValues)...)
	errs = append(errs, checkChannels("trusted_channels", c.TrustedChannels)...)
	if c.AuditLog != "" {
		if _, err := CheckPath(c.AuditLog); err != nil {
			errs = append(errs, &FieldError{Field: "audit_log", Value: c.AuditLog, Err: err})
		}
	}
	for i, r := range c.Images {
		errs = append(errs, c.validateImageRule(indexed("images", i), r)...)
	}
	for _, name := range c.ProfileNames() {
		errs = append(errs, validateProfile("profiles."+name, name, c.Profiles[name])...)
	}
	return append(errs, checkPaths("shim.allowed_binaries", c.Shim.AllowedBinaries)...)
}

func (c *Config) validateVersion() []error {
	switch c.Version {
	case ConfigVersion:
		return nil
	case 0:
		return []error{&FieldError{Field: "version", Err: fmt.Errorf("missing; this build reads version %d", ConfigVersion)}}
	}
	return []error{&FieldError{Field: "version", Value: strconv.Itoa(c.Version),
		Err: fmt.Errorf("%w: this build reads version %d", ErrUnsupportedVersion, ConfigVersion)}}
}

func (c *Config) validateDefaultProfile() []error {
	if len(c.Profiles) == 0 {
		return []error{&FieldError{Field: "profiles", Err: errors.New("no profile defined")}}
	}
	if c.DefaultProfile == "" {
		return []error{&FieldError{Field: "default_profile", Err: errors.New("missing")}}
	}
	return c.checkProfileRef("default_profile", c.DefaultProfile)
}

// checkProfileRef checks that a key names a defined profile.
func (c *Config) checkProfileRef(field, name string) []error {
	if _, ok := c.Profiles[name]; ok {
		return nil
	}
	return []error{&FieldError{Field: field, Value: name,
		Err: fmt.Errorf("%w; defined: %q", ErrUnknownProfile, c.ProfileNames())}}
}

func (c *Config) validateImageRule(field string, r ImageRule) []error {
	var errs []error
	switch {
	case (r.Match == "") == (r.Digest == ""):
		errs = append(errs, &FieldError{Field: field, Err: errors.New("want exactly one of match and digest")})
	case r.Match != "":
		if _, err := path.Match(r.Match, ""); err != nil {
			errs = append(errs, &FieldError{Field: field + ".match", Value: r.Match, Err: err})
		}
	case !digestPattern.MatchString(r.Digest):
		errs = append(errs, invalidError(field+".digest", r.Digest, `"sha256:" and 64 lower-case hex digits`))
	}
	return append(errs, c.checkProfileRef(field+".profile", r.Profile)...)
}

func validateProfile(key, name string, p *Profile) []error {
	errs := checkProfileName(key, name)
	if p == nil {
		return append(errs, &FieldError{Field: key, Err: errors.New("empty profile")})
	}
	errs = append(errs, checkChannels(key+".selectable", p.Selectable)...)
	errs = append(errs, p.Defaults.validate(key+".defaults.")...)
	return append(errs, p.Ceiling.validate(key+".ceiling.")...)
}

func checkChannels(field string, chs []Channel) []error {
	var errs []error
	for i, ch := range chs {
		errs = append(errs, checkSetEnum(indexed(field, i), string(ch), channelOrder)...)
	}
	return errs
}

func (c *Ceiling) validate(prefix string) []error {
	var errs []error
	for i, m := range c.Modes {
		errs = append(errs, checkSetEnum(indexed(prefix+"modes", i), string(m), modeOrder)...)
	}
	f := &c.Filesystem
	errs = append(errs, checkPaths(prefix+"filesystem.readable", f.Readable)...)
	errs = append(errs, checkPaths(prefix+"filesystem.writable", f.Writable)...)
	errs = append(errs, checkPaths(prefix+"filesystem.executable", f.Executable)...)
	errs = append(errs, checkPaths(prefix+"filesystem.writable_executable", f.WritableExecutable)...)
	errs = append(errs, checkEnum(prefix+"network.egress", string(c.Network.Egress), egressOrder)...)
	errs = append(errs, checkDestinations(prefix+"network.allow", c.Network.Allow)...)
	errs = append(errs, checkCapabilities(prefix+"process.capabilities", c.Process.Capabilities)...)
	for i, s := range c.Process.Seccomp {
		errs = append(errs, checkSetEnum(indexed(prefix+"process.seccomp", i), s, seccompOrder)...)
	}
	errs = append(errs, checkRlimits(prefix+"process.rlimits", c.Process.Rlimits)...)
	errs = append(errs, checkNonNegative(prefix+"resources.memory_bytes", c.Resources.MemoryBytes)...)
	errs = append(errs, checkNonNegative(prefix+"resources.pids", c.Resources.Pids)...)
	errs = append(errs, checkNonNegative(prefix+"resources.milli_cpus", c.Resources.MilliCPUs)...)
	return append(errs, checkPaths(prefix+"isolation.mount_sources", c.Isolation.MountSources)...)
}
