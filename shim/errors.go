package shim

import (
	"errors"
	"fmt"
)

// Sentinel errors. The shim's errors wrap them, so callers can test with
// errors.Is.
var (
	// ErrBinaryRefused is a BinaryName runtime option that names neither
	// agentrt nor a binary in the admin config's shim.allowed_binaries.
	ErrBinaryRefused = errors.New("runtime binary refused")
	// ErrAgentrtNotFound is the absence of an agentrt binary next to the
	// shim and on PATH.
	ErrAgentrtNotFound = errors.New("agentrt binary not found")
	// ErrNoReport is a runtime that created a container but left no
	// agentrt report in its state: it is not agentrt.
	ErrNoReport = errors.New("runtime left no agentrt report")
	// ErrBadOptions is runtime options the shim cannot use.
	ErrBadOptions = errors.New("invalid runtime options")
	// ErrImagePolicy is an image whose agentrt.io values do not parse.
	ErrImagePolicy = errors.New("invalid agent policy in image")
)

// ImageError is an error about the agentrt.io values of one image, naming
// the image and where the value came from.
type ImageError struct {
	// Ref is the image's name in containerd.
	Ref string
	// Source is the label or annotation, such as `config label
	// "agentrt.io/egress"`; empty when the error is about several.
	Source string
	Err    error
}

// Error formats the error for users.
func (e *ImageError) Error() string {
	if e.Source == "" {
		return fmt.Sprintf("image %q: %v", e.Ref, e.Err)
	}
	return fmt.Sprintf("image %q, %s: %v", e.Ref, e.Source, e.Err)
}

// Unwrap returns the cause and ErrImagePolicy, for errors.Is and errors.As.
func (e *ImageError) Unwrap() []error { return []error{ErrImagePolicy, e.Err} }
