package seccomp

import (
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestAudit(t *testing.T) {
	tests := []struct {
		name    string
		in      *specs.LinuxSeccomp
		calls   []call
		want    []verdict
		wantDef specs.LinuxSeccompAction
	}{
		{
			name:    "agent profile logs its denials",
			in:      Agent(),
			calls:   []call{{name: "read"}, {name: "ptrace"}, {name: "clone3"}, {name: "clone", args: [6]uint64{cloneNewUser}}, {name: "nfsservctl"}},
			want:    []verdict{allowed, logged, logged, logged, logged},
			wantDef: specs.ActLog,
		},
		{
			name:    "denylist keeps its default",
			in:      profile(specs.ActAllow, nil, denyAll(13, "chmod")),
			calls:   []call{{name: "read"}, {name: "chmod"}},
			want:    []verdict{allowed, logged},
			wantDef: specs.ActAllow,
		},
		{
			name:    "kill becomes log",
			in:      profile(specs.ActKillProcess, nil, allowAll("read")),
			calls:   []call{{name: "read"}, {name: "write"}},
			want:    []verdict{allowed, logged},
			wantDef: specs.ActLog,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Audit(tt.in)
			if got.DefaultAction != tt.wantDef || got.DefaultErrnoRet != nil {
				t.Errorf("default: got %v %v, want %v without errno", got.DefaultAction, got.DefaultErrnoRet, tt.wantDef)
			}
			for i, c := range tt.calls {
				v, err := evaluate(got, c)
				if err != nil {
					t.Fatal(err)
				}
				if v != tt.want[i] {
					t.Errorf("%v: got %v, want %v", c, v, tt.want[i])
				}
			}
			for i, sc := range got.Syscalls {
				if sc.ErrnoRet != nil {
					t.Errorf("syscalls[%d]: errnoRet %d left in audit", i, *sc.ErrnoRet)
				}
			}
		})
	}
}

func TestAuditArchitectures(t *testing.T) {
	in := Agent()
	in.Architectures = []specs.Arch{specs.ArchX86_64, specs.ArchAARCH64}
	got := Audit(in).Architectures
	want := []specs.Arch{specs.ArchX86_64, specs.ArchAARCH64, specs.ArchX86, specs.ArchX32, specs.ArchARM}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if in.DefaultAction != specs.ActErrno || len(in.Architectures) != 2 {
		t.Errorf("Audit modified its input")
	}
	if Audit(nil) != nil {
		t.Errorf("Audit(nil): got a profile, want nil")
	}
}
