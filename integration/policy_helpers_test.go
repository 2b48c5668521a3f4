package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/integration/testenv"
)

// policyConfig is an admin config file written for one test: agentrt's
// embedded default with the audit log moved into the test's temporary
// directory, so that the test reads its own decisions and nothing is
// written to /var/log.
type policyConfig struct {
	// Path is the config file, passed as --config.
	Path string
	// AuditLog is the audit log the config names.
	AuditLog string
}

// configEdit replaces one whole line of the default config.
type configEdit struct{ old, new string }

// Edits of the default config that tests need.
var (
	clampExceed = configEdit{"on_exceed = 'reject'", "on_exceed = 'clamp'"}
	allowAudit  = configEdit{"modes = []", "modes = ['audit']"}
	allowOff    = configEdit{"modes = []", "modes = ['off']"}
)

// newPolicyConfig writes the output of `agentrt config default` with each
// edit applied into a file of its own. An edit whose line is not exactly
// once in the default fails the test: the default changed, and the test
// must say what it means now.
func newPolicyConfig(t testing.TB, rt *testenv.Runtime, edits ...configEdit) policyConfig {
	t.Helper()
	res := rt.MustRun(t, "config", "default")
	dir := t.TempDir()
	cfg := policyConfig{Path: filepath.Join(dir, "config.toml"), AuditLog: filepath.Join(dir, "audit.jsonl")}
	edits = append(edits, configEdit{"audit_log = '/var/log/agentrt/audit.jsonl'", "audit_log = '" + cfg.AuditLog + "'"})
	text := res.Stdout
	for _, e := range edits {
		text = replaceLine(t, text, e)
	}
	if err := os.WriteFile(cfg.Path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func replaceLine(t testing.TB, text string, e configEdit) string {
	t.Helper()
	lines := strings.Split(text, "\n")
	found := 0
	for i, l := range lines {
		if l == e.old {
			lines[i] = e.new
			found++
		}
	}
	if found != 1 {
		t.Fatalf("agentrt config default: got %d lines %q, want 1 to replace with %q", found, e.old, e.new)
	}
	return strings.Join(lines, "\n")
}

// run runs `agentrt --root ROOT --config CFG ARGS`.
func (c policyConfig) run(t testing.TB, rt *testenv.Runtime, args ...string) testenv.Result {
	t.Helper()
	return rt.Run(t, append([]string{"--config", c.Path}, args...)...)
}

// mustRun is run that fails the test unless the command exits 0.
func (c policyConfig) mustRun(t testing.TB, rt *testenv.Runtime, args ...string) testenv.Result {
	t.Helper()
	res := c.run(t, rt, args...)
	if res.ExitCode != 0 {
		t.Fatalf("agentrt %s", res)
	}
	return res
}

// auditRecord is one line of agentrt's audit log, as the tests read it.
type auditRecord struct {
	Event      string       `json:"event"`
	ID         string       `json:"id"`
	Bundle     string       `json:"bundle"`
	Profile    string       `json:"profile"`
	PolicyHash string       `json:"policyHash"`
	Report     *agentReport `json:"report"`
	Reason     string       `json:"reason"`
}

// agentReport is the enforcement report of annotation agentrt.io/report
// and of the audit log's created records.
type agentReport struct {
	PolicyHash string            `json:"policyHash"`
	Profile    string            `json:"profile"`
	Mode       string            `json:"mode"`
	Channels   []string          `json:"channels"`
	Layers     map[string]string `json:"layers"`
	Landlock   *struct {
		ABI      int               `json:"abi"`
		Features map[string]string `json:"features"`
	} `json:"landlock"`
	Warnings []string `json:"warnings"`
}

// records returns the audit log's records about container id.
func (c policyConfig) records(t testing.TB, id string) []auditRecord {
	t.Helper()
	data, err := os.ReadFile(c.AuditLog)
	if err != nil {
		t.Fatalf("read audit log: %v", err)
	}
	var out []auditRecord
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec auditRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("audit log %q: line %q: %v", c.AuditLog, sc.Text(), err)
		}
		if rec.ID == id {
			out = append(out, rec)
		}
	}
	return out
}

// record returns the one record of event about container id, failing the
// test when there is none or more than one.
func (c policyConfig) record(t testing.TB, event, id string) auditRecord {
	t.Helper()
	var found []auditRecord
	for _, rec := range c.records(t, id) {
		if rec.Event == event {
			found = append(found, rec)
		}
	}
	if len(found) != 1 {
		t.Fatalf("audit log: got %d %q records of container %q, want 1; records: %+v", len(found), event, id, c.records(t, id))
	}
	return found[0]
}

// stateReport runs `agentrt state ID` and decodes its report annotation.
func stateReport(t testing.TB, rt *testenv.Runtime, id string) agentReport {
	t.Helper()
	res := rt.MustRun(t, "state", id)
	var st specs.State
	if err := json.Unmarshal([]byte(res.Stdout), &st); err != nil {
		t.Fatalf("decode state: %v\n%s", err, res)
	}
	raw, ok := st.Annotations[testenv.ReportAnnotation]
	if !ok {
		t.Fatalf("state of %q has no annotation %s:\n%s", id, testenv.ReportAnnotation, res.Stdout)
	}
	var rep agentReport
	if err := json.Unmarshal([]byte(raw), &rep); err != nil {
		t.Fatalf("decode %s %q: %v", testenv.ReportAnnotation, raw, err)
	}
	return rep
}

// shellArgs is the process args that run script with the rootfs's /bin/sh.
func shellArgs(script string) []string { return []string{"sh", "-c", script} }

// newAgentBundle makes a busybox bundle that runs args, with the probe at
// /usr/bin/probe and an empty /workspace: the rootfs of a typical agent
// image, whose writable paths exist.
func newAgentBundle(t testing.TB, args ...string) *testenv.Bundle {
	t.Helper()
	b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), args...)
	b.AddProbe(t)
	mkdirsIn(t, b.Rootfs, "workspace")
	return b
}

// mkdirsIn makes directories, relative to rootfs, with mode 0755.
func mkdirsIn(t testing.TB, rootfs string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// writeRootfsFile writes data to path, relative to rootfs, making its directory.
func writeRootfsFile(t testing.TB, rootfs, path, data string) {
	t.Helper()
	p := filepath.Join(rootfs, path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// assertRun checks a finished command's exit status and its standard
// output, which must be want exactly, surrounding space aside.
func assertRun(t testing.TB, res testenv.Result, code int, want string) {
	t.Helper()
	if res.ExitCode != code || strings.TrimSpace(res.Stdout) != strings.TrimSpace(want) {
		t.Errorf("got %s\nwant exit %d, stdout %q", res, code, want)
	}
}

// assertRefused checks that a command was refused with exit status 1 and
// an error on stderr holding every part of want.
func assertRefused(t testing.TB, res testenv.Result, want ...string) {
	t.Helper()
	if res.ExitCode != 1 {
		t.Errorf("got exit %d, want 1 (refused)\n%s", res.ExitCode, res)
	}
	text := errorText(res.Stderr)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("error lacks %q\n%s", w, res)
		}
	}
}

// logrusMsg finds the message of a line in logrus' text format, which is
// how agentrt, like runc, writes its final error to stderr.
var logrusMsg = regexp.MustCompile(`level=error msg=("(?:[^"\\]|\\.)*")`)

// errorText returns the error messages on stderr with logrus' quoting
// undone, one a line, or stderr itself when it has none.
func errorText(stderr string) string {
	var out []string
	for _, m := range logrusMsg.FindAllStringSubmatch(stderr, -1) {
		if msg, err := strconv.Unquote(m[1]); err == nil {
			out = append(out, msg)
		}
	}
	if len(out) == 0 {
		return stderr
	}
	return strings.Join(out, "\n")
}

// agentCheck is one thing an agent tries, with the outcome the policy
// must give it: the probe's verdict, or a script's output.
type agentCheck struct {
	name string
	args []string
	// code and stdout are the exit status and the whole standard output
	// wanted.
	code   int
	stdout string
	// hostNonEmpty names a host file that must have content for the
	// check to mean anything (a masked path).
	hostNonEmpty string
	// edit changes the spec before the run, as an engine might.
	edit func(*specs.Spec)
}

const blockedEPERM = "blocked: operation not permitted"

// defaultPolicyChecks are what the default policy allows and denies an
// agent, in any rootfs that has /bin/sh, the probe and /workspace, run
// on the spec of permissiveEngine.
var defaultPolicyChecks = []agentCheck{
	{name: "sh -c 'echo hello'", args: shellArgs("echo hello"), stdout: "hello"},
	{name: "probe write /tmp/agent-file", args: []string{"probe", "write", "/tmp/agent-file"}, stdout: "allowed"},
	{name: "probe write /workspace/agent-file", args: []string{"probe", "write", "/workspace/agent-file"}, stdout: "allowed"},
	{name: "probe threads", args: []string{"probe", "threads"}, stdout: "allowed"},
	{name: "probe exec /bin/true (a tool)", args: []string{"probe", "exec", "/bin/true"}, stdout: "allowed"},
	{name: "probe write /etc/agent-file", args: []string{"probe", "write", "/etc/agent-file"},
		code: 1, stdout: "blocked: open /etc/agent-file: read-only file system"},
	{name: "probe write /usr/bin/agent-file", args: []string{"probe", "write", "/usr/bin/agent-file"},
		code: 1, stdout: "blocked: open /usr/bin/agent-file: read-only file system"},
	{name: "probe write /root/agent-file", args: []string{"probe", "write", "/root/agent-file"},
		code: 1, stdout: "blocked: open /root/agent-file: read-only file system"},
	// The engine's writable mount at a path the policy does not list:
	// only Landlock stands between the agent and the file.
	{name: "probe write /data/agent-file (engine tmpfs, not a writable path)",
		args: []string{"probe", "write", "/data/agent-file"},
		code: 1, stdout: "blocked: open /data/agent-file: permission denied",
		edit: func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev"}})
		}},
	{name: "probe exec /tmp/copy (W^X)", args: shellArgs("cp /usr/bin/probe /tmp/copy && probe exec /tmp/copy"),
		code: 1, stdout: "blocked: fork/exec /tmp/copy: permission denied"},
	{name: "cat /proc/keys", args: shellArgs("cat /proc/keys 2>/dev/null | wc -c"), stdout: "0"},
	{name: "cat /proc/timer_list", args: shellArgs("cat /proc/timer_list 2>/dev/null | wc -c"), stdout: "0", hostNonEmpty: "/proc/timer_list"},
	{name: "cat /proc/kallsyms", args: shellArgs("cat /proc/kallsyms 2>/dev/null | wc -c"), stdout: "0", hostNonEmpty: "/proc/kallsyms"},
	{name: "probe write /proc/sys/kernel/domainname", args: []string{"probe", "write", "/proc/sys/kernel/domainname"},
		code: 1, stdout: "blocked: open /proc/sys/kernel/domainname: read-only file system"},
	{name: "probe chown /tmp/owned (root's file, to nobody)",
		args: shellArgs("touch /tmp/owned && chmod 640 /tmp/owned && probe chown /tmp/owned"),
		code: 1, stdout: "blocked: chown /tmp/owned: operation not permitted"},
	{name: "probe rawsock", args: []string{"probe", "rawsock"}, code: 1, stdout: blockedEPERM},
	{name: "probe packet", args: []string{"probe", "packet"}, code: 1, stdout: blockedEPERM},
	{name: "probe ptrace", args: []string{"probe", "ptrace"}, code: 1, stdout: blockedEPERM},
	{name: "probe mount", args: []string{"probe", "mount"}, code: 1, stdout: blockedEPERM},
	{name: "probe unshare", args: []string{"probe", "unshare"}, code: 1, stdout: blockedEPERM},
	{name: "probe userns", args: []string{"probe", "userns"}, code: 1, stdout: blockedEPERM},
	{name: "probe bpf", args: []string{"probe", "bpf"}, code: 1, stdout: blockedEPERM},
	{name: "probe io_uring", args: []string{"probe", "io_uring"}, code: 1, stdout: blockedEPERM},
	{name: "probe keyctl", args: []string{"probe", "keyctl"}, code: 1, stdout: blockedEPERM},
}

// engineCapabilities is what permissiveEngine grants: Docker's default
// set and the capabilities that the checks' syscalls need.
var engineCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
	"CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SYS_CHROOT",
	"CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP", "CAP_SYS_ADMIN", "CAP_SYS_PTRACE",
	"CAP_BPF", "CAP_NET_ADMIN", "CAP_IPC_LOCK", "CAP_SYSLOG",
}

// permissiveEngine makes the spec ask for far more than the default
// policy allows, as a careless engine might: the capabilities above, no
// masked or read-only paths, no_new_privileges off. Whatever the agent is
// denied in such a bundle, agentrt denied: run as it is (by runc, or by
// agentrt in mode off) it allows every check below.
func permissiveEngine(s *specs.Spec) {
	caps := s.Process.Capabilities
	caps.Bounding, caps.Effective, caps.Permitted = engineCapabilities, engineCapabilities, engineCapabilities
	s.Process.NoNewPrivileges = false
	s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
}

// runChecks runs each check in a container of its own, on a bundle that
// newBundle makes for it with the spec of permissiveEngine, under the
// default policy.
func runChecks(t *testing.T, checks []agentCheck, newBundle func(t testing.TB, args ...string) *testenv.Bundle) {
	for _, c := range checks {
		t.Run("agentrt run --bundle B ID: "+c.name, func(t *testing.T) {
			rt := testenv.Agentrt(t)
			cfg := newPolicyConfig(t, rt)
			if c.hostNonEmpty != "" {
				assertHostNonEmpty(t, c.hostNonEmpty)
			}
			b := newBundle(t, c.args...)
			permissiveEngine(b.Spec())
			if c.edit != nil {
				c.edit(b.Spec())
			}
			b.Save(t)
			res := cfg.run(t, rt, "run", "--bundle", b.Dir, b.ID)
			assertRun(t, res, c.code, c.stdout)
			testenv.AssertNoLeaks(t, rt.Root, b.ID)
		})
	}
}

func assertHostNonEmpty(t testing.TB, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		t.Fatalf("host %s is empty (%v): masking it would prove nothing", path, err)
	}
}
