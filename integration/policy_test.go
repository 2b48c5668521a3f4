package integration

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/integration/testenv"
)

// TestAgentrtRunDefaultPolicy runs `agentrt run` on busybox bundles that
// ask for nothing but whose spec grants much (see permissiveEngine): the
// embedded default policy lets the agent run a shell, write /tmp and
// /workspace and start threads, and nothing else.
func TestAgentrtRunDefaultPolicy(t *testing.T) {
	testenv.RequireRoot(t)
	runChecks(t, defaultPolicyChecks, newAgentBundle)
}

// TestAgentrtRunBeyondCeiling runs `agentrt run` and `agentrt create` with
// an annotation that widens the policy beyond the default profile's
// ceiling: each is refused, naming the request, its channel and the admin
// key, with exit status 1, a refused record in the audit log, and
// nothing left behind. The container's process would write into a host
// directory bound at /workspace; that it never ran shows as an empty one.
func TestAgentrtRunBeyondCeiling(t *testing.T) {
	tests := []struct {
		key, value string
		adminKey   string
	}{
		{"agentrt.io/egress", "evil.example:25", "profiles.agent.ceiling.network.allow"},
		{"agentrt.io/writable", "/etc", "profiles.agent.ceiling.filesystem.writable"},
		{"agentrt.io/mode", "off", "profiles.agent.ceiling.modes"},
	}
	for _, tc := range tests {
		for _, cmd := range []string{"run", "create"} {
			t.Run("agentrt "+cmd+" --bundle B ID with "+tc.key+"="+tc.value, func(t *testing.T) {
				testenv.RequireRoot(t)
				rt := testenv.Agentrt(t)
				cfg := newPolicyConfig(t, rt)
				b := newAgentBundle(t, "probe", "write", "/workspace/ran")
				out := bindWorkspace(t, b)
				b.SetAnnotation(tc.key, tc.value)
				b.Save(t)
				res := cfg.run(t, rt, cmd, "--bundle", b.Dir, b.ID)
				msg := tc.key + ` "` + tc.value + `" (annotation) exceeds the ceiling of profile "agent"; allow it with ` + tc.adminKey
				assertRefused(t, res, msg)
				testenv.AssertNoLeaks(t, rt.Root, b.ID)
				if rec := cfg.record(t, "refused", b.ID); !strings.Contains(rec.Reason, msg) {
					t.Errorf("audit refused record: got reason %q, want it to hold %q", rec.Reason, msg)
				}
				assertEmptyDir(t, out)
			})
		}
	}
	// The control: within the ceiling the same bundle runs, and its
	// process writes the file the refused ones never wrote.
	t.Run("agentrt run --bundle B ID with agentrt.io/writable=/workspace", func(t *testing.T) {
		testenv.RequireRoot(t)
		rt := testenv.Agentrt(t)
		cfg := newPolicyConfig(t, rt)
		b := newAgentBundle(t, "probe", "write", "/workspace/ran")
		out := bindWorkspace(t, b)
		b.SetAnnotation("agentrt.io/writable", "/workspace")
		b.Save(t)
		assertRun(t, cfg.run(t, rt, "run", "--bundle", b.Dir, b.ID), 0, "allowed")
		testenv.AssertNoLeaks(t, rt.Root, b.ID)
		if _, err := os.Stat(filepath.Join(out, "ran")); err != nil {
			t.Errorf("the container's process wrote nothing to the host directory: %v", err)
		}
	})
}

// bindWorkspace binds a new host directory at /workspace in b's spec and
// returns it; call Save afterwards.
func bindWorkspace(t testing.TB, b *testenv.Bundle) string {
	t.Helper()
	mkdirsIn(t, b.Dir, "workspace-out")
	out := filepath.Join(b.Dir, "workspace-out")
	s := b.Spec()
	s.Mounts = append(s.Mounts, specs.Mount{Destination: "/workspace", Type: "bind", Source: out, Options: []string{"rbind", "rw"}})
	return out
}

func assertEmptyDir(t testing.TB, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) > 0 {
		t.Errorf("the container's process ran: %s holds %s", dir, entries[0].Name())
	}
}

// TestAgentrtRunClamp runs a container whose requests exceed the ceiling
// under an admin config with on_exceed = "clamp": it runs, cut down to
// the ceiling, and its report warns about each request it clamped.
func TestAgentrtRunClamp(t *testing.T) {
	t.Run(`agentrt run --detach --bundle B ID with agentrt.io/writable=/etc,/workspace and agentrt.io/egress=evil.example:25, on_exceed = "clamp"`, func(t *testing.T) {
		testenv.RequireRoot(t)
		rt := testenv.Agentrt(t)
		cfg := newPolicyConfig(t, rt, clampExceed)
		b := newAgentBundle(t, "sleep", "60")
		b.SetAnnotation("agentrt.io/writable", "/etc,/workspace")
		b.SetAnnotation("agentrt.io/egress", "evil.example:25")
		b.Save(t)
		cfg.mustRun(t, rt, "run", "--detach", "--bundle", b.Dir, b.ID)
		rep := stateReport(t, rt, b.ID)
		for _, want := range []string{
			`agentrt.io/writable "/etc" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.filesystem.writable; clamped`,
			`agentrt.io/egress "evil.example:25" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.network.allow; clamped`,
		} {
			if !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.HasPrefix(w, want) }) {
				t.Errorf("report warnings: got %q, want one starting %q", rep.Warnings, want)
			}
		}
		if got := cfg.record(t, "created", b.ID).Report; got == nil || !cmp.Equal(got.Warnings, rep.Warnings) {
			t.Errorf("audit created record: got report %+v, want the warnings %q", got, rep.Warnings)
		}
		execChecks := []struct {
			path, want string
			code       int
		}{
			{"/etc/agent-file", "blocked: open /etc/agent-file: read-only file system", 1},
			{"/workspace/agent-file", "allowed", 0},
		}
		for _, c := range execChecks {
			res := cfg.run(t, rt, "exec", b.ID, "probe", "write", c.path)
			assertRun(t, res, c.code, c.want)
		}
		cfg.mustRun(t, rt, "delete", "--force", b.ID)
		testenv.AssertNoLeaks(t, rt.Root, b.ID)
	})
}

// TestAgentrtRunWritable runs containers whose agentrt.io/writable widens
// the writable paths within the ceiling, or narrows them: the list
// replaces the profile's, so a path it leaves out becomes read-only.
func TestAgentrtRunWritable(t *testing.T) {
	script := "for f in /home/agent/f /workspace/f /tmp/f; do probe write $f; done; true"
	tests := []struct {
		name, writable string
		want           []string // the verdicts for /home/agent, /workspace, /tmp
	}{
		{"agentrt run --bundle B ID", "", []string{
			"blocked: open /home/agent/f: read-only file system", "allowed", "allowed"}},
		{"agentrt run --bundle B ID with agentrt.io/writable=/workspace,/home/agent", "/workspace,/home/agent", []string{
			"allowed", "allowed", "blocked: open /tmp/f: read-only file system"}},
		{"agentrt run --bundle B ID with agentrt.io/writable=/tmp", "/tmp", []string{
			"blocked: open /home/agent/f: read-only file system",
			"blocked: open /workspace/f: read-only file system", "allowed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			testenv.RequireRoot(t)
			rt := testenv.Agentrt(t)
			cfg := newPolicyConfig(t, rt)
			b := newAgentBundle(t, shellArgs(script)...)
			mkdirsIn(t, b.Rootfs, "home/agent")
			if tc.writable != "" {
				b.SetAnnotation("agentrt.io/writable", tc.writable)
				b.Save(t)
			}
			res := cfg.run(t, rt, "run", "--bundle", b.Dir, b.ID)
			assertRun(t, res, 0, strings.Join(tc.want, "\n"))
			testenv.AssertNoLeaks(t, rt.Root, b.ID)
		})
	}
}

// TestAgentrtRunPolicyFile runs bundles whose rootfs holds
// /etc/agentrt/policy.json, the image author's channel: a request within
// the ceiling takes effect, one beyond it is refused naming the file, and
// a policy file or directory that is a symlink to the host is refused,
// whatever it points at, with nothing left behind.
func TestAgentrtRunPolicyFile(t *testing.T) {
	const widen = `{"filesystem": {"writable": ["/workspace", "/home/agent"]}}`
	script := "probe write /home/agent/f; probe write /workspace/f"

	t.Run("agentrt run --bundle B ID with a policy file", func(t *testing.T) {
		testenv.RequireRoot(t)
		rt := testenv.Agentrt(t)
		cfg := newPolicyConfig(t, rt)
		b := newAgentBundle(t, shellArgs(script)...)
		writeRootfsFile(t, b.Rootfs, "etc/agentrt/policy.json", widen)
		res := cfg.run(t, rt, "run", "--bundle", b.Dir, b.ID)
		assertRun(t, res, 0, "allowed\nallowed")
		rep := cfg.record(t, "created", b.ID).Report
		if rep == nil || !cmp.Equal(rep.Channels, []string{"policy-file"}) {
			t.Errorf("audit created record: got report %+v, want channels [policy-file]", rep)
		}
		testenv.AssertNoLeaks(t, rt.Root, b.ID)
	})

	t.Run("agentrt run --bundle B ID with a policy file beyond the ceiling", func(t *testing.T) {
		testenv.RequireRoot(t)
		rt := testenv.Agentrt(t)
		cfg := newPolicyConfig(t, rt)
		b := newAgentBundle(t, "true")
		writeRootfsFile(t, b.Rootfs, "etc/agentrt/policy.json", `{"filesystem": {"writable": ["/etc"]}}`)
		res := cfg.run(t, rt, "run", "--bundle", b.Dir, b.ID)
		assertRefused(t, res, `/etc/agentrt/policy.json filesystem.writable "/etc" (policy-file) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.filesystem.writable`)
		testenv.AssertNoLeaks(t, rt.Root, b.ID)
		cfg.record(t, "refused", b.ID)
	})

	symlinks := []struct {
		name string
		link func(t testing.TB, rootfs, host string)
	}{
		{"policy.json a symlink to a host file", func(t testing.TB, rootfs, host string) {
			mkdirsIn(t, rootfs, "etc/agentrt")
			mustSymlink(t, filepath.Join(host, "policy.json"), filepath.Join(rootfs, "etc/agentrt/policy.json"))
		}},
		{"/etc/agentrt a symlink to a host directory", func(t testing.TB, rootfs, host string) {
			mustSymlink(t, host, filepath.Join(rootfs, "etc/agentrt"))
		}},
	}
	for _, tc := range symlinks {
		t.Run("agentrt run --bundle B ID with "+tc.name, func(t *testing.T) {
			testenv.RequireRoot(t)
			rt := testenv.Agentrt(t)
			cfg := newPolicyConfig(t, rt)
			b := newAgentBundle(t, "probe", "write", "/workspace/ran")
			out := bindWorkspace(t, b)
			b.Save(t)
			host := t.TempDir()
			writeRootfsFile(t, host, "policy.json", widen)
			tc.link(t, b.Rootfs, host)
			res := cfg.run(t, rt, "run", "--bundle", b.Dir, b.ID)
			msg := `policy file /etc/agentrt/policy.json in rootfs "` + b.Rootfs + `": symlinks are refused`
			assertRefused(t, res, msg)
			testenv.AssertNoLeaks(t, rt.Root, b.ID)
			if rec := cfg.record(t, "refused", b.ID); !strings.Contains(rec.Reason, msg) {
				t.Errorf("audit refused record: got reason %q, want it to hold %q", rec.Reason, msg)
			}
			assertEmptyDir(t, out)
		})
	}
}

func mustSymlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestAgentrtRunModeAudit runs a container with agentrt.io/mode=audit
// under an admin config that allows audit, named by $AGENTRT_CONFIG:
// seccomp is in place but logs instead of denying, the layers that
// cannot log are not applied, and the report says which layers are in
// audit.
func TestAgentrtRunModeAudit(t *testing.T) {
	t.Run("AGENTRT_CONFIG=FILE agentrt run --bundle B ID with agentrt.io/mode=audit", func(t *testing.T) {
		testenv.RequireRoot(t)
		rt := testenv.Agentrt(t)
		cfg := newPolicyConfig(t, rt, allowAudit)
		b := newAgentBundle(t, shellArgs("grep '^Seccomp:' /proc/self/status; probe ptrace; probe keyctl; probe write /etc/agent-file")...)
		b.SetAnnotation("agentrt.io/mode", "audit")
		b.Save(t)
		res := runEnv(t, rt, []string{"AGENTRT_CONFIG=" + cfg.Path}, "run", "--bundle", b.Dir, b.ID)
		assertRun(t, res, 0, "Seccomp:\t2\nallowed\nallowed\nallowed")
		testenv.AssertNoLeaks(t, rt.Root, b.ID)
		rep := cfg.record(t, "created", b.ID).Report
		if rep == nil {
			t.Fatal("audit created record has no report")
		}
		if rep.Mode != "audit" {
			t.Errorf("report mode: got %q, want audit", rep.Mode)
		}
		wantLayers := map[string]string{
			"seccomp":           "audit",
			"landlock":          "audit",
			"readonly-rootfs":   "audit",
			"capabilities":      "audit",
			"egress":            "audit",
			"no-new-privileges": "enforced",
		}
		for layer, want := range wantLayers {
			if got := rep.Layers[layer]; !strings.HasPrefix(got, want) {
				t.Errorf("report layer %s: got %q, want %q…", layer, got, want)
			}
		}
	})
}

// runEnv runs `agentrt --root ROOT ARGS` attached, with env added to the
// environment.
func runEnv(t testing.TB, rt *testenv.Runtime, env []string, args ...string) testenv.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testenv.DefaultTimeout)
	defer cancel()
	cmd := rt.Command(ctx, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	res := testenv.Result{Args: cmd.Args[1:], Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: -1}
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("agentrt %s: %v", strings.Join(res.Args, " "), err)
	}
	return res
}

// TestAgentrtRunModeOff runs the same permissive bundle (see
// permissiveEngine) with runc and with agentrt under agentrt.io/mode=off,
// which the admin config allows: agentrt then behaves as runc, down to a
// writable rootfs, unmasked /proc files and every capability the spec
// grants.
func TestAgentrtRunModeOff(t *testing.T) {
	t.Run("agentrt run --bundle B ID with agentrt.io/mode=off; runc run --bundle B ID", func(t *testing.T) {
		testenv.RequireRoot(t)
		script := "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status; " +
			"probe write /agent-file; probe write /etc/agent-file; cat /proc/kallsyms | wc -c; " +
			"probe ptrace; probe keyctl; probe mount; probe rawsock; true"
		cfg := newPolicyConfig(t, testenv.Agentrt(t), allowOff)
		var outputs []string
		for _, newRuntime := range testenv.Runtimes() {
			rt := newRuntime(t)
			b := newAgentBundle(t, shellArgs(script)...)
			permissiveEngine(b.Spec())
			b.SetAnnotation("agentrt.io/mode", "off")
			b.Save(t)
			args := []string{"run", "--bundle", b.Dir, b.ID}
			if rt.Name == "agentrt" {
				args = append([]string{"--config", cfg.Path}, args...)
			}
			res := rt.Run(t, args...)
			if res.ExitCode != 0 {
				t.Fatalf("%s %s", rt.Name, res)
			}
			outputs = append(outputs, res.Stdout)
			testenv.AssertNoLeaks(t, rt.Root, b.ID)
			if rt.Name == "agentrt" {
				rep := cfg.record(t, "created", b.ID).Report
				if rep == nil || rep.Mode != "off" {
					t.Errorf("audit created record: got report %+v, want mode off", rep)
				}
			}
		}
		if diff := cmp.Diff(outputs[0], outputs[1]); diff != "" {
			t.Errorf("agentrt in mode off differs from runc (-runc +agentrt):\n%s", diff)
		}
		if !strings.Contains(outputs[1], "allowed\nallowed\n") {
			t.Errorf("mode off: got\n%s\nwant writes to / and /etc allowed", outputs[1])
		}
	})
}

// TestAgentrtState checks `agentrt state ID`'s report of a created
// container: the policy hash, the profile, the channels used and every
// layer's status, with the same hash in the audit log's created record
// and in `agentrt policy explain`.
func TestAgentrtState(t *testing.T) {
	t.Run("agentrt create --bundle B ID; agentrt state ID", func(t *testing.T) {
		testenv.RequireRoot(t)
		rt := testenv.Agentrt(t)
		cfg := newPolicyConfig(t, rt)
		b := newAgentBundle(t, "sleep", "60")
		b.SetAnnotation("agentrt.io/writable", "/workspace,/home/agent")
		b.Save(t)
		explained := explainJSON(t, cfg, rt, b.Dir)
		cfg.mustRun(t, rt, "create", "--bundle", b.Dir, b.ID)
		rep := stateReport(t, rt, b.ID)
		if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(rep.PolicyHash) {
			t.Errorf("report policyHash: got %q, want sha256:<64 hex digits>", rep.PolicyHash)
		}
		checks := []struct {
			name      string
			got, want any
		}{
			{"profile", rep.Profile, "agent"},
			{"mode", rep.Mode, "enforce"},
			{"channels", rep.Channels, []string{"annotation"}},
			{"layers", slices.Sorted(maps.Keys(rep.Layers)), []string{
				"capabilities", "dns", "egress", "landlock", "no-new-privileges", "readonly-rootfs", "seccomp"}},
			{"audit created policyHash", cfg.record(t, "created", b.ID).PolicyHash, rep.PolicyHash},
			{"policy explain policyHash", explained.PolicyHash, rep.PolicyHash},
		}
		for _, c := range checks {
			if !cmp.Equal(c.got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
			}
		}
		for layer, status := range rep.Layers {
			if !strings.HasPrefix(status, "enforced") {
				t.Errorf("report layer %s: got %q, want enforced", layer, status)
			}
		}
		if rep.Landlock == nil || rep.Landlock.ABI < 1 {
			t.Errorf("report landlock: got %+v, want the kernel's ABI", rep.Landlock)
		}
		if def := explainJSON(t, cfg, rt, newAgentBundle(t, "true").Dir); def.PolicyHash == rep.PolicyHash {
			t.Errorf("policy hash %q is the default policy's too, want it to reflect the annotation", rep.PolicyHash)
		}
		cfg.mustRun(t, rt, "delete", "--force", b.ID)
		testenv.AssertNoLeaks(t, rt.Root, b.ID)
	})
}

// explanation is what the tests read of `policy explain --format json`.
type explanation struct {
	Profile    string `json:"profile"`
	PolicyHash string `json:"policyHash"`
	Policy     struct {
		Filesystem struct {
			Writable []string `json:"writable"`
		} `json:"filesystem"`
	} `json:"policy"`
	Origins map[string]struct {
		Channel string `json:"channel"`
		Source  string `json:"source"`
	} `json:"origins"`
	SpecDiff string `json:"specDiff"`
}

func explainJSON(t testing.TB, cfg policyConfig, rt *testenv.Runtime, bundle string) explanation {
	t.Helper()
	res := cfg.mustRun(t, rt, "policy", "explain", "--bundle", bundle, "--format", "json")
	var e explanation
	if err := json.Unmarshal([]byte(res.Stdout), &e); err != nil {
		t.Fatalf("decode policy explain: %v\n%s", err, res)
	}
	return e
}

// TestAgentrtPolicyExplain checks that `agentrt policy explain --bundle
// DIR` prints the effective policy, where each part came from and the
// spec changes, and creates nothing: no state root, no container.
func TestAgentrtPolicyExplain(t *testing.T) {
	testenv.RequireRoot(t)
	t.Run("agentrt policy explain --bundle B", func(t *testing.T) {
		rt := testenv.Agentrt(t)
		cfg := newPolicyConfig(t, rt)
		b := newAgentBundle(t, "true")
		b.SetAnnotation("agentrt.io/writable", "/workspace,/home/agent")
		b.Save(t)
		res := cfg.mustRun(t, rt, "policy", "explain", "--bundle", b.Dir)
		for _, want := range []string{
			"profile:     agent (chosen by admin config default_profile)",
			"policy hash: sha256:",
			"effective policy:",
			`"/home/agent"`,
			"filesystem.writable          annotation agentrt.io/writable",
			"readonly-rootfs      enforced",
			"spec changes (- engine, + hardened):",
			`"readonly": bool(true)`,
			`string("/home/agent")`,
		} {
			if !strings.Contains(res.Stdout, want) {
				t.Errorf("policy explain lacks %q\n%s", want, res)
			}
		}
		e := explainJSON(t, cfg, rt, b.Dir)
		if got, want := e.Policy.Filesystem.Writable, []string{"/home/agent", "/workspace"}; !cmp.Equal(got, want) {
			t.Errorf("policy.filesystem.writable: got %q, want %q", got, want)
		}
		if o := e.Origins["filesystem.writable"]; o.Channel != "annotation" || o.Source != "agentrt.io/writable" {
			t.Errorf("origins[filesystem.writable]: got %+v, want annotation agentrt.io/writable", o)
		}
		if e.SpecDiff == "" {
			t.Error("specDiff is empty, want the hardening's changes")
		}
		assertNothingCreated(t, rt, cfg, b.ID)
	})
	t.Run("agentrt policy explain --bundle B beyond the ceiling", func(t *testing.T) {
		rt := testenv.Agentrt(t)
		cfg := newPolicyConfig(t, rt)
		b := newAgentBundle(t, "true")
		b.SetAnnotation("agentrt.io/writable", "/etc")
		b.Save(t)
		res := cfg.run(t, rt, "policy", "explain", "--bundle", b.Dir)
		assertRefused(t, res, `policy explain: agentrt.io/writable "/etc" (annotation) exceeds the ceiling of profile "agent"; allow it with profiles.agent.ceiling.filesystem.writable`)
		assertNothingCreated(t, rt, cfg, b.ID)
	})
}

// assertNothingCreated checks that no state root, container or audit
// record exists after a command that must create nothing.
func assertNothingCreated(t testing.TB, rt *testenv.Runtime, cfg policyConfig, id string) {
	t.Helper()
	if _, err := os.Lstat(rt.Root); !os.IsNotExist(err) {
		t.Errorf("state root %q exists (%v), want nothing created", rt.Root, err)
	}
	if _, err := os.Lstat(cfg.AuditLog); !os.IsNotExist(err) {
		t.Errorf("audit log %q exists (%v), want nothing recorded", cfg.AuditLog, err)
	}
	testenv.AssertNoLeaks(t, rt.Root, id)
}

// TestAgentrtConfigCheck checks `agentrt config check FILE`: a bad file
// is reported with its line and key and exit status 1, and the embedded
// default, as `agentrt config default` prints it, checks clean.
func TestAgentrtConfigCheck(t *testing.T) {
	rt := testenv.Agentrt(t)
	def := rt.MustRun(t, "config", "default").Stdout
	t.Run("agentrt config default | agentrt config check FILE", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "default.toml")
		writeRootfsFile(t, filepath.Dir(path), filepath.Base(path), def)
		res := rt.Run(t, "config", "check", path)
		assertRun(t, res, 0, path+": ok")
	})
	tests := []struct {
		name  string
		edits []configEdit
		// want are the errors, each as the edited line's new text and
		// the message after "FILE:LINE: ".
		want []struct{ line, msg string }
	}{
		{
			name:  "an unknown key",
			edits: []configEdit{{"pids = 4096", "pids = 4096\nbogus_key = 1"}},
			want:  []struct{ line, msg string }{{"bogus_key = 1", "profiles.agent.ceiling.resources.bogus_key: unknown key"}},
		},
		{
			name: "invalid values",
			edits: []configEdit{
				{"on_exceed = 'reject'", "on_exceed = 'maybe'"},
				{"egress = 'none'", "egress = 'sometimes'"},
				{"pids = 4096", "pids = -1"},
			},
			want: []struct{ line, msg string }{
				{"on_exceed = 'maybe'", `on_exceed "maybe": invalid value: want reject or clamp`},
				{"egress = 'sometimes'", `profiles.agent.defaults.network.egress "sometimes": invalid value: want none, allowlist or open`},
				{"pids = -1", `profiles.agent.ceiling.resources.pids "-1": invalid value: want 0 (no limit) or more`},
			},
		},
		{
			name:  "a bad destination",
			edits: []configEdit{{"allow = ['*:80+443']", "allow = ['10.0.0.0/33:80']"}},
			want: []struct{ line, msg string }{{"allow = ['10.0.0.0/33:80']",
				`profiles.agent.ceiling.network.allow: destination "10.0.0.0/33:80"`}},
		},
		{
			name:  "a TOML syntax error",
			edits: []configEdit{{"[profiles.agent.ceiling.network]", "[profiles.agent.ceiling.network"}},
			want:  []struct{ line, msg string }{{"[profiles.agent.ceiling.network", "expected ']'"}},
		},
	}
	for _, tc := range tests {
		t.Run("agentrt config check FILE with "+tc.name, func(t *testing.T) {
			text := def
			for _, e := range tc.edits {
				text = replaceLine(t, text, e)
			}
			path := filepath.Join(t.TempDir(), "config.toml")
			writeRootfsFile(t, filepath.Dir(path), filepath.Base(path), text)
			res := rt.Run(t, "config", "check", path)
			if res.ExitCode != 1 {
				t.Errorf("got exit %d, want 1\n%s", res.ExitCode, res)
			}
			for _, w := range tc.want {
				want := path + ":" + lineOf(t, text, w.line) + ": " + w.msg
				if !strings.Contains(errorText(res.Stderr), want) {
					t.Errorf("error lacks %q\n%s", want, res)
				}
			}
		})
	}
}

// lineOf returns the number of the line of text that is exactly line.
func lineOf(t testing.TB, text, line string) string {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if l == line {
			return strconv.Itoa(i + 1)
		}
	}
	t.Fatalf("no line %q in the config", line)
	return ""
}
