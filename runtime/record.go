package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/cgroups"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/runtime/landlock"
)

// recordFile is agentrt's own file in libcontainer's state directory. It
// goes when libcontainer removes that directory on destroy.
const recordFile = "agentrt.json"

// record is what agentrt keeps beside libcontainer's state: the hardened
// process an exec starts from, the cgroup to clean up if agentrt is killed
// before libcontainer saved its state, and the enforcement report.
type record struct {
	// Created is set once create finished: the egress rules are in, every
	// layer was checked live and the report written. A container whose
	// create was killed before that is never started.
	Created bool   `json:"created"`
	Bundle  string `json:"bundle"`
	// AuditLog is the admin's audit log at create time, for the records
	// written when the container goes.
	AuditLog string          `json:"auditLog,omitempty"`
	Process  *specs.Process  `json:"process"`
	Cgroups  *cgroups.Cgroup `json:"cgroups"`
	Report   *Report         `json:"report,omitempty"`
	// Policy and Plan are the resolved policy and the hardening plan, as
	// JSON: exec hardens its process against the same policy.
	Policy json.RawMessage `json:"policy,omitempty"`
	Plan   json.RawMessage `json:"plan,omitempty"`
	// Ruleset is the Landlock ruleset every process of the container
	// runs under, and ABI the kernel ABI it was checked against.
	Ruleset *landlock.Ruleset `json:"ruleset,omitempty"`
	ABI     int               `json:"abi,omitempty"`
}

// writeRecord saves rec atomically into the container's state directory.
func writeRecord(stateDir string, rec *record) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	path := filepath.Join(stateDir, recordFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %q: %w", path, err)
	}
	return nil
}

// readRecord loads the record of a container; a container agentrt did not
// create (or one created before the record existed) has none.
func readRecord(stateDir string) (*record, error) {
	data, err := os.ReadFile(filepath.Join(stateDir, recordFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var rec record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, fmt.Errorf("parse %q: %w", filepath.Join(stateDir, recordFile), err)
	}
	return &rec, nil
}

// policy decodes the resolved policy of the record; nil when it has none.
func (rec *record) policy() (*policy.Policy, error) {
	if len(rec.Policy) == 0 {
		return nil, nil
	}
	var p policy.Policy
	if err := json.Unmarshal(rec.Policy, &p); err != nil {
		return nil, fmt.Errorf("decode the container's policy: %w", err)
	}
	return &p, nil
}
