package annotations

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap them, so callers
// can test with errors.Is.
var (
	// ErrUnknownKey is an annotation under agentrt.io/ that this package
	// does not define.
	ErrUnknownKey = errors.New("unknown key under agentrt.io/")
	// ErrReservedKey is an annotation that only the runtime may write.
	ErrReservedKey = errors.New("reserved for the runtime; refused as input")
	// ErrValueTooLarge is an annotation value above MaxValueSize.
	ErrValueTooLarge = errors.New("value too large")
	// ErrTotalTooLarge is agentrt.io/ annotations above MaxTotalSize.
	ErrTotalTooLarge = errors.New("agentrt.io annotations too large")
	// ErrTooManyEntries is a list with more than MaxEgressEntries or
	// policy.MaxListLen entries.
	ErrTooManyEntries = errors.New("too many entries")
	// ErrEmptyValue is an empty value or list entry.
	ErrEmptyValue = errors.New("empty value")
	// ErrConflict is a field set by two keys of one channel.
	ErrConflict = errors.New("conflicting keys")
	// ErrMalformedJSON is a policy JSON document that does not follow
	// the request schema: bad syntax, an unknown or duplicate field, a
	// wrong type or trailing data.
	ErrMalformedJSON = errors.New("malformed policy JSON")
	// ErrSymlink is a policy file reached through a symlink.
	ErrSymlink = errors.New("symlinks are refused")
	// ErrNotRegular is a policy file that is not a regular file.
	ErrNotRegular = errors.New("not a regular file")
	// ErrFileTooLarge is a policy file above MaxPolicyFileSize.
	ErrFileTooLarge = errors.New("file too large")
)

// KeyError is an error about one annotation, named by its key.
type KeyError struct {
	Key string
	Err error
}

// Error formats the error for users.
func (e *KeyError) Error() string {
	return fmt.Sprintf("annotation %q: %v", e.Key, e.Err)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *KeyError) Unwrap() error { return e.Err }

// PolicyFileError is an error reading the policy file of a rootfs.
type PolicyFileError struct {
	// Rootfs is the host path of the rootfs; Path is inside it.
	Rootfs string
	Path   string
	Err    error
}

// Error formats the error for users.
func (e *PolicyFileError) Error() string {
	return fmt.Sprintf("policy file %s in rootfs %q: %v", e.Path, e.Rootfs, e.Err)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *PolicyFileError) Unwrap() error { return e.Err }
