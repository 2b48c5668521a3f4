package runtime

import (
	"fmt"
	goruntime "runtime"

	"github.com/opencontainers/runc/libcontainer/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// VersionLines are the lines `agentrt --version` prints after its own
// version, in runc's format.
func VersionLines() []string {
	lines := []string{"spec: " + specs.Version, "go: " + goruntime.Version()}
	if major, minor, micro := seccomp.Version(); major+minor+micro > 0 {
		lines = append(lines, fmt.Sprintf("libseccomp: %d.%d.%d", major, minor, micro))
	}
	return lines
}
