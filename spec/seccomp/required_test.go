package seccomp

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestAllowRequired(t *testing.T) {
	tests := []struct {
		name      string
		in        *specs.LinuxSeccomp
		wantNotes int
	}{
		{"allowlist without them", profile(specs.ActErrno, nil, allowAll("read")), 3},
		{"allowlist with them", profile(specs.ActErrno, nil, allowAll("read", "landlock_add_rule",
			"landlock_create_ruleset", "landlock_restrict_self")), 0},
		{"conditional and denied", profile(specs.ActErrno, nil,
			allow("landlock_add_rule", eq(0, 1)), denyAll(13, "landlock_restrict_self", "chmod")), 3},
		{"denylist denying one", profile(specs.ActAllow, nil, denyAll(1, "landlock_create_ruleset", "ptrace")), 1},
		{"kill default, no allow rule", profile(specs.ActKillProcess, nil, denyAll(1, "ptrace")), 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, notes := AllowRequired(tt.in)
			if len(notes) != tt.wantNotes {
				t.Errorf("notes: got %q, want %d", notes, tt.wantNotes)
			}
			for _, n := range RequiredSyscalls() {
				if v, err := evaluate(got, call{name: n}); err != nil || !v.permits() {
					t.Errorf("%s: got %v (%v), want permitted", n, v, err)
				}
			}
			for _, c := range []string{"chmod", "ptrace"} {
				want, _ := evaluate(tt.in, call{name: c})
				if v, _ := evaluate(got, call{name: c}); v != want {
					t.Errorf("%s: got %v, want %v as before", c, v, want)
				}
			}
		})
	}
	if got, notes := AllowRequired(nil); got != nil || notes != nil {
		t.Errorf("nil: got %v, %q, want nil", got, notes)
	}
}
