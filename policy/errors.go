package policy

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors. Errors returned by this package wrap them, so callers
// can test with errors.Is.
var (
	// ErrEmptyPath is an empty path.
	ErrEmptyPath = errors.New("path is empty")
	// ErrRelativePath is a path that does not start with "/".
	ErrRelativePath = errors.New("path is not absolute")
	// ErrDotDot is a path with a ".." component.
	ErrDotDot = errors.New(`path contains ".."`)
	// ErrNULByte is a value with a NUL byte.
	ErrNULByte = errors.New("path contains a NUL byte")
	// ErrPathTooLong is a path of PATH_MAX bytes or more.
	ErrPathTooLong = errors.New("path is too long")
	// ErrInvalidValue is a value outside a field's allowed set or range.
	ErrInvalidValue = errors.New("invalid value")
	// ErrTooMany is a list longer than MaxListLen.
	ErrTooMany = errors.New("too many entries")
	// ErrExceedsCeiling is a request that widens beyond the profile's
	// ceiling.
	ErrExceedsCeiling = errors.New("exceeds the ceiling")
	// ErrProfileNotAllowed is a profile request the admin does not allow
	// from the request's channel.
	ErrProfileNotAllowed = errors.New("profile not selectable")
	// ErrUnknownProfile is a profile name the admin config does not define.
	ErrUnknownProfile = errors.New("unknown profile")
	// ErrUnsupportedVersion is a config version this build cannot read.
	ErrUnsupportedVersion = errors.New("unsupported config version")
	// ErrUnknownKey is a config key the Config struct does not define.
	ErrUnknownKey = errors.New("unknown key")
	// ErrInvalidConfig wraps every error in an admin config file.
	ErrInvalidConfig = errors.New("invalid admin config")
)

// MaxListLen bounds every list in a policy, a request and a ceiling.
const MaxListLen = 1024

// FieldError is an invalid value of one field. Field is the field's path
// in the config or request, such as "filesystem.writable[2]".
type FieldError struct {
	Field string
	// Value is the offending value as written; empty when the error is
	// about the field as a whole.
	Value string
	Err   error
}

// Error formats the error for users.
func (e *FieldError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("%s: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("%s %q: %v", e.Field, e.Value, e.Err)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *FieldError) Unwrap() error { return e.Err }

func indexed(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}

func tooManyError(field string, n int) error {
	return &FieldError{Field: field, Err: fmt.Errorf("%w: %d, at most %d", ErrTooMany, n, MaxListLen)}
}

func invalidError(field, value, want string) error {
	return &FieldError{Field: field, Value: value, Err: fmt.Errorf("%w: want %s", ErrInvalidValue, want)}
}

// ExceedsCeilingError is a request that widens the policy beyond what the
// profile's ceiling allows.
type ExceedsCeilingError struct {
	// Request names what asked, such as "agentrt.io/egress" or
	// "agentrt.io/policy network.allow".
	Request string
	// Value is the part beyond the ceiling, such as "evil.com:25".
	Value string
	// Channel and Source say where the request came from.
	Channel Channel
	Source  string
	// Profile is the profile whose ceiling was exceeded.
	Profile string
	// AdminKey is the config key that would allow the request, such as
	// "profiles.agent.ceiling.network.allow".
	AdminKey string
}

// Error formats the error for users.
func (e *ExceedsCeilingError) Error() string {
	return fmt.Sprintf("%s %q (%s) exceeds the ceiling of profile %q; allow it with %s",
		e.Request, e.Value, e.Channel, e.Profile, e.AdminKey)
}

// Unwrap returns ErrExceedsCeiling, for errors.Is.
func (e *ExceedsCeilingError) Unwrap() error { return ErrExceedsCeiling }

// ProfileNotAllowedError is a request for a profile that the admin does
// not let the request's channel select.
type ProfileNotAllowedError struct {
	Profile string
	Request string
	Channel Channel
	Source  string
	// AdminKey is the config key that would allow it:
	// "profiles.NAME.selectable".
	AdminKey string
}

// Error formats the error for users.
func (e *ProfileNotAllowedError) Error() string {
	return fmt.Sprintf("%s %q (%s): profile is not selectable from the %s channel; allow it with %s",
		e.Request, e.Profile, e.Channel, e.Channel, e.AdminKey)
}

// Unwrap returns ErrProfileNotAllowed, for errors.Is.
func (e *ProfileNotAllowedError) Unwrap() error { return ErrProfileNotAllowed }

// UnknownProfileError is a request for a profile the config lacks.
type UnknownProfileError struct {
	Profile string
	Request string
	Channel Channel
	Source  string
	// Known lists the profiles the config defines.
	Known []string
}

// Error formats the error for users.
func (e *UnknownProfileError) Error() string {
	return fmt.Sprintf("%s %q (%s): unknown profile; the admin config defines %q",
		e.Request, e.Profile, e.Channel, e.Known)
}

// Unwrap returns ErrUnknownProfile, for errors.Is.
func (e *UnknownProfileError) Unwrap() error { return ErrUnknownProfile }

// RequestError is a malformed request that reached Resolve.
type RequestError struct {
	Channel Channel
	Source  string
	Err     error
}

// Error formats the error for users.
func (e *RequestError) Error() string {
	return fmt.Sprintf("request from %s (%s): %v", e.Source, e.Channel, e.Err)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *RequestError) Unwrap() error { return e.Err }

// ConfigError is one error in an admin config file. Line is 1-based, or
// 0 when the position is unknown.
type ConfigError struct {
	File string
	Line int
	// Key is the dotted TOML key, such as "profiles.agent.ceiling.modes".
	Key string
	Err error
}

// Error formats the error for users.
func (e *ConfigError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	return loc + ": " + e.Err.Error()
}

// Unwrap returns both the cause and ErrInvalidConfig.
func (e *ConfigError) Unwrap() []error { return []error{e.Err, ErrInvalidConfig} }
