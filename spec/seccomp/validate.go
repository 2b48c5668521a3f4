package seccomp

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// maxArgs is the number of system call arguments seccomp can inspect.
const maxArgs = 6

// Validate checks what Merge and the kernel rely on: known actions and
// operators, argument indexes below 6, named system calls and errno
// values no larger than MaxErrno. The kernel would silently clamp a
// larger errno and runc would truncate it to 16 bits, so it is refused,
// never shortened. Errors name the field by its JSON path under field
// (normally "linux.seccomp") and wrap ErrInvalidProfile.
func Validate(p *specs.LinuxSeccomp, field string) error {
	if p == nil {
		return nil
	}
	if !knownAction(p.DefaultAction) {
		return invalid("%s.defaultAction %q: unknown action", field, p.DefaultAction)
	}
	if err := checkErrno(p.DefaultErrnoRet, field+".defaultErrnoRet"); err != nil {
		return err
	}
	for i, sc := range p.Syscalls {
		if err := validateRule(sc, fmt.Sprintf("%s.syscalls[%d]", field, i)); err != nil {
			return err
		}
	}
	return nil
}

// validateRule checks one syscall rule.
func validateRule(sc specs.LinuxSyscall, field string) error {
	if len(sc.Names) == 0 {
		return invalid("%s.names: empty", field)
	}
	for j, n := range sc.Names {
		if n == "" {
			return invalid("%s.names[%d]: empty name", field, j)
		}
	}
	if !knownAction(sc.Action) {
		return invalid("%s.action %q: unknown action", field, sc.Action)
	}
	if err := checkErrno(sc.ErrnoRet, field+".errnoRet"); err != nil {
		return err
	}
	for j, a := range sc.Args {
		if a.Index >= maxArgs {
			return invalid("%s.args[%d].index %d: seccomp sees only %d arguments", field, j, a.Index, maxArgs)
		}
		if !knownOp(a.Op) {
			return invalid("%s.args[%d].op %q: unknown operator", field, j, a.Op)
		}
	}
	return nil
}

// checkErrno refuses an errno above MaxErrno.
func checkErrno(e *uint, field string) error {
	if e != nil && *e > MaxErrno {
		return invalid("%s %d: above the kernel's MAX_ERRNO %d", field, *e, MaxErrno)
	}
	return nil
}

// invalid formats an error wrapping ErrInvalidProfile.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidProfile}, args...)...)
}

// knownAction reports whether a is an action runc understands.
func knownAction(a specs.LinuxSeccompAction) bool {
	switch a {
	case specs.ActKill, specs.ActKillProcess, specs.ActKillThread, specs.ActTrap,
		specs.ActErrno, specs.ActTrace, specs.ActAllow, specs.ActLog, specs.ActNotify:
		return true
	}
	return false
}

// knownOp reports whether op is a comparison runc understands.
func knownOp(op specs.LinuxSeccompOperator) bool {
	switch op {
	case specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual, specs.OpEqualTo,
		specs.OpGreaterEqual, specs.OpGreaterThan, specs.OpMaskedEqual:
		return true
	}
	return false
}

// permitting reports whether an action lets the call run (NOTIFY and
// TRACE hand the decision to a supervisor, which may let it run).
func permitting(a specs.LinuxSeccompAction) bool {
	switch a {
	case specs.ActAllow, specs.ActLog, specs.ActNotify, specs.ActTrace:
		return true
	}
	return false
}
