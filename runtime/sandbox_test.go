package runtime

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/runtime/landlock"
	"github.com/agentrt/agentrt/spec"
)

func TestRulesetFromPlan(t *testing.T) {
	lp := &spec.LandlockPlan{
		Paths: []spec.PathRule{
			{Path: "/", Read: true, Execute: true},
			{Path: "/tmp", Read: true, Write: true},
			{Path: "/workspace", Read: true, Write: true, Execute: true}, // writable_executable
		},
		WriteXorExecute: true,
		ConnectTCP:      spec.PortRule{Handled: true, Ports: []policy.PortRange{{First: 1024, Last: 65535}, {First: 53, Last: 53}}},
		MinABI:          3,
		BestEffort:      true,
	}
	rs := rulesetFromPlan(lp)
	byPath := map[string]landlock.Rule{}
	for _, r := range rs.Rules {
		byPath[r.Path] = r
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"rule on /", byPath["/"], landlock.Rule{Path: "/", Access: landlock.Read | landlock.Execute, Optional: true,
			ExceptExecute: []string{"/dev/full", "/dev/null", "/dev/zero", "/dev/console", "/dev/ptmx", "/dev/pts", "/dev/tty", "/dev/shm", "/tmp"}}},
		{"rule on /tmp", byPath["/tmp"], landlock.Rule{Path: "/tmp", Access: landlock.Read | landlock.Write, Optional: true}},
		{"baseline kept", byPath["/etc/hosts"].Access, landlock.Read},
		{"connect ports stay ranges", rs.ConnectTCP, []landlock.PortRange{{First: 53, Last: 53}, {First: 1024, Last: 65535}}},
		{"connect handled", rs.HandleConnect, true},
		{"bind not handled", rs.HandleBind, false},
		{"scopes", rs.Scope, true},
		{"floor", rs.MinABI, 3},
		{"best effort", rs.BestEffort, true},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if diff := cmp.Diff(c.want, c.got, sortedStrings); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// The payload travels in one environment string, which the kernel
	// caps at 128 KiB (MAX_ARG_STRLEN).
	if data, _ := json.Marshal(rs); len(data) > 16<<10 {
		t.Errorf("encoded ruleset: got %d bytes, want a few KiB", len(data))
	}
}

var sortedStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })
