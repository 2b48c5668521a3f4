package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/runc/libcontainer/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ExampleSpec is the starter spec of `agentrt spec`: runc's example
// spec, made rootless on request. It runs "sh" in the rootfs directory
// of the bundle.
func ExampleSpec(rootless bool) *specs.Spec {
	s := specconv.Example()
	if rootless {
		specconv.ToRootless(s)
	}
	return s
}

// WriteSpec writes the example spec as config.json into bundle (the
// working directory when empty), tab-indented like runc's. An existing
// config.json, even a dangling symlink, is never overwritten.
func WriteSpec(bundle string, rootless bool) error {
	if bundle != "" {
		fi, err := os.Stat(bundle)
		if err != nil {
			return fmt.Errorf("bundle %q: %w", bundle, errors.Unwrap(err))
		}
		if !fi.IsDir() {
			return fmt.Errorf("bundle %q is not a directory", bundle)
		}
	}
	data, err := json.MarshalIndent(ExampleSpec(rootless), "", "\t")
	if err != nil {
		return err
	}
	path := filepath.Join(bundle, "config.json")
	// O_EXCL refuses an existing file without the race of a separate
	// check, and does not follow a symlink planted there.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("file %q exists: remove it first", path)
	}
	if err != nil {
		return fmt.Errorf("create %q: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %q: %w", path, err)
	}
	return f.Close()
}
