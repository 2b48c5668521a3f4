package seccomp

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// profile builds an engine-like profile for tests.
func profile(def specs.LinuxSeccompAction, defErrno *uint, rules ...specs.LinuxSyscall) *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{DefaultAction: def, DefaultErrnoRet: defErrno,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}, Syscalls: rules}
}

func allowAll(names ...string) specs.LinuxSyscall {
	return specs.LinuxSyscall{Names: names, Action: specs.ActAllow}
}

func denyAll(errno uint, names ...string) specs.LinuxSyscall {
	return specs.LinuxSyscall{Names: names, Action: specs.ActErrno, ErrnoRet: errnoPtr(errno)}
}

// podmanLike is shaped like the profile podman 4.3 writes into
// config.json: default ENOSYS, explicit EPERM denials, socket rules that
// refuse NETLINK_AUDIT with EINVAL.
func podmanLike() *specs.LinuxSeccomp {
	return profile(specs.ActErrno, errnoPtr(ENOSYS),
		allowAll("read", "write", "clone", "clone3", "mount", "ptrace", "unshare", "chmod",
			"socketpair", "getpid", "reboot", "landlock_create_ruleset", "landlock_add_rule",
			"landlock_restrict_self"),
		denyAll(EPERM, "bpf", "swapon"),
		specs.LinuxSyscall{Names: []string{"socket"}, Action: specs.ActErrno, ErrnoRet: errnoPtr(22),
			Args: []specs.LinuxSeccompArg{eq(0, afNetlink), eq(2, netlinkAudit)}},
		specs.LinuxSyscall{Names: []string{"socket"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 2, Op: specs.OpNotEqual, Value: netlinkAudit}}},
		specs.LinuxSyscall{Names: []string{"socket"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpNotEqual, Value: afNetlink}}},
		allow("personality", eq(0, 0)),
		allow("personality", eq(0, 0x40000)),
	)
}

func TestMergeAnswers(t *testing.T) {
	denylist := profile(specs.ActAllow, nil,
		denyAll(13, "chmod"),
		specs.LinuxSyscall{Names: []string{"socket"}, Action: specs.ActErrno, ErrnoRet: errnoPtr(97),
			Args: []specs.LinuxSeccompArg{eq(0, afInet6)}})
	dockerLike := profile(specs.ActErrno, errnoPtr(EPERM),
		allowAll("read", "write", "ptrace", "clone3"),
		allow("clone", masked(0, cloneNewMask, 0)),
		denyAll(ENOSYS, "clone3"))
	tests := []struct {
		name   string
		engine *specs.LinuxSeccomp
		call   call
		want   verdict
	}{
		{"both allow", podmanLike(), call{name: "read"}, allowed},
		{"only agent allows", podmanLike(), call{name: "fsync"}, enosys},
		{"only engine allows", podmanLike(), call{name: "ptrace"}, eperm},
		{"engine allows, agent denies by default", podmanLike(), call{name: "reboot"}, eperm},
		{"engine denial keeps errno", podmanLike(), call{name: "bpf"}, eperm},
		{"neither allows: engine default", podmanLike(), call{name: "nfsservctl"}, enosys},
		{"agent conditions kept", podmanLike(), call{name: "clone", args: [6]uint64{cloneNewUser}}, eperm},
		{"agent conditions allow", podmanLike(), call{name: "clone", args: [6]uint64{sigchld}}, allowed},
		{"agent enosys kept", podmanLike(), call{name: "clone3"}, enosys},
		{"engine EINVAL survives", podmanLike(),
			call{name: "socket", args: [6]uint64{afNetlink, sockRaw, netlinkAudit}}, errnoV(22)},
		{"netlink route", podmanLike(),
			call{name: "socket", args: [6]uint64{afNetlink, sockRaw, netlinkRoute}}, allowed},
		{"tcp", podmanLike(), call{name: "socket", args: [6]uint64{afInet, sockStream}}, allowed},
		{"packet keeps agent errno", podmanLike(), call{name: "socket", args: [6]uint64{afPacket, sockRaw}}, eperm},
		{"personality in both", podmanLike(), call{name: "personality", args: [6]uint64{0}}, allowed},
		{"personality only engine", podmanLike(), call{name: "personality", args: [6]uint64{0x40000}}, enosys},
		{"personality only agent", podmanLike(), call{name: "personality", args: [6]uint64{0xffffffff}}, enosys},
		{"denylist: allowed by both", denylist, call{name: "read"}, allowed},
		{"denylist: engine denial", denylist, call{name: "chmod"}, errnoV(13)},
		{"denylist: agent denial", denylist, call{name: "ptrace"}, eperm},
		{"denylist: conditional engine denial", denylist,
			call{name: "socket", args: [6]uint64{afInet6, sockStream}}, errnoV(97)},
		{"denylist: conditional allowed", denylist,
			call{name: "socket", args: [6]uint64{afInet, sockStream}}, allowed},
		{"denylist: agent default", denylist, call{name: "nfsservctl"}, eperm},
		{"docker: same clone mask", dockerLike, call{name: "clone", args: [6]uint64{sigchld}}, allowed},
		{"docker: namespace flag", dockerLike, call{name: "clone", args: [6]uint64{cloneNewNet}}, eperm},
		{"docker: clone3", dockerLike, call{name: "clone3"}, enosys},
		{"docker: ptrace", dockerLike, call{name: "ptrace"}, eperm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := Merge(Agent(), tt.engine)
			if err != nil {
				t.Fatal(err)
			}
			v, err := evaluate(got, tt.call)
			if err != nil {
				t.Fatal(err)
			}
			if v != tt.want {
				t.Errorf("%v: got %v, want %v", tt.call, v, tt.want)
			}
		})
	}
}

// TestMergeNoOverlap evaluates the merged profiles on many argument values
// of the conditional calls: evaluate fails where rules would overlap.
func TestMergeNoOverlap(t *testing.T) {
	values := []uint64{0, 1, 2, 3, 5, 9, 10, 16, 17, 40, sockCloexec | sockStream, sockRaw | sockNonblock,
		cloneNewUser, cloneNewNet | sigchld, cloneVM | cloneThread, 0x40000, 0xffffffff}
	for _, engine := range []*specs.LinuxSeccomp{podmanLike(), nil} {
		got, _, err := Merge(Agent(), engine)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"clone", "socket", "socketpair", "personality"} {
			for _, a := range values {
				for _, b := range values {
					for _, c := range values {
						if _, err := evaluate(got, call{name, [6]uint64{a, b, c}}); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		}
	}
}

func TestMergeSameArgumentConditions(t *testing.T) {
	agent := profile(specs.ActErrno, errnoPtr(EPERM),
		specs.LinuxSyscall{Names: []string{"mmap"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 2, Op: specs.OpGreaterEqual, Value: 1}}},
		specs.LinuxSyscall{Names: []string{"ioctl"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 1, Op: specs.OpLessThan, Value: 100}}})
	engine := profile(specs.ActErrno, errnoPtr(EPERM),
		specs.LinuxSyscall{Names: []string{"mmap"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 2, Op: specs.OpLessEqual, Value: 7}}},
		specs.LinuxSyscall{Names: []string{"ioctl"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 1, Op: specs.OpLessThan, Value: 50}}})
	got, notes, err := Merge(agent, engine)
	if err != nil {
		t.Fatal(err)
	}
	// 1 <= prot <= 7 needs two conditions on one argument: dropped, denied.
	if v, _ := evaluate(got, call{name: "mmap", args: [6]uint64{0, 0, 3}}); v != eperm {
		t.Errorf("mmap: got %v, want %v", v, eperm)
	}
	if !hasNote(notes, `"mmap": argument conditions`) || hasNote(notes, `"ioctl"`) {
		t.Errorf("notes: got %q, want one about mmap and none about ioctl", notes)
	}
	// Same-direction bounds reduce to the stricter side.
	for _, tt := range []struct {
		req  uint64
		want verdict
	}{{49, allowed}, {50, eperm}, {99, eperm}} {
		if v, _ := evaluate(got, call{name: "ioctl", args: [6]uint64{0, tt.req}}); v != tt.want {
			t.Errorf("ioctl %d: got %v, want %v", tt.req, v, tt.want)
		}
	}
}

func TestMergeErrnoRange(t *testing.T) {
	tests := []struct {
		name   string
		engine *specs.LinuxSeccomp
		want   string
	}{
		{"rule errnoRet", profile(specs.ActErrno, nil, allowAll("read"), allowAll("write"),
			denyAll(5000, "chmod")), "linux.seccomp.syscalls[2].errnoRet 5000"},
		{"default errnoRet", profile(specs.ActErrno, errnoPtr(70000), allowAll("read")),
			"linux.seccomp.defaultErrnoRet 70000"},
		{"unknown action", profile("SCMP_ACT_MAYBE", nil), `linux.seccomp.defaultAction "SCMP_ACT_MAYBE"`},
		{"argument index", profile(specs.ActErrno, nil, allow("read", eq(6, 1))),
			"linux.seccomp.syscalls[0].args[0].index 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Merge(Agent(), tt.engine)
			if !errors.Is(err, ErrInvalidProfile) {
				t.Fatalf("got %v, want ErrInvalidProfile", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to name %q", err, tt.want)
			}
		})
	}
	if err := Validate(profile(specs.ActErrno, errnoPtr(MaxErrno)), "x"); err != nil {
		t.Errorf("errno %d: got %v, want nil", MaxErrno, err)
	}
}

func TestMergeSettings(t *testing.T) {
	engine := podmanLike()
	engine.Flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagSpecAllow, specs.LinuxSeccompFlagLog}
	got, notes, err := Merge(Agent(), engine)
	if err != nil {
		t.Fatal(err)
	}
	if want := []specs.Arch{specs.ArchX86_64}; !slices.Equal(got.Architectures, want) {
		t.Errorf("architectures: got %v, want %v", got.Architectures, want)
	}
	if want := []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog}; !slices.Equal(got.Flags, want) {
		t.Errorf("flags: got %v, want %v", got.Flags, want)
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "SPEC_ALLOW") {
		t.Errorf("notes: got %q, want one about SPEC_ALLOW", notes)
	}
	if got.DefaultAction != specs.ActErrno || *got.DefaultErrnoRet != ENOSYS {
		t.Errorf("default: got %v %v, want the engine's", got.DefaultAction, *got.DefaultErrnoRet)
	}
	want := podmanLike()
	want.Flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagSpecAllow, specs.LinuxSeccompFlagLog}
	if diff := cmp.Diff(want, engine); diff != "" {
		t.Errorf("engine profile modified (-want +got):\n%s", diff)
	}
}

func TestMergeLogAndNotify(t *testing.T) {
	engine := profile(specs.ActErrno, nil,
		specs.LinuxSyscall{Names: []string{"read"}, Action: specs.ActLog},
		specs.LinuxSyscall{Names: []string{"mount", "write"}, Action: specs.ActNotify})
	got, _, err := Merge(Agent(), engine)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		want verdict
	}{{"read", logged}, {"write", verdict{action: specs.ActNotify}}, {"mount", eperm}} {
		if v, _ := evaluate(got, call{name: tt.name}); v != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, v, tt.want)
		}
	}
}

func TestMergeNilEngine(t *testing.T) {
	got, notes, err := Merge(Agent(), nil)
	if err != nil || len(notes) != 0 {
		t.Fatalf("got %v, %q, want no error and no notes", err, notes)
	}
	if got.DefaultAction != specs.ActErrno || len(got.Syscalls) != len(Agent().Syscalls) {
		t.Errorf("got a profile other than the agent's")
	}
}

func TestMergeRequired(t *testing.T) {
	engine := profile(specs.ActErrno, nil, allowAll("read"),
		specs.LinuxSyscall{Names: []string{"landlock_add_rule", "write"}, Action: specs.ActErrno, ErrnoRet: errnoPtr(13)},
		allow("landlock_restrict_self", eq(0, 1)))
	got, notes, err := Merge(Agent(), engine)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range RequiredSyscalls() {
		if v, err := evaluate(got, call{name: name}); err != nil || v != allowed {
			t.Errorf("%s: got %v (%v), want %v", name, v, err, allowed)
		}
		if !hasNote(notes, name) {
			t.Errorf("notes: got %q, want one about %s", notes, name)
		}
	}
	if v, _ := evaluate(got, call{name: "write"}); v != errnoV(13) {
		t.Errorf("write: got %v, want the engine's errno 13", v)
	}
	if _, notes, _ := Merge(Agent(), podmanLike()); hasNote(notes, "landlock") {
		t.Errorf("notes: got %q, want none about Landlock for a profile allowing it", notes)
	}
}

// hasNote reports whether a note contains s.
func hasNote(notes []string, s string) bool {
	for _, n := range notes {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
