// Package runtime runs containers for agentrt: it loads a bundle, has the
// agent policy resolved and the spec hardened, and drives runc's
// libcontainer through the lifecycle an engine expects of runc (create,
// start, exec, kill, delete, state). It also owns what libcontainer cannot
// do: the sandbox entry inside the container, the egress firewall in the
// container's netns, the enforcement report and the audit log.
//
// Every command of cmd/agentrt calls one method of Runtime.
package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/sirupsen/logrus"

	"github.com/agentrt/agentrt/runtime/landlock"

	// nsenter runs before the Go runtime when this binary is re-executed
	// as libcontainer's init; devices registers the cgroup device-rule
	// manager, without which every start fails.
	_ "github.com/opencontainers/cgroups/devices"
	_ "github.com/opencontainers/runc/libcontainer/nsenter"
)

// DefaultRoot is where container state lives unless --root says otherwise.
const DefaultRoot = "/run/agentrt"

// Runtime holds the options every command shares: the global flags.
type Runtime struct {
	// Root is the state directory; each container gets Root/ID.
	Root string
	// SystemdCgroup asks for the systemd cgroup driver.
	SystemdCgroup bool
	// Rootless is "auto", "true" or "false", as runc's --rootless.
	Rootless string
	// ConfigPath is the admin config named by --config or AGENTRT_CONFIG;
	// empty means the default path, then the embedded default.
	ConfigPath string
}

// MaybeReexec runs the code paths for which libcontainer and agentrt
// re-execute this binary. It returns only when the binary was started as
// the agentrt CLI.
func MaybeReexec() {
	landlock.MaybeEnter()
	if len(os.Args) > 1 && os.Args[1] == "init" {
		// libcontainer.Init never returns: it ends in the container's
		// process, or exits with the error sent to the parent.
		libcontainer.Init()
	}
}

// load returns the container id, refusing ids that are empty or could
// name a path outside Root.
func (r *Runtime) load(id string) (*libcontainer.Container, error) {
	if err := validateID(id); err != nil {
		return nil, err
	}
	c, err := libcontainer.Load(r.Root, id)
	if errors.Is(err, libcontainer.ErrNotExist) {
		return nil, fmt.Errorf("container %q does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load container %q: %w", id, err)
	}
	return c, nil
}

// stateDir is the directory libcontainer keeps the container's state in.
func (r *Runtime) stateDir(id string) string {
	return filepath.Join(r.Root, id)
}

// validateID refuses an id libcontainer would refuse, with a message that
// names it; ids become directory names under Root.
func validateID(id string) error {
	if id == "" {
		return ErrEmptyID
	}
	if id == "." || id == ".." {
		return &InvalidIDError{ID: id}
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '_', c == '+', c == '-', c == '.':
		default:
			return &InvalidIDError{ID: id}
		}
	}
	return nil
}

// logger is the one logger of the runtime binary, configured by the CLI.
func logger() *logrus.Logger { return logrus.StandardLogger() }
