package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/agentrt/agentrt/integration/testenv"
)

// TestState prints the state of a container in each of its states.
func TestState(t *testing.T) {
	parity(t, sleeper, func(s *session) {
		mustCode(s.t, s.run("create", "--bundle", s.b.Dir, s.id), 0)
		s.json("state", s.id)
		mustCode(s.t, s.run("start", s.id), 0)
		s.json("state", s.id)
		mustCode(s.t, s.run("pause", s.id), 0)
		s.json("state", s.id)
		mustCode(s.t, s.run("resume", s.id), 0)
		s.json("state", s.id)
		s.stop()
		s.json("state", s.id)
		s.deleteGone()
	})
}

// TestPause freezes and thaws a container.
func TestPause(t *testing.T) {
	t.Run("pause ID; resume ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			mustCode(s.t, s.run("pause", s.id), 0)
			s.json("state", s.id)
			s.json("list", "--format", "json")
			s.json("ps", "--format", "json", s.id)
			expectCode(s.t, s.run("pause", s.id), 1)
			mustCode(s.t, s.run("resume", s.id), 0)
			s.json("state", s.id)
			expectCode(s.t, s.run("resume", s.id), 1)
			s.deleteGone("--force")
		})
	})
	t.Run("pause ID (created)", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			mustCode(s.t, s.run("create", "--bundle", s.b.Dir, s.id), 0)
			s.run("pause", s.id)
			s.json("state", s.id)
			s.run("resume", s.id)
			s.json("state", s.id)
			s.deleteGone("--force")
		})
	})
}

// TestList lists a root with one running container in every format.
func TestList(t *testing.T) {
	parity(t, sleeper, func(s *session) {
		s.runDetached()
		for _, args := range [][]string{{"list"}, {"list", "--format", "table"}} {
			res := s.run(args...)
			s.observe(strings.Join(args, " ")+" (normalized)", s.listTable(res.Stdout))
		}
		s.json("list", "--format", "json")
		s.json("list", "-f", "json")
		s.text("list", "--quiet")
		s.text("list", "-q", "--format", "json")
		expectCode(s.t, s.run("list", "--format", "yaml"), 1)
		s.deleteGone("--force")
		s.text("list", "--format", "json")
		s.text("list", "--quiet")
	})
}

// listTable reduces list's table to what must be the same for both
// runtimes: the header and, per row, the id, status, bundle and owner.
func (s *session) listTable(out string) string {
	var rows []string
	for i, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		f := strings.Fields(line)
		if i > 0 && len(f) == 6 {
			f[1], f[4] = "PID", "CREATED"
		}
		rows = append(rows, strings.Join(f, " "))
	}
	return s.normalize(strings.Join(rows, "\n"))
}

// TestPs lists the processes of a running container.
func TestPs(t *testing.T) {
	tests := []struct {
		name string
		args []string // after "ps", with ID for the container id
	}{
		{"ps ID", []string{"ID"}},
		{"ps --format table ID", []string{"--format", "table", "ID"}},
		{"ps ID -o pid,comm", []string{"ID", "-o", "pid,comm"}},
		{"ps -- ID -o pid,comm", []string{"--", "ID", "-o", "pid,comm"}},
		{"ps ID -e -x", []string{"ID", "-e", "-x"}},
		{"ps ID -o user,comm (no PID column)", []string{"ID", "-o", "user,comm"}},
		{"ps --format yaml ID", []string{"--format", "yaml", "ID"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parity(t, sleeper, func(s *session) {
				s.runDetached()
				// The table shows the command, which is sleep only once
				// init has made its last execve.
				waitCommand(s.t, stateOf(s.t, s.rt, s.id).Pid, "sleep 100")
				res := s.run(append([]string{"ps"}, withID(tc.args, s.id)...)...)
				s.observe("ps table (normalized)", psTable(res.Stdout))
				s.deleteGone("--force")
			})
		})
	}
	t.Run("ps --format json ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			s.json("ps", "--format", "json", s.id)
			mustCode(s.t, s.run("exec", "-d", s.id, "sleep", "30"), 0)
			s.json("ps", "-f", "json", s.id)
			s.stop()
			s.text("ps", "--format", "json", s.id)
			s.deleteGone()
		})
	})
	// runc 1.5.3 hands a "--" after the id on to ps, which rejects it
	// ("garbage option"); agentrt drops it, as its usage line says
	// ("<container-id> [--] [ps options]"). This is agentrt's own
	// behaviour, not a parity check.
	t.Run("ps ID -- -o pid,comm", func(t *testing.T) {
		testenv.RequireRoot(t)
		rt := testenv.Agentrt(t)
		b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), "sleep", "100")
		rt.MustRun(t, "run", "-d", "--bundle", b.Dir, b.ID)
		waitCommand(t, stateOf(t, rt, b.ID).Pid, "sleep 100")
		res := rt.Run(t, "ps", b.ID, "--", "-o", "pid,comm")
		if got := psTable(res.Stdout); res.ExitCode != 0 || got != "PID COMMAND\nPID sleep" {
			t.Errorf("got %q (normalized), want %q\n%s", got, "PID COMMAND\nPID sleep", res)
		}
		rt.MustRun(t, "delete", "--force", b.ID)
		testenv.AssertNoLeaks(t, rt.Root, b.ID)
	})
}

// psTable reduces ps output to what is the same in every run: the header,
// and per row the columns other than times and the pids (which become
// PID), joined by single spaces.
func psTable(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	header := strings.Fields(lines[0])
	rows := []string{strings.Join(header, " ")}
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		for i := range f {
			if i < len(header) && slices.Contains([]string{"PID", "PPID", "STIME", "TIME", "C"}, header[i]) {
				f[i] = header[i]
			}
		}
		rows = append(rows, strings.Join(f, " "))
	}
	return strings.Join(rows, "\n")
}

// statsEvent is the part of an events line these tests read.
type statsEvent struct {
	Type string                     `json:"type"`
	ID   string                     `json:"id"`
	Data map[string]json.RawMessage `json:"data"`
}

// TestEvents reads resource usage events.
func TestEvents(t *testing.T) {
	t.Run("events --stats ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			res := s.run("events", "--stats", s.id)
			expectCode(s.t, res, 0)
			if n := strings.Count(res.Stdout, "\n"); n != 1 {
				s.t.Errorf("events --stats printed %d lines, want 1:\n%s", n, res.Stdout)
			}
			s.observe("stats event", s.describeEvent(res.Stdout))
			s.deleteGone("--force")
		})
	})
	t.Run("events --interval 1s ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			bg := startCommand(s.t, s.command("events", "--interval", "1s", s.id))
			var line string
			waitFor(s.t, "the first event", func() bool {
				out := readClosed(bg.stdout)
				var ok bool
				line, _, ok = strings.Cut(out, "\n")
				return ok
			})
			bg.kill(s.t)
			s.observe("first event", s.describeEvent(line))
			s.deleteGone("--force")
		})
	})
	t.Run("events --stats ID (stopped)", func(t *testing.T) {
		parity(t, busybox("true"), func(s *session) {
			s.runDetached()
			waitStatus(s.t, s.rt, s.id, "stopped")
			expectCode(s.t, s.run("events", "--stats", s.id), 1)
			s.deleteGone()
		})
	})
}

// describeEvent checks that line is one stats event of the session's
// container with a pids count, and describes it by its type and the
// sections of its data, which are the same for both runtimes.
func (s *session) describeEvent(line string) string {
	s.t.Helper()
	var ev statsEvent
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		s.t.Errorf("event %q is not JSON: %v", line, err)
		return ""
	}
	if ev.Type != "stats" || ev.ID != s.id {
		s.t.Errorf("event type %q for %q, want stats for %q", ev.Type, ev.ID, s.id)
	}
	var pids struct {
		Current int `json:"current"`
	}
	if err := json.Unmarshal(ev.Data["pids"], &pids); err != nil || pids.Current < 1 {
		s.t.Errorf("event data.pids %s: want current >= 1 (%v)", ev.Data["pids"], err)
	}
	keys := make([]string, 0, len(ev.Data))
	for k := range ev.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return ev.Type + " " + strings.Join(keys, ",")
}

// TestUpdate changes the cgroup limits of a running container and reads
// them back from the container's cgroup.
func TestUpdate(t *testing.T) {
	tests := []struct {
		name       string
		args       []string // after "update", with ID for the container id
		stdin      string
		file       string // written to DIR/resources.json
		controller string
		v1, v2     string // the cgroup file, in v1 and v2 hierarchies
		want       string
	}{
		{name: "update --pids-limit 50 ID", args: []string{"--pids-limit", "50", "ID"}, controller: "pids", v1: "pids.max", v2: "pids.max", want: "50"},
		{name: "update --memory 64M ID", args: []string{"--memory", "64M", "ID"}, controller: "memory", v1: "memory.limit_in_bytes", v2: "memory.max", want: "67108864"},
		{name: "update --resources - ID", args: []string{"--resources", "-", "ID"}, stdin: `{"pids": {"limit": 40}}`, controller: "pids", v1: "pids.max", v2: "pids.max", want: "40"},
		{name: "update -r FILE ID", args: []string{"-r", "FILE", "ID"}, file: `{"memory": {"limit": 33554432}}`, controller: "memory", v1: "memory.limit_in_bytes", v2: "memory.max", want: "33554432"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parity(t, sleeper, func(s *session) {
				s.runDetached()
				args := withID(tc.args, s.id)
				if tc.file != "" {
					args[slices.Index(args, "FILE")] = s.writeFile("resources.json", tc.file)
				}
				expectCode(s.t, s.runStdin(tc.stdin, append([]string{"update"}, args...)...), 0)
				dir, v2 := testenv.CgroupDir(s.t, stateOf(s.t, s.rt, s.id).Pid, tc.controller)
				file := tc.v1
				if v2 {
					file = tc.v2
				}
				got := strings.TrimSpace(readFileString(s.t, filepath.Join(dir, file)))
				if got != tc.want {
					s.t.Errorf("%s: got %q, want %q", file, got, tc.want)
				}
				s.observe(tc.controller+" limit", got)
				s.deleteGone("--force")
			})
		})
	}
	t.Run("update --pids-limit abc ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			expectCode(s.t, s.run("update", "--pids-limit", "abc", s.id), 1)
			expectCode(s.t, s.runStdin("{", "update", "--resources", "-", s.id), 1)
			s.deleteGone("--force")
		})
	})
}

// TestFeatures checks the features document against runc's.
func TestFeatures(t *testing.T) {
	testenv.RequireRoot(t)
	var docs []map[string]json.RawMessage
	for _, newRuntime := range testenv.Runtimes() {
		rt := newRuntime(t)
		res := rt.MustRun(t, "features")
		var doc map[string]json.RawMessage
		if err := json.Unmarshal([]byte(res.Stdout), &doc); err != nil {
			t.Fatalf("%s features: not JSON: %v\n%s", rt.Name, err, res.Stdout)
		}
		docs = append(docs, doc)
	}
	runc, agentrt := docs[0], docs[1]
	for _, key := range []string{"ociVersionMin", "ociVersionMax", "hooks", "mountOptions"} {
		if string(agentrt[key]) != string(runc[key]) {
			t.Errorf("features %s: got %s, want %s as from runc", key, agentrt[key], runc[key])
		}
	}
	var annotations map[string]string
	if err := json.Unmarshal(agentrt["annotations"], &annotations); err != nil {
		t.Fatalf("features annotations: %v", err)
	}
	read := strings.Split(annotations["io.github.agentrt.annotations"], ",")
	if !slices.Contains(read, "agentrt.io/profile") {
		t.Errorf("annotation io.github.agentrt.annotations is %q, want a list with agentrt.io/profile", annotations["io.github.agentrt.annotations"])
	}
	for _, a := range read {
		if !strings.HasPrefix(a, "agentrt.io/") {
			t.Errorf("io.github.agentrt.annotations names %q, want only agentrt.io/ annotations", a)
		}
	}
}

// TestSpec writes starter specs and compares them with runc's byte for
// byte.
func TestSpec(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
	}{
		{"spec --bundle DIR", nil},
		{"spec --rootless --bundle DIR", []string{"--rootless"}},
		{"spec -b DIR", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parity(t, sleeper, func(s *session) {
				args := append(append([]string{"spec"}, tc.flags...), "--bundle", s.dir)
				expectCode(s.t, s.run(args...), 0)
				s.observe("config.json", readFileString(s.t, filepath.Join(s.dir, "config.json")))
				// An existing config.json is never overwritten.
				expectCode(s.t, s.run(args...), 1)
			})
		})
	}
	t.Run("spec (in the working directory)", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			cmd := s.command("spec")
			cmd.Dir = s.dir
			res := startCommand(s.t, cmd).wait(s.t)
			s.record("spec", res, res.Stdout)
			expectCode(s.t, res, 0)
			s.observe("config.json", readFileString(s.t, filepath.Join(s.dir, "config.json")))
		})
	})
	t.Run("spec --bundle /nonexistent", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			expectCode(s.t, s.run("spec", "--bundle", filepath.Join(s.dir, "nonexistent")), 1)
		})
	})
}

// TestVersion checks the --version lines: agentrt's own version first,
// then the spec version as runc prints it.
func TestVersion(t *testing.T) {
	testenv.RequireRoot(t)
	runcSpec := specLine(t, testenv.Runc(t).MustRun(t, "--version").Stdout)
	for _, flag := range []string{"--version", "-v"} {
		t.Run("agentrt "+flag, func(t *testing.T) {
			out := testenv.Agentrt(t).MustRun(t, flag).Stdout
			lines := strings.Split(out, "\n")
			first := strings.Fields(lines[0])
			if len(first) != 3 || first[0] != "agentrt" || first[1] != "version" {
				t.Errorf("first line %q, want \"agentrt version X\"", lines[0])
			}
			if got := specLine(t, out); got != runcSpec {
				t.Errorf("got %q, want %q as from runc", got, runcSpec)
			}
			if len(lines) < 2 || !strings.HasPrefix(lines[1], "spec: ") && !strings.HasPrefix(lines[1], "commit: ") {
				t.Errorf("second line %q, want the commit or the spec version", lines[1])
			}
		})
	}
}

// specLine returns the "spec: …" line of --version output.
func specLine(t testing.TB, out string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "spec: ") {
			return line
		}
	}
	t.Errorf("no spec line in --version output %q", out)
	return ""
}

// TestCheckpoint checks that checkpoint and restore are refused clearly
// and leave the container as it was.
func TestCheckpoint(t *testing.T) {
	tests := []struct {
		name string
		args []string // with ID for the container id
	}{
		{"checkpoint ID", []string{"checkpoint", "ID"}},
		{"checkpoint --image-path DIR --leave-running ID", []string{"checkpoint", "--image-path", "DIR", "--leave-running", "ID"}},
		{"restore ID", []string{"restore", "ID"}},
		{"restore --bundle BUNDLE --image-path DIR ID", []string{"restore", "--bundle", "BUNDLE", "--image-path", "DIR", "ID"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			testenv.RequireRoot(t)
			rt := testenv.Agentrt(t)
			b := testenv.NewBundle(t, testenv.BusyboxRootfs(t), "sleep", "100")
			rt.MustRun(t, "run", "-d", "--bundle", b.Dir, b.ID)
			r := strings.NewReplacer("ID", b.ID, "BUNDLE", b.Dir, "DIR", t.TempDir())
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = r.Replace(a)
			}
			res := rt.Run(t, args...)
			if res.ExitCode != 1 || !strings.Contains(res.Stderr, tc.args[0]) || !strings.Contains(res.Stderr, "not supported") {
				t.Errorf("got %s\nwant exit status 1 and an error naming %q as not supported", res, tc.args[0])
			}
			if st := stateOf(t, rt, b.ID); st.Status != "running" {
				t.Errorf("after %s: container is %s, want running", tc.args[0], st.Status)
			}
			rt.MustRun(t, "delete", "--force", b.ID)
			testenv.AssertNoLeaks(t, rt.Root, b.ID)
		})
	}
}

// logLine is one line of a JSON log.
type logLine struct {
	Level string `json:"level"`
	Msg   string `json:"msg"`
}

// readJSONLog decodes every line of a --log-format json log, failing the
// test for a line that is not JSON.
func readJSONLog(t testing.TB, path string) []logLine {
	t.Helper()
	var lines []logLine
	for _, l := range strings.Split(strings.TrimSpace(readFileString(t, path)), "\n") {
		var ll logLine
		if err := json.Unmarshal([]byte(l), &ll); err != nil {
			t.Errorf("log line %q is not JSON: %v", l, err)
			continue
		}
		lines = append(lines, ll)
	}
	return lines
}

// TestGlobalFlags covers the flags every command takes.
func TestGlobalFlags(t *testing.T) {
	t.Run("--root RELATIVE run -d ID", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			cmd := exec.Command(s.rt.Bin, "--root", "relative-root", "run", "-d", "--bundle", s.b.Dir, s.id)
			cmd.Dir = s.dir
			res := startCommand(s.t, cmd).wait(s.t)
			s.record("--root relative-root run -d --bundle BUNDLE ID", res, "")
			mustCode(s.t, res, 0)
			rel := &testenv.Runtime{Name: s.rt.Name, Bin: s.rt.Bin, Root: filepath.Join(s.dir, "relative-root")}
			if _, err := os.Stat(filepath.Join(rel.Root, s.id)); err != nil {
				s.t.Errorf("no state under the relative root: %v", err)
			}
			expectCode(s.t, s.run("state", s.id), 1)
			expectCode(s.t, rel.Run(s.t, "delete", "--force", s.id), 0)
			testenv.AssertNoLeaks(s.t, rel.Root, s.id)
		})
	})
	t.Run("--log FILE --log-format json create ID (no config.json)", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			os.Remove(s.b.ConfigPath())
			log := s.path("log.json")
			res := s.run("--log", log, "--log-format", "json", "create", "--bundle", s.b.Dir, s.id)
			expectCode(s.t, res, 1)
			var errs []logLine
			for _, l := range readJSONLog(s.t, log) {
				if l.Level == "error" {
					errs = append(errs, l)
				}
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Msg, "config.json") {
				s.t.Fatalf("log has error lines %+v, want one naming config.json", errs)
			}
			if n := strings.Count(res.Stderr, errs[0].Msg); n != 1 {
				s.t.Errorf("stderr has the error %d times, want once:\n%s", n, res.Stderr)
			}
			s.observe("error lines in the log", strconv.Itoa(len(errs)))
			s.observe("stderr lines", strconv.Itoa(strings.Count(strings.TrimSpace(res.Stderr), "\n")+1))
			expectCode(s.t, s.run("state", s.id), 1)
		})
	})
	t.Run("--log FILE create ID (text, no config.json)", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			os.Remove(s.b.ConfigPath())
			log := s.path("log.txt")
			res := s.run("--log", log, "create", "--bundle", s.b.Dir, s.id)
			expectCode(s.t, res, 1)
			text := readFileString(s.t, log)
			if n := strings.Count(text, "level=error"); n != 1 || !strings.Contains(text, "config.json") {
				s.t.Errorf("log has %d error lines, want one naming config.json:\n%s", n, text)
			}
			if n := strings.Count(strings.TrimSpace(res.Stderr), "\n") + 1; n != 1 || !strings.Contains(res.Stderr, "config.json") {
				s.t.Errorf("stderr has %d lines, want one naming config.json:\n%s", n, res.Stderr)
			}
		})
	})
	t.Run("--debug --log FILE --log-format json run ID", func(t *testing.T) {
		parity(t, busybox("sh", "-c", "exit 3"), func(s *session) {
			log := s.path("log.json")
			expectCode(s.t, s.run("--debug", "--log", log, "--log-format", "json", "run", "--bundle", s.b.Dir, s.id), 3)
			debug := slices.ContainsFunc(readJSONLog(s.t, log), func(l logLine) bool { return l.Level == "debug" })
			if !debug {
				s.t.Errorf("no debug line in the log")
			}
			s.observe("debug lines in the log", strconv.FormatBool(debug))
		})
	})
	t.Run("--debug run ID", func(t *testing.T) {
		parity(t, busybox("sh", "-c", "exit 3"), func(s *session) {
			res := s.run("--debug", "run", "--bundle", s.b.Dir, s.id)
			expectCode(s.t, res, 3)
			if !strings.Contains(res.Stderr, "level=debug") {
				s.t.Errorf("stderr has no debug line:\n%s", res.Stderr)
			}
		})
	})
	t.Run("--systemd-cgroup run ID", func(t *testing.T) {
		parity(t, busybox("true"), func(s *session) {
			res := s.run("--systemd-cgroup", "run", "--bundle", s.b.Dir, s.id)
			expectCode(s.t, res, 1)
			if !strings.Contains(res.Stderr, "systemd") {
				s.t.Errorf("stderr does not name systemd:\n%s", res.Stderr)
			}
			s.expectNames(res, "--systemd-cgroup", "not supported")
			expectCode(s.t, s.run("state", s.id), 1)
		})
	})
	for _, v := range []string{"true", "false", "auto"} {
		t.Run("--rootless "+v+" run ID", func(t *testing.T) {
			parity(t, busybox("sh", "-c", "exit 3"), func(s *session) {
				expectCode(s.t, s.run("--rootless", v, "run", "--bundle", s.b.Dir, s.id), 3)
			})
		})
	}
	t.Run("--log-format xml list", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			expectCode(s.t, s.run("--log-format", "xml", "list"), 1)
		})
	})
	// runc 1.5.3 no longer has --criu; agentrt keeps it so that engines
	// written for older runc versions still start it.
	t.Run("agentrt --criu PATH list", func(t *testing.T) {
		testenv.RequireRoot(t)
		rt := testenv.Agentrt(t)
		if err := os.MkdirAll(rt.Root, 0o700); err != nil {
			t.Fatal(err)
		}
		res := rt.Run(t, "--criu", "/usr/sbin/criu", "list", "--format", "json")
		if res.ExitCode != 0 || strings.TrimSpace(res.Stdout) != "null" {
			t.Errorf("got %s\nwant exit status 0 and an empty list (null)", res)
		}
	})
}
