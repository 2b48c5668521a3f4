package egress

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Files in the container's state dir.
const (
	stateFile     = "egress.json"
	filterPIDFile = "dns-filter.pid"
)

// containerState is what Teardown needs: where the container's netns
// entry is.
type containerState struct {
	ID         string `json:"id"`
	RunDir     string `json:"runDir"`
	NetnsPath  string `json:"netnsPath"`
	NetnsInode uint64 `json:"netnsInode"`
	UserKey    string `json:"userKey"`
	FilterPID  int    `json:"filterPid,omitempty"`
}

func writeContainerState(stateDir string, cs *containerState) error {
	if err := writeJSON(filepath.Join(stateDir, stateFile), cs); err != nil {
		return fmt.Errorf("write egress state: %w", err)
	}
	if cs.FilterPID == 0 {
		return nil
	}
	pid := []byte(strconv.Itoa(cs.FilterPID) + "\n")
	if err := os.WriteFile(filepath.Join(stateDir, filterPIDFile), pid, 0o600); err != nil {
		return fmt.Errorf("write dns filter pid: %w", err)
	}
	return nil
}

// readContainerState returns nil when Setup left no state (egress open).
func readContainerState(stateDir string) (*containerState, error) {
	var cs containerState
	err := readJSON(filepath.Join(stateDir, stateFile), &cs)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read egress state: %w", err)
	}
	return &cs, nil
}

func removeContainerState(stateDir string) error {
	var errs []error
	for _, name := range []string{stateFile, filterPIDFile} {
		if err := os.Remove(filepath.Join(stateDir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
