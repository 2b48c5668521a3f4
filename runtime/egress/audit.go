package egress

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/agentrt/agentrt/runtime/egress/dnsfilter"
)

// The DNS filter's records are rate-limited (a token bucket: auditBurst
// at once, auditRate per second after that), so that an agent asking for
// names in a loop cannot flood the audit log. What is suppressed is
// counted in the next record.
const (
	auditBurst = 20
	auditRate  = 5.0
)

// auditRecord is one line of the audit log, in the shape of the runtime's
// audit records.
type auditRecord struct {
	Time   time.Time `json:"time"`
	Event  string    `json:"event"`
	ID     string    `json:"id"`
	Reason string    `json:"reason"`
}

// auditor logs the DNS filter's decisions: every one to the filter's log,
// denials and rebinding also to the audit log.
type auditor struct {
	mu         sync.Mutex
	path, id   string
	log        io.Writer
	tokens     float64
	last       time.Time
	suppressed int
	now        func() time.Time
}

func newAuditor(path, id string, log io.Writer) *auditor {
	return &auditor{path: path, id: id, log: log, tokens: auditBurst, now: time.Now}
}

// event records e unless the rate limit is exhausted.
func (a *auditor) event(e dnsfilter.Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	a.tokens = min(auditBurst, a.tokens+now.Sub(a.last).Seconds()*auditRate)
	a.last = now
	if a.tokens < 1 {
		a.suppressed++
		return
	}
	a.tokens--
	reason := fmt.Sprintf("dns %s %q: %s: %s", e.Type, e.Name, e.Decision, e.Detail)
	if a.suppressed > 0 {
		reason += fmt.Sprintf(" (%d earlier records suppressed)", a.suppressed)
		a.suppressed = 0
	}
	fmt.Fprintf(a.log, "%s %s\n", now.UTC().Format(time.RFC3339), reason)
	if a.path == "" || e.Decision == "upstream-failed" {
		return
	}
	if err := appendAuditLine(a.path, auditRecord{Time: now.UTC(), Event: "denied", ID: a.id, Reason: reason}); err != nil {
		fmt.Fprintf(a.log, "audit log: %v\n", err)
	}
}

func appendAuditLine(path string, rec auditRecord) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(append(line, '\n'))
	return err
}
