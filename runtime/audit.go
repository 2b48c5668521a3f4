package runtime

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// DefaultAuditLog is where decisions are recorded unless the admin config
// names another file.
const DefaultAuditLog = "/var/log/agentrt/audit.jsonl"

// AuditRecord is one line of the audit log: one decision about one
// container.
type AuditRecord struct {
	Time       time.Time `json:"time"`
	Event      string    `json:"event"` // created, refused, deleted, denied
	ID         string    `json:"id"`
	Bundle     string    `json:"bundle,omitempty"`
	Profile    string    `json:"profile,omitempty"`
	PolicyHash string    `json:"policyHash,omitempty"`
	Report     *Report   `json:"report,omitempty"`
	Reason     string    `json:"reason,omitempty"`
}

// appendAudit appends rec to the audit log at path. An audit log that cannot
// be written is reported to the caller: the decision must not go
// unrecorded silently.
func appendAudit(path string, rec AuditRecord) error {
	if path == "" {
		path = DefaultAuditLog
	}
	if rec.Time.IsZero() {
		rec.Time = time.Now().UTC()
	}
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("audit log %q: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit log %q: %w", path, err)
	}
	defer f.Close()
	// One write of one line: O_APPEND keeps concurrent writers' lines whole.
	if _, err := f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("audit log %q: %w", path, err)
	}
	return nil
}
