package spec

import (
	"errors"
	"fmt"
)

// ErrRefused is matched (errors.Is) by every RefusalError.
var ErrRefused = errors.New("refused by policy")

// ErrInvalid is wrapped by errors about a spec or policy that cannot be
// hardened as given: an unknown mode or seccomp profile name, a missing
// root.
var ErrInvalid = errors.New("cannot harden")

// RefusalError is a spec setting the policy does not allow. It names the
// setting by its JSON path, the value, why it is refused and the admin
// setting that would allow it.
type RefusalError struct {
	// Field is the JSON path of the setting, such as "mounts[3].source".
	Field string
	// Value is the refused value.
	Value string
	// Reason says what the setting would hand the agent.
	Reason string
	// Key is the admin config key that would allow it, such as
	// "isolation.mount_sources".
	Key string
}

// Error reads like `mounts[3].source "/var/run/docker.sock": ...`.
func (e *RefusalError) Error() string {
	return fmt.Sprintf("%s %q: %s; admin setting %s would allow it", e.Field, e.Value, e.Reason, e.Key)
}

// Is makes errors.Is(err, ErrRefused) true for a RefusalError.
func (e *RefusalError) Is(target error) bool { return target == ErrRefused }

// invalidf formats an error wrapping ErrInvalid.
func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}
