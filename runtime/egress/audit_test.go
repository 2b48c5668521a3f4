package egress

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentrt/agentrt/runtime/egress/dnsfilter"
)

func TestAuditorRateLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	var log bytes.Buffer
	a := newAuditor(path, "c1", &log)
	now := time.Unix(1000, 0)
	a.now = func() time.Time { return now }
	a.last = now
	for range auditBurst + 10 {
		a.event(dnsfilter.Event{Name: "x.example", Type: "TypeA", Decision: "denied", Detail: "not in the allowlist"})
	}
	now = now.Add(time.Second)
	a.event(dnsfilter.Event{Name: "y.example", Type: "TypeA", Decision: "denied", Detail: "not in the allowlist"})
	a.event(dnsfilter.Event{Name: "z.example", Type: "TypeA", Decision: "upstream-failed", Detail: "timeout"})

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []auditRecord
	for sc := bufio.NewScanner(f); sc.Scan(); {
		var r auditRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if len(recs) != auditBurst+1 {
		t.Fatalf("audit records: got %d, want %d (the burst, then one after a second; upstream failures only logged)", len(recs), auditBurst+1)
	}
	last := recs[len(recs)-1]
	if last.Event != "denied" || last.ID != "c1" || !strings.Contains(last.Reason, `"y.example"`) || !strings.Contains(last.Reason, "10 earlier records suppressed") {
		t.Fatalf("last record: got %+v, want the denial of y.example counting 10 suppressed", last)
	}
	if !strings.Contains(log.String(), "z.example") {
		t.Fatalf("filter log: got %q, want the upstream failure", log.String())
	}
}
