package annotations

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/agentrt/agentrt/policy"
)

// FuzzParseAnnotations feeds arbitrary agentrt.io annotations to Parse.
// It must never panic, and whatever it accepts must resolve or fail
// cleanly; a resolved policy must stay within the default ceiling.
func FuzzParseAnnotations(f *testing.F) {
	f.Add("egress", "api.example.com:443,*.example.org:443,10.0.0.0/8:80-90/tcp", "writable", "/workspace,/tmp", "other", "x")
	f.Add("policy", `{"mode": "audit", "network": {"allow": ["*:443"]}}`, "mode", "enforce", "agentrt.io/profile", "agent")
	f.Add("image.policy", `{"filesystem": {"writable": ["/home/a"]}}`, "image.egress", "none", "agentrt.io/image.ref", "r/x:1")
	f.Add("report", "{}", "egress", "[2001:db8::1]:443,1.2.3.4", "agentrt.io/writable", "none")
	f.Add("egress", "*:80+443+8000-8080/udp", "profile", "agent", "agentrt.io/mode", "off")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		parsed, err := Parse(map[string]string{Prefix + k1: v1, Prefix + k2: v2, k3: v3})
		if err != nil {
			return
		}
		checkResolves(t, parsed.Requests())
	})
}

// FuzzParsePolicyJSON feeds arbitrary documents to ParsePolicyJSON. It
// must never panic; an accepted request must survive a JSON round trip
// and resolve or fail cleanly within the default ceiling.
func FuzzParsePolicyJSON(f *testing.F) {
	f.Add([]byte(`{}`))
	f.Add([]byte(validPolicy))
	f.Add([]byte(`{"profile": "agent", "mode": "audit", "filesystem": {"read_only_rootfs": false, "writable": ["/tmp"], "hidden": ["/x"]},
		"process": {"capabilities": ["CAP_CHOWN"], "seccomp": "engine", "rlimits": [{"type": "nofile", "soft": 1, "hard": 2}]},
		"resources": {"pids": 0, "memory_bytes": 1}, "isolation": {"host_pid": true, "mount_sources": ["/run"]},
		"landlock": {"min_abi": 9, "best_effort": true}}`))
	f.Add([]byte(`{"mode": "enforce", "mode": "off"}`))
	f.Add([]byte(`{"network": {"allow": [[[["x"]]]]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParsePolicyJSON(data, policy.ChannelPolicyFile, PolicyFilePath)
		if err != nil {
			return
		}
		checkJSONRoundTrip(t, r)
		checkResolves(t, []*policy.Request{r})
	})
}

func checkJSONRoundTrip(t *testing.T, r *policy.Request) {
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("marshal an accepted request: %v", err)
	}
	again, err := ParsePolicyJSON(b, r.Channel, r.Source)
	if err != nil {
		t.Fatalf("re-parse %s: %v", b, err)
	}
	if diff := cmp.Diff(r, again, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("round trip changed the request (-before +after):\n%s", diff)
	}
}

// checkResolves resolves reqs against the default config, rejecting and
// clamping; any result must be a valid policy within the ceiling.
func checkResolves(t *testing.T, reqs []*policy.Request) {
	for _, onExceed := range []policy.OnExceed{policy.OnExceedReject, policy.OnExceedClamp} {
		cfg := policy.DefaultConfig()
		cfg.OnExceed = onExceed
		res, err := policy.Resolve(cfg, policy.Input{Requests: reqs})
		if err != nil {
			continue
		}
		if h, err := res.Policy.Hash(); err != nil || h != res.Hash {
			t.Fatalf("on_exceed %s: result hash %q, policy hash %q, %v", onExceed, res.Hash, h, err)
		}
		checkWithinDefaultCeiling(t, res.Policy)
	}
}

func checkWithinDefaultCeiling(t *testing.T, p *policy.Policy) {
	t.Helper()
	fs, net, proc := p.Filesystem, p.Network, p.Process
	switch {
	case p.Mode != policy.ModeEnforce:
		t.Fatalf("mode %q beyond the default ceiling", p.Mode)
	case !fs.ReadOnlyRootfs || !proc.NoNewPrivileges || proc.Seccomp != policy.SeccompAgent:
		t.Fatalf("filesystem or process beyond the default ceiling: %+v %+v", fs, proc)
	case len(proc.Capabilities) > 0 || p.Isolation.HostNetwork || p.Isolation.HostPID || len(p.Isolation.MountSources) > 0:
		t.Fatalf("capabilities or isolation beyond the default ceiling: %+v %+v", proc, p.Isolation)
	case net.Egress == policy.EgressOpen:
		t.Fatal("egress open beyond the default ceiling")
	case p.Resources.Pids < 1 || p.Resources.Pids > 4096 || p.Landlock.MinABI < 1:
		t.Fatalf("resources or landlock beyond the default ceiling: %+v %+v", p.Resources, p.Landlock)
	}
	for _, w := range fs.Writable {
		if !under(w, "/home", "/tmp", "/workspace") {
			t.Fatalf("writable %q beyond the default ceiling", w)
		}
	}
	for _, d := range net.Allow {
		if d.Host == "" || !portsWithin(d.Ports, 80, 443) {
			t.Fatalf("destination %q beyond the default ceiling", d)
		}
	}
}

func under(p string, roots ...string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

func portsWithin(rs []policy.PortRange, ports ...uint16) bool {
	if len(rs) == 0 {
		return false
	}
	for _, r := range rs {
		ok := false
		for _, p := range ports {
			ok = ok || r.First == p && r.Last == p
		}
		if !ok {
			return false
		}
	}
	return true
}
