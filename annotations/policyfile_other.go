//go:build !linux

package annotations

import (
	"errors"

	"github.com/agentrt/agentrt/policy"
)

// ReadPolicyFile needs openat2 and is only implemented on Linux, the only
// system agentrt runs containers on.
func ReadPolicyFile(rootfs string) (*policy.Request, error) {
	return nil, &PolicyFileError{Rootfs: rootfs, Path: PolicyFilePath, Err: errors.ErrUnsupported}
}
