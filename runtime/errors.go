package runtime

import (
	"errors"
	"fmt"
)

var (
	// ErrEmptyID is returned for a command that needs a container id and
	// got none.
	ErrEmptyID = errors.New("container id cannot be empty")
	// ErrNotSupported is returned for a runc feature agentrt cannot honour.
	ErrNotSupported = errors.New("not supported by agentrt")
)

// InvalidIDError is returned for a container id that is not a plain file
// name of letters, digits, '_', '+', '-' and '.'.
type InvalidIDError struct {
	ID string
}

func (e *InvalidIDError) Error() string {
	return fmt.Sprintf("invalid container id %q: use only letters, digits, '_', '+', '-' and '.', and not '.' or '..'", e.ID)
}
