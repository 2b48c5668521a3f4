package seccomp

import (
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestAgentAnswers(t *testing.T) {
	p := Agent()
	tests := []struct {
		name string
		call call
		want verdict
	}{
		{"read", call{name: "read"}, allowed},
		{"fork with clone", call{name: "clone", args: [6]uint64{sigchld}}, allowed},
		{"thread with clone", call{name: "clone", args: [6]uint64{cloneVM | cloneThread}}, allowed},
		{"posix_spawn with clone", call{name: "clone", args: [6]uint64{cloneVM | cloneVfork | sigchld}}, allowed},
		{"clone with CLONE_NEWUSER", call{name: "clone", args: [6]uint64{cloneNewUser | sigchld}}, eperm},
		{"clone with CLONE_NEWNET", call{name: "clone", args: [6]uint64{cloneNewNet}}, eperm},
		{"clone3 falls back", call{name: "clone3"}, enosys},
		{"unshare", call{name: "unshare"}, eperm},
		{"setns", call{name: "setns"}, eperm},
		{"tcp socket", call{name: "socket", args: [6]uint64{afInet, sockStream | sockCloexec}}, allowed},
		{"udp6 socket", call{name: "socket", args: [6]uint64{afInet6, sockDgram | sockNonblock}}, allowed},
		{"unix socket", call{name: "socket", args: [6]uint64{afUnix, sockDgram}}, allowed},
		{"raw inet socket", call{name: "socket", args: [6]uint64{afInet, sockRaw}}, eperm},
		{"raw inet6 socket", call{name: "socket", args: [6]uint64{afInet6, sockRaw | sockCloexec}}, eperm},
		{"packet socket", call{name: "socket", args: [6]uint64{afPacket, sockRaw}}, eperm},
		{"netlink route", call{name: "socket", args: [6]uint64{afNetlink, sockRaw | sockCloexec, netlinkRoute}}, allowed},
		{"netlink audit", call{name: "socket", args: [6]uint64{afNetlink, sockRaw, netlinkAudit}}, eperm},
		{"vsock socket", call{name: "socket", args: [6]uint64{40, sockStream}}, eperm},
		{"unix socketpair", call{name: "socketpair", args: [6]uint64{afUnix, sockStream}}, allowed},
		{"inet socketpair", call{name: "socketpair", args: [6]uint64{afInet, sockStream}}, eperm},
		{"personality query", call{name: "personality", args: [6]uint64{0xffffffff}}, allowed},
		{"personality READ_IMPLIES_EXEC", call{name: "personality", args: [6]uint64{0x0400000}}, eperm},
		{"ptrace", call{name: "ptrace"}, eperm},
		{"bpf", call{name: "bpf"}, eperm},
		{"perf_event_open", call{name: "perf_event_open"}, eperm},
		{"keyctl", call{name: "keyctl"}, eperm},
		{"request_key", call{name: "request_key"}, eperm},
		{"io_uring_setup", call{name: "io_uring_setup"}, eperm},
		{"mount", call{name: "mount"}, eperm},
		{"open_tree", call{name: "open_tree"}, eperm},
		{"pivot_root", call{name: "pivot_root"}, eperm},
		{"landlock_create_ruleset", call{name: "landlock_create_ruleset"}, allowed},
		{"landlock_add_rule", call{name: "landlock_add_rule"}, allowed},
		{"landlock_restrict_self", call{name: "landlock_restrict_self"}, allowed},
		{"prctl", call{name: "prctl"}, allowed},
		{"seccomp", call{name: "seccomp"}, allowed},
		{"process_mrelease", call{name: "process_mrelease"}, enosys},
		{"unlisted call", call{name: "nfsservctl"}, eperm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evaluate(p, tt.call)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("%v: got %v, want %v", tt.call, got, tt.want)
			}
		})
	}
}

func TestAgentListsDisjoint(t *testing.T) {
	allow := AllowedSyscalls()
	conditional := []string{"clone", "socket", "socketpair", "personality"}
	for _, list := range [][]string{DeniedSyscalls(), enosysSyscalls, conditional} {
		for _, n := range list {
			if slices.Contains(allow, n) {
				t.Errorf("%q: allowed unconditionally and listed as %v", n, list)
			}
		}
	}
	for _, n := range enosysSyscalls {
		if slices.Contains(DeniedSyscalls(), n) {
			t.Errorf("%q: answers both ENOSYS and EPERM", n)
		}
	}
	if got := len(allow); got != len(slices.Compact(slices.Clone(allow))) {
		t.Errorf("allowed list has duplicates")
	}
}

// TestAgentRulesDisjoint checks that no denial overlaps a permit of the
// same call: libseccomp would resolve an overlap by its tree order.
func TestAgentRulesDisjoint(t *testing.T) {
	p := Agent()
	for i, a := range p.Syscalls {
		for j, b := range p.Syscalls {
			if i == j || permitting(a.Action) == permitting(b.Action) {
				continue
			}
			for _, n := range a.Names {
				if !slices.Contains(b.Names, n) {
					continue
				}
				if _, st := simplify(append(slices.Clone(a.Args), b.Args...)); st != clauseFalse {
					t.Errorf("%q: syscalls[%d] and syscalls[%d] overlap", n, i, j)
				}
			}
		}
	}
}

func TestAgentArchitectures(t *testing.T) {
	tests := []struct {
		goarch string
		want   []specs.Arch
	}{
		{"amd64", []specs.Arch{specs.ArchX86_64}},
		{"arm64", []specs.Arch{specs.ArchAARCH64}},
		{"riscv64", []specs.Arch{specs.ArchX86_64, specs.ArchAARCH64}},
	}
	for _, tc := range tests {
		t.Run(tc.goarch, func(t *testing.T) {
			if got := nativeArchitectures(tc.goarch); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAgentIsValid(t *testing.T) {
	if err := Validate(Agent(), "agent"); err != nil {
		t.Errorf("got %v, want nil", err)
	}
	a, b := Agent(), Agent()
	a.Syscalls[0].Names[0] = "changed"
	if b.Syscalls[0].Names[0] == "changed" {
		t.Errorf("Agent returned shared slices")
	}
}
