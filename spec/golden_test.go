package spec

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// The inputs under testdata are engine-shaped specs:
//   - runc.json: `runc spec` of runc 1.5.3.
//   - podman.json: written by podman 4.3.1 (Debian 12) for
//     `podman run --rm --network none --rootfs DIR /bin/sh -c true`,
//     captured by a stand-in runtime that copied config.json; the
//     container id and the storage paths were replaced with stable ones.
//   - docker.json: shaped like dockerd 20.10's, with its default
//     capabilities, device rules, prestart hook, a seccomp profile shaped
//     like its default (which still allowed io_uring) and a bind mount of
//     a project directory at /workspace.
//   - containerd-cri.json: shaped like containerd 2's CRI output for a
//     pod container running as uid 1000, joining the pause container's
//     ipc and uts namespaces and a CNI netns, without seccomp (the
//     kubelet's default is unconfined).
var goldenCases = []struct{ input, policy string }{
	{"runc", "enforce"},
	{"runc", "audit"},
	{"runc", "off"},
	{"podman", "enforce"},
	{"podman", "audit"},
	{"docker", "enforce"},
	{"docker", "audit"},
	{"containerd-cri", "enforce"},
	{"containerd-cri", "off"},
}

// golden is what a golden file holds.
type golden struct {
	Spec *specs.Spec `json:"spec"`
	Plan *Plan       `json:"plan"`
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		name := tc.input + "." + tc.policy
		t.Run(name, func(t *testing.T) {
			s := readSpec(t, tc.input)
			p := readPolicy(t, tc.policy)
			out, plan, err := Harden(s, p)
			if err != nil {
				t.Fatalf("Harden: %v", err)
			}
			got, err := json.MarshalIndent(golden{out, plan}, "", "\t")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			file := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("read golden file (run go test ./spec -update to write it): %v", err)
			}
			if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")); diff != "" {
				t.Errorf("%s differs (-want +got):\n%s", file, diff)
			}
		})
	}
}

// TestModeOffByteIdentical checks that mode off returns a spec whose JSON
// is byte for byte that of the input, for every engine's spec.
func TestModeOffByteIdentical(t *testing.T) {
	for _, input := range []string{"runc", "podman", "docker", "containerd-cri"} {
		t.Run(input, func(t *testing.T) {
			s := readSpec(t, input)
			before := mustJSON(t, s)
			out, plan, err := Harden(s, readPolicy(t, "off"))
			if err != nil {
				t.Fatal(err)
			}
			if got := mustJSON(t, out); !bytes.Equal(got, before) {
				t.Errorf("mode off changed the spec:\n%s", cmp.Diff(string(before), string(got)))
			}
			if out == s || out.Process == s.Process || out.Linux == s.Linux {
				t.Errorf("mode off returned the input, want a deep copy")
			}
			for _, l := range Layers {
				if st := plan.Layers[l].Status; st != StatusNotApplicable {
					t.Errorf("layer %s: got %s, want %s", l, st, StatusNotApplicable)
				}
			}
		})
	}
}

// TestHardenLeavesInput checks that hardening does not modify its input.
func TestHardenLeavesInput(t *testing.T) {
	for _, input := range []string{"runc", "podman", "docker", "containerd-cri"} {
		t.Run(input, func(t *testing.T) {
			s := readSpec(t, input)
			before := mustJSON(t, s)
			if _, _, err := Harden(s, readPolicy(t, "enforce")); err != nil {
				t.Fatal(err)
			}
			if got := mustJSON(t, s); !bytes.Equal(got, before) {
				t.Errorf("Harden modified its input:\n%s", cmp.Diff(string(before), string(got)))
			}
		})
	}
}

func readSpec(t *testing.T, name string) *specs.Spec {
	t.Helper()
	var s specs.Spec
	readJSON(t, filepath.Join("testdata", name+".json"), &s)
	return &s
}

// readPolicy returns the policy of the golden files in the given mode: a
// strict agent with a read-only rootfs, an egress allowlist, three
// capabilities (one of them CAP_NET_ADMIN, which egress filtering drops)
// and limits below some engines'. It is written in Go rather than JSON
// so that it follows the policy model's field names.
func readPolicy(t *testing.T, mode string) *policy.Policy {
	t.Helper()
	return &policy.Policy{
		Profile: "strict",
		Mode:    policy.Mode(mode),
		Filesystem: policy.Filesystem{
			ReadOnlyRootfs: true,
			Readable:       []string{"/etc", "/usr", "/lib", "/lib64", "/opt", "/proc", "/dev"},
			Writable:       []string{"/tmp", "/workspace", "/dev/shm"},
			Executable:     []string{"/bin", "/sbin", "/usr/bin", "/usr/local/bin", "/usr/lib", "/lib", "/lib64"},
			Hidden:         []string{"/etc/shadow", "/root/.ssh"},
		},
		Network: policy.Network{
			Egress: policy.EgressAllowlist,
			Allow: []policy.Destination{
				{Host: "api.example.com", Ports: []policy.PortRange{{First: 443, Last: 443}}, Protocol: "tcp"},
				{Host: "*.pypi.example.org", Ports: []policy.PortRange{{First: 443, Last: 443}, {First: 80, Last: 80}}},
				{CIDR: "192.0.2.0/24", Ports: []policy.PortRange{{First: 8000, Last: 8100}}, Protocol: "tcp"},
			},
			DNS: policy.DNSFilter,
		},
		Process: policy.Process{
			Capabilities:    []string{"CAP_CHOWN", "CAP_SETUID", "CAP_SETGID", "CAP_NET_ADMIN"},
			NoNewPrivileges: true,
			Seccomp:         policy.SeccompAgent,
			Rlimits: []policy.Rlimit{
				{Type: "RLIMIT_NOFILE", Soft: 4096, Hard: 8192},
				{Type: "RLIMIT_NPROC", Soft: 1024, Hard: 1024},
			},
		},
		Resources: policy.Resources{MemoryBytes: 2 << 30, Pids: 512, MilliCPUs: 1500},
		Isolation: policy.Isolation{Tier: policy.TierContainer},
		Landlock:  policy.Landlock{MinABI: 4},
	}
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", file, err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
