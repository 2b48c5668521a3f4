package shim

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/agentrt/agentrt/policy"
)

// AgentrtBinary is the name of the runtime binary the shim runs.
const AgentrtBinary = "agentrt"

// binaryPolicy decides which runtime binary a container gets.
type binaryPolicy struct {
	// findAgentrt returns the default runtime binary.
	findAgentrt func() (string, error)
	// loadConfig returns the admin config, read only when a client names
	// another binary.
	loadConfig func() (*policy.Config, error)
}

// newBinaryPolicy returns the policy of the running shim: agentrt next to
// the shim binary or on PATH, and the admin config agentrt itself reads
// ($AGENTRT_CONFIG, else /etc/agentrt/config.toml, else the embedded
// default).
func newBinaryPolicy() *binaryPolicy {
	return &binaryPolicy{
		findAgentrt: findAgentrt,
		loadConfig: func() (*policy.Config, error) {
			cfg, _, err := policy.LoadConfigFromFlag("")
			return cfg, err
		},
	}
}

// findAgentrt returns the agentrt binary next to the shim's own binary,
// where `make install` and the packages put both, else agentrt on PATH.
func findAgentrt() (string, error) {
	self, err := os.Executable()
	if err == nil {
		next := filepath.Join(filepath.Dir(self), AgentrtBinary)
		if isExecutable(next) {
			return next, nil
		}
	}
	path, err := exec.LookPath(AgentrtBinary)
	if err != nil {
		return "", fmt.Errorf("%w: none next to the shim %q nor on PATH", ErrAgentrtNotFound, self)
	}
	return filepath.Abs(path)
}

func isExecutable(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// resolve returns the absolute path of the binary to run for a BinaryName
// option: agentrt for none or for agentrt itself, the named binary when
// the admin config allows it (other is then true), else an
// ErrBinaryRefused error naming the admin key that would allow it.
func (b *binaryPolicy) resolve(name string) (path string, other bool, err error) {
	agentrt, findErr := b.findAgentrt()
	if name == "" {
		return agentrt, false, findErr
	}
	if path, err = lookBinary(name); err != nil {
		return "", false, fmt.Errorf("%w: BinaryName %q: %w", ErrBinaryRefused, name, err)
	}
	if findErr == nil && sameFile(path, agentrt) {
		return agentrt, false, nil
	}
	cfg, err := b.loadConfig()
	if err != nil {
		return "", false, fmt.Errorf("BinaryName %q: %w", name, err)
	}
	for _, allowed := range cfg.Shim.AllowedBinaries {
		if path == allowed || sameFile(path, allowed) {
			return path, true, nil
		}
	}
	return "", false, fmt.Errorf("%w: runtime option BinaryName %q: the agentrt shim runs only agentrt (%s); "+
		"to run this binary instead, an admin lists %q in shim.allowed_binaries of the agentrt config (%s)",
		ErrBinaryRefused, name, describeAgentrt(agentrt, findErr), path, configName())
}

func lookBinary(name string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", err
	}
	return filepath.Abs(path)
}

func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}

func describeAgentrt(path string, err error) string {
	if err != nil {
		return "not found"
	}
	return path
}

// configName names the admin config file the shim reads, for messages.
func configName() string {
	path, _ := policy.ResolveConfigPath("")
	return path
}
