package egress

import (
	"errors"
	"fmt"
)

// ErrNotEnforced is wrapped by every error of Verify: the rules the policy
// needs are not live in the netns.
var ErrNotEnforced = errors.New("egress rules not enforced")

// ErrWildcardStatic refuses a wildcard host with DNS mode static: its
// names cannot be known ahead of time.
var ErrWildcardStatic = errors.New("wildcard host cannot be resolved ahead of time in dns mode \"static\"")

// ErrHostNetns refuses to program the netns agentrt itself runs in (or
// that of PID 1): default-deny rules there would cut off the host.
var ErrHostNetns = errors.New("netns is the host's: egress rules would apply to the host")

// SharedNetnsError refuses a container whose netns already carries
// agentrt's rules for another policy: one netns has one ruleset, and
// merging two policies would widen one of them.
type SharedNetnsError struct {
	NetnsPath string
	Have      string // plan hash installed
	Want      string // plan hash of this container
}

func (e *SharedNetnsError) Error() string {
	return fmt.Sprintf("netns %q already carries egress rules of another policy (plan %s, this container needs %s)",
		e.NetnsPath, e.Have, e.Want)
}
