package spec

import (
	"errors"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/spec/seccomp"
)

func engineProfile() *specs.LinuxSeccomp {
	eperm := uint(1)
	return &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: &eperm,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"read", "write", "ptrace"}, Action: specs.ActAllow}}}
}

func TestApplySeccomp(t *testing.T) {
	tests := []struct {
		name       string
		profile    string
		mode       policy.Mode
		engine     *specs.LinuxSeccomp
		wantNil    bool
		wantDef    specs.LinuxSeccompAction
		wantStatus Status
		allows     []string
		denies     []string
	}{
		{name: "agent alone", profile: policy.SeccompAgent, wantDef: specs.ActErrno, wantStatus: StatusEnforced,
			allows: []string{"read", "fsync", "landlock_restrict_self"}},
		{name: "empty means agent", profile: "", wantDef: specs.ActErrno, wantStatus: StatusEnforced, allows: []string{"fsync"}},
		{name: "agent with engine", profile: policy.SeccompAgent, engine: engineProfile(), wantDef: specs.ActErrno,
			wantStatus: StatusEnforced, allows: []string{"read", "landlock_add_rule"}, denies: []string{"ptrace", "fsync"}},
		{name: "engine alone", profile: policy.SeccompEngine, engine: engineProfile(), wantDef: specs.ActErrno,
			wantStatus: StatusEnforced, allows: []string{"ptrace", "landlock_add_rule"}},
		{name: "engine without profile", profile: policy.SeccompEngine, wantNil: true, wantStatus: StatusOff},
		{name: "unconfined", profile: policy.SeccompUnconfined, engine: engineProfile(), wantNil: true, wantStatus: StatusOff},
		{name: "audit logs", profile: policy.SeccompAgent, mode: policy.ModeAudit, engine: engineProfile(),
			wantDef: specs.ActLog, wantStatus: StatusAudit, allows: []string{"read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := enforcePolicy()
			p.Process.Seccomp = tt.profile
			if tt.mode != "" {
				p.Mode = tt.mode
			}
			s := &specs.Spec{Linux: &specs.Linux{Seccomp: tt.engine}}
			plan, err := runStep(t, applySeccomp, s, p)
			if err != nil {
				t.Fatal(err)
			}
			if got := plan.Layers[LayerSeccomp].Status; got != tt.wantStatus {
				t.Errorf("status: got %s, want %s", got, tt.wantStatus)
			}
			got := s.Linux.Seccomp
			if tt.wantNil {
				if got != nil {
					t.Errorf("got a profile, want none")
				}
				return
			}
			if got.DefaultAction != tt.wantDef {
				t.Errorf("default: got %s, want %s", got.DefaultAction, tt.wantDef)
			}
			allowed := unconditionalAllows(got)
			for _, n := range tt.allows {
				if !slices.Contains(allowed, n) {
					t.Errorf("%s: got denied, want allowed", n)
				}
			}
			for _, n := range tt.denies {
				if slices.Contains(allowed, n) {
					t.Errorf("%s: got allowed, want denied", n)
				}
			}
		})
	}
}

// unconditionalAllows returns the names allowed without conditions.
func unconditionalAllows(p *specs.LinuxSeccomp) []string {
	var out []string
	for _, sc := range p.Syscalls {
		if sc.Action == specs.ActAllow && len(sc.Args) == 0 {
			out = append(out, sc.Names...)
		}
	}
	return out
}

func TestApplySeccompErrors(t *testing.T) {
	big := uint(4096)
	bad := engineProfile()
	bad.Syscalls = append(bad.Syscalls, specs.LinuxSyscall{Names: []string{"chmod"}, Action: specs.ActErrno, ErrnoRet: &big})
	for _, profile := range []string{policy.SeccompAgent, policy.SeccompEngine} {
		for _, mode := range []policy.Mode{policy.ModeEnforce, policy.ModeAudit} {
			p := enforcePolicy()
			p.Process.Seccomp, p.Mode = profile, mode
			s := &specs.Spec{Linux: &specs.Linux{Seccomp: bad}}
			_, err := runStep(t, applySeccomp, s, p)
			if !errors.Is(err, seccomp.ErrInvalidProfile) || !strings.Contains(err.Error(), "linux.seccomp.syscalls[1].errnoRet 4096") {
				t.Errorf("%s, %s: got %v, want the errnoRet refused by its JSON path", profile, mode, err)
			}
		}
	}
	p := enforcePolicy()
	p.Process.Seccomp = "strict"
	if _, err := runStep(t, applySeccomp, &specs.Spec{}, p); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown profile name: got %v, want ErrInvalid", err)
	}
}

func TestApplySeccompAuditTurnsErrnoToLog(t *testing.T) {
	s := &specs.Spec{Linux: &specs.Linux{Seccomp: engineProfile()}}
	if _, err := runStep(t, applySeccomp, s, auditPolicy()); err != nil {
		t.Fatal(err)
	}
	for i, sc := range s.Linux.Seccomp.Syscalls {
		if sc.Action == specs.ActErrno || sc.ErrnoRet != nil {
			t.Errorf("syscalls[%d] %v: got %s, want SCMP_ACT_LOG", i, sc.Names, sc.Action)
		}
	}
	if s.Linux.Seccomp.DefaultErrnoRet != nil {
		t.Errorf("defaultErrnoRet: got %d, want none", *s.Linux.Seccomp.DefaultErrnoRet)
	}
}
