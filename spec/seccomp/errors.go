package seccomp

import "errors"

// ErrInvalidProfile is wrapped by every error about a profile that cannot
// be used as given, such as an errnoRet above MaxErrno.
var ErrInvalidProfile = errors.New("invalid seccomp profile")

// ErrTooComplex is returned when intersecting two profiles' argument
// conditions for one system call would build an unreasonably large rule
// set; refusing is the safe answer.
var ErrTooComplex = errors.New("seccomp conditions too complex to intersect")
