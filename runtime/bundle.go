package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// maxSpecSize caps config.json; real specs are a few tens of KiB.
const maxSpecSize = 16 << 20

// loadBundle reads and checks BUNDLE/config.json. Errors name the file and,
// where they can, the offending field.
func loadBundle(bundle string) (*specs.Spec, error) {
	path := filepath.Join(bundle, "config.json")
	data, err := readCapped(path, maxSpecSize)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("bundle %q: config.json not found", bundle)
		}
		return nil, fmt.Errorf("read %q: %w", path, err)
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("parse %q: %w", path, describeJSONError(data, err))
	}
	if err := validateSpec(bundle, &s); err != nil {
		return nil, fmt.Errorf("%q: %w", path, err)
	}
	return &s, nil
}

// validateSpec checks what libcontainer would otherwise report with a
// vaguer message, or not at all.
func validateSpec(bundle string, s *specs.Spec) error {
	if s.Root == nil || s.Root.Path == "" {
		return errors.New("root.path must be set")
	}
	rootfs := rootfsPath(bundle, s)
	if real, err := filepath.EvalSymlinks(rootfs); err == nil && real == "/" {
		return fmt.Errorf("root.path %q is the host's root filesystem", s.Root.Path)
	}
	fi, err := os.Stat(rootfs)
	if err != nil {
		return fmt.Errorf("root.path %q: %w", s.Root.Path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("root.path %q is not a directory", s.Root.Path)
	}
	if s.Linux == nil {
		return errors.New("linux section is missing; agentrt runs Linux containers only")
	}
	return validateProcess(s.Process, "process")
}

// validateProcess checks the process an init or an exec will run. field is
// the JSON path it came from, for messages.
func validateProcess(p *specs.Process, field string) error {
	if p == nil {
		return fmt.Errorf("%s must be set", field)
	}
	if len(p.Args) == 0 {
		return fmt.Errorf("%s.args must not be empty", field)
	}
	if p.Cwd == "" {
		return fmt.Errorf("%s.cwd must not be empty", field)
	}
	if !filepath.IsAbs(p.Cwd) {
		return fmt.Errorf("%s.cwd %q must be an absolute path", field, p.Cwd)
	}
	if p.SelinuxLabel != "" {
		return fmt.Errorf("%s.selinuxLabel is set, but SELinux is not supported here", field)
	}
	return nil
}

// rootfsPath is the absolute rootfs of a bundle; a relative root.path is
// relative to the bundle, as the runtime spec says.
func rootfsPath(bundle string, s *specs.Spec) string {
	if filepath.IsAbs(s.Root.Path) {
		return s.Root.Path
	}
	return filepath.Join(bundle, s.Root.Path)
}

// readCapped reads a regular file of at most max bytes.
func readCapped(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("file is %d bytes, larger than the %d allowed", fi.Size(), max)
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(f)
	return buf.Bytes(), err
}

// describeJSONError adds the line and column to a JSON syntax error.
func describeJSONError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	var off int64
	switch {
	case errors.As(err, &se):
		off = se.Offset
		// The offset counts the byte that broke the syntax; step back to
		// name that byte. At the end of the input there is no such byte,
		// and the position just past the last one is the right one.
		if off > 0 && se.Error() != "unexpected end of JSON input" {
			off--
		}
	case errors.As(err, &te):
		off = te.Offset
		if te.Field != "" {
			err = fmt.Errorf("field %s: cannot use a JSON %s as %s", te.Field, te.Value, te.Type)
		}
	default:
		return err
	}
	line, col := 1, 1
	for _, b := range data[:min(off, int64(len(data)))] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}
