package policy

import (
	"errors"
	"strconv"
)

// Validate reports every invalid field of p, joined, each a *FieldError
// naming the field ("filesystem.writable[0]"). Empty enumerations are
// valid: Normalize gives them their tightest value.
func (p *Policy) Validate() error {
	return errors.Join(p.validate("")...)
}

// validate checks p with every field name under prefix ("" or
// "profiles.agent.defaults.").
func (p *Policy) validate(prefix string) []error {
	var errs []error
	errs = append(errs, checkEnum(prefix+"mode", string(p.Mode), modeOrder)...)
	errs = append(errs, p.Filesystem.validate(prefix+"filesystem.")...)
	errs = append(errs, p.Network.validate(prefix+"network.")...)
	errs = append(errs, p.Process.validate(prefix+"process.")...)
	errs = append(errs, p.Resources.validate(prefix+"resources.")...)
	errs = append(errs, checkEnum(prefix+"isolation.tier", p.Isolation.Tier, tiers)...)
	errs = append(errs, checkPaths(prefix+"isolation.mount_sources", p.Isolation.MountSources)...)
	errs = append(errs, checkLandlockABI(prefix+"landlock.min_abi", p.Landlock.MinABI)...)
	return errs
}

func (f *Filesystem) validate(prefix string) []error {
	var errs []error
	errs = append(errs, checkPaths(prefix+"readable", f.Readable)...)
	errs = append(errs, checkPaths(prefix+"writable", f.Writable)...)
	errs = append(errs, checkPaths(prefix+"executable", f.Executable)...)
	errs = append(errs, checkPaths(prefix+"hidden", f.Hidden)...)
	errs = append(errs, checkPaths(prefix+"writable_executable", f.WritableExecutable)...)
	return errs
}

func (n *Network) validate(prefix string) []error {
	var errs []error
	errs = append(errs, checkEnum(prefix+"egress", string(n.Egress), egressOrder)...)
	errs = append(errs, checkDestinations(prefix+"allow", n.Allow)...)
	errs = append(errs, checkEnum(prefix+"dns", string(n.DNS), dnsModes)...)
	return errs
}

func (p *Process) validate(prefix string) []error {
	var errs []error
	errs = append(errs, checkCapabilities(prefix+"capabilities", p.Capabilities)...)
	errs = append(errs, checkEnum(prefix+"seccomp", p.Seccomp, seccompOrder)...)
	errs = append(errs, checkRlimits(prefix+"rlimits", p.Rlimits)...)
	return errs
}

func (r *Resources) validate(prefix string) []error {
	var errs []error
	errs = append(errs, checkNonNegative(prefix+"memory_bytes", r.MemoryBytes)...)
	errs = append(errs, checkNonNegative(prefix+"pids", r.Pids)...)
	errs = append(errs, checkNonNegative(prefix+"milli_cpus", r.MilliCPUs)...)
	return errs
}

// checkEnum accepts "" (the default) and the members of set.
func checkEnum(field, v string, set ordered) []error {
	if v == "" || set.rank(v) >= 0 {
		return nil
	}
	return []error{invalidError(field, v, set.want())}
}

func checkDestinations(field string, ds []Destination) []error {
	var errs []error
	if len(ds) > MaxListLen {
		errs = append(errs, tooManyError(field, len(ds)))
	}
	for i, d := range ds {
		if err := d.Validate(); err != nil {
			errs = append(errs, &FieldError{Field: indexed(field, i), Value: d.String(), Err: err})
		}
	}
	return errs
}

func checkCapabilities(field string, caps []string) []error {
	var errs []error
	if len(caps) > MaxListLen {
		errs = append(errs, tooManyError(field, len(caps)))
	}
	for i, c := range caps {
		if !knownCapability(c) {
			errs = append(errs, invalidError(indexed(field, i), c, "a Linux capability such as CAP_NET_BIND_SERVICE"))
		}
	}
	return errs
}

func checkRlimits(field string, rs []Rlimit) []error {
	var errs []error
	if len(rs) > MaxListLen {
		errs = append(errs, tooManyError(field, len(rs)))
	}
	for i, r := range rs {
		f := indexed(field, i)
		if !knownRlimit(r.Type) {
			errs = append(errs, invalidError(f+".type", r.Type, "an rlimit such as RLIMIT_NOFILE"))
		}
		if r.Soft > r.Hard {
			errs = append(errs, invalidError(f+".soft", strconv.FormatUint(r.Soft, 10), "at most hard"))
		}
	}
	return errs
}

func checkNonNegative(field string, v int64) []error {
	if v >= 0 {
		return nil
	}
	return []error{invalidError(field, strconv.FormatInt(v, 10), "0 (no limit) or more")}
}

func checkLandlockABI(field string, v int) []error {
	if v >= 0 && v <= MaxLandlockABI {
		return nil
	}
	return []error{invalidError(field, strconv.Itoa(v), "0 to "+strconv.Itoa(MaxLandlockABI))}
}
