package testrootfs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// RuncSpec returns the spec that `runcBin spec` writes, decoded, so that
// test bundles start from exactly runc's defaults.
func RuncSpec(runcBin string) (*specs.Spec, error) {
	dir, err := os.MkdirTemp("", "agentrt-spec-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out, err := exec.Command(runcBin, "spec", "--bundle", dir).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("%s spec: %w: %s", runcBin, err, bytes.TrimSpace(out))
	}
	return ReadSpec(dir)
}

// ReadSpec decodes bundle/config.json.
func ReadSpec(bundle string) (*specs.Spec, error) {
	data, err := os.ReadFile(filepath.Join(bundle, "config.json"))
	if err != nil {
		return nil, err
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("decode %q: %w", filepath.Join(bundle, "config.json"), err)
	}
	return &s, nil
}

// WriteSpec encodes s into bundle/config.json, indented as runc writes it.
func WriteSpec(bundle string, s *specs.Spec) error {
	data, err := json.MarshalIndent(s, "", "\t")
	if err != nil {
		return fmt.Errorf("encode spec: %w", err)
	}
	return os.WriteFile(filepath.Join(bundle, "config.json"), append(data, '\n'), 0o644)
}

// Bundle makes an OCI bundle in dir (created if missing): runc's default
// spec from runcBin with the process args replaced by args (when given),
// terminal off, and root.path set to rootfs. It returns the spec it wrote.
func Bundle(runcBin, dir, rootfs string, args ...string) (*specs.Spec, error) {
	s, err := RuncSpec(runcBin)
	if err != nil {
		return nil, err
	}
	s.Process.Terminal = false
	if len(args) > 0 {
		s.Process.Args = args
	}
	s.Root.Path = rootfs
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return s, WriteSpec(dir, s)
}
