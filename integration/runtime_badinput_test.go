package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentrt/agentrt/integration/testenv"
)

// expectNames checks that agentrt's error names every one of what: the
// input it refused. runc's messages often do not, so only agentrt is held
// to it.
func (s *session) expectNames(res testenv.Result, what ...string) {
	s.t.Helper()
	if s.rt.Name != "agentrt" {
		return
	}
	// logrus quotes the message of a text log line, escaping its quotes.
	stderr := strings.ReplaceAll(res.Stderr, `\"`, `"`)
	for _, w := range what {
		if !strings.Contains(stderr, w) {
			s.t.Errorf("error does not name %q:\n%s", w, res.Stderr)
		}
	}
}

// malformedConfig has a syntax error at line 4, column 5.
const malformedConfig = "{\n  \"ociVersion\": \"1.0.0\",\n  \"process\": {\n    oops\n  }\n}\n"

// TestBadInput feeds each command input it must refuse. Every refusal is
// a clear error that names the input, with runc's exit status, and leaves
// nothing of the container behind (parity checks for leaks after each
// run).
func TestBadInput(t *testing.T) {
	createTests := []struct {
		name  string
		edit  func(s *session) // breaks the bundle
		flags []string         // create flags, with DIR for the session's directory
		names func(s *session) []string
	}{
		{
			name:  "create --bundle BUNDLE ID (no config.json)",
			edit:  func(s *session) { os.Remove(s.b.ConfigPath()) },
			names: func(s *session) []string { return []string{s.b.Dir, "config.json"} },
		},
		{
			name:  "create --bundle BUNDLE ID (malformed config.json)",
			edit:  func(s *session) { s.writeBundleFile("config.json", malformedConfig) },
			names: func(s *session) []string { return []string{s.b.ConfigPath(), "line 4, column 5"} },
		},
		{
			name: "create --bundle BUNDLE ID (config.json with a string where a number goes)",
			edit: func(s *session) {
				s.writeBundleFile("config.json", `{"ociVersion": "1.0.0", "process": {"user": {"uid": "0"}}}`)
			},
			names: func(s *session) []string { return []string{s.b.ConfigPath(), "uid"} },
		},
		{
			name:  "create --bundle BUNDLE ID (missing rootfs)",
			edit:  func(s *session) { s.b.Spec().Root.Path = "nonexistent-rootfs"; s.b.Save(s.t) },
			names: func(s *session) []string { return []string{"nonexistent-rootfs"} },
		},
		{
			name:  "create --console-socket /nonexistent ID",
			edit:  func(s *session) { s.b.Spec().Process.Terminal = true; s.b.Save(s.t) },
			flags: []string{"--console-socket", "DIR/nonexistent.sock"},
			names: func(s *session) []string {
				return []string{filepath.Join(s.dir, "nonexistent.sock")}
			},
		},
	}
	for _, tc := range createTests {
		t.Run(tc.name, func(t *testing.T) {
			parity(t, sleeper, func(s *session) {
				tc.edit(s)
				args := []string{"create", "--bundle", s.b.Dir}
				for _, f := range tc.flags {
					args = append(args, strings.ReplaceAll(f, "DIR", s.dir))
				}
				res := s.run(append(args, s.id)...)
				expectCode(s.t, res, 1)
				s.expectNames(res, tc.names(s)...)
				expectCode(s.t, s.run("state", s.id), 1)
			})
		})
	}
	t.Run("create --bundle BUNDLE ID (duplicate id)", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			mustCode(s.t, s.run("create", "--bundle", s.b.Dir, s.id), 0)
			res := s.run("create", "--bundle", s.b.Dir, s.id)
			expectCode(s.t, res, 1)
			s.expectNames(res, s.id, "exists")
			// The first container is untouched.
			s.json("state", s.id)
			s.deleteGone()
		})
	})
	badIDs := []struct {
		name string
		id   func(id string) string
	}{
		{"create --bundle BUNDLE ID/x", func(id string) string { return id + "/x" }},
		{"create --bundle BUNDLE ../ID", func(id string) string { return "../" + id }},
		{"create --bundle BUNDLE ..", func(string) string { return ".." }},
		{"create --bundle BUNDLE .", func(string) string { return "." }},
		{"create --bundle BUNDLE ''", func(string) string { return "" }},
	}
	for _, tc := range badIDs {
		t.Run(tc.name, func(t *testing.T) {
			parity(t, sleeper, func(s *session) {
				bad := tc.id(s.id)
				res := s.run("create", "--bundle", s.b.Dir, bad)
				expectCode(s.t, res, 1)
				if bad != "" {
					s.expectNames(res, `"`+bad+`"`)
				}
				entries, _ := os.ReadDir(s.rt.Root)
				for _, e := range entries {
					s.t.Errorf("refused id %q left %q in the root", bad, e.Name())
				}
				outside := filepath.Join(filepath.Dir(s.rt.Root), s.id)
				if _, err := os.Lstat(outside); err == nil {
					s.t.Errorf("refused id %q left %q outside the root", bad, outside)
				}
			})
		})
	}
	t.Run("exec --process FILE ID (unparsable)", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			file := s.writeFile("process.json", `{"args": ["true"],`)
			res := s.run("exec", "--process", file, s.id)
			expectCode(s.t, res, 255)
			s.expectNames(res, file)
			res = s.run("exec", "--process", s.path("missing.json"), s.id)
			expectCode(s.t, res, 255)
			s.expectNames(res, s.path("missing.json"))
			s.json("ps", "--format", "json", s.id)
			s.deleteGone("--force")
		})
	})
	t.Run("start ID (running)", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			res := s.run("start", s.id)
			expectCode(s.t, res, 1)
			s.expectNames(res, s.id, "running")
			s.json("state", s.id)
			s.deleteGone("--force")
		})
	})
	t.Run("start ID (stopped)", func(t *testing.T) {
		parity(t, busybox("true"), func(s *session) {
			s.runDetached()
			waitStatus(s.t, s.rt, s.id, "stopped")
			res := s.run("start", s.id)
			expectCode(s.t, res, 1)
			s.expectNames(res, s.id, "stopped")
			s.deleteGone()
		})
	})
	t.Run("kill ID (stopped)", func(t *testing.T) {
		parity(t, busybox("true"), func(s *session) {
			s.runDetached()
			waitStatus(s.t, s.rt, s.id, "stopped")
			res := s.run("kill", s.id, "KILL")
			expectCode(s.t, res, 1)
			s.expectNames(res, s.id, "not running")
			// --all accepts a container that has stopped.
			expectCode(s.t, s.run("kill", "--all", s.id, "KILL"), 0)
			s.deleteGone()
		})
	})
	t.Run("kill ID NOSIG", func(t *testing.T) {
		parity(t, sleeper, func(s *session) {
			s.runDetached()
			res := s.run("kill", s.id, "NOSIG")
			expectCode(s.t, res, 1)
			s.expectNames(res, "NOSIG")
			s.json("state", s.id)
			s.deleteGone("--force")
		})
	})
	missing := []struct {
		name string
		args []string
		want int
	}{
		{"state nosuch", []string{"state", "nosuch"}, 1},
		{"start nosuch", []string{"start", "nosuch"}, 1},
		{"kill nosuch", []string{"kill", "nosuch"}, 1},
		{"delete nosuch", []string{"delete", "nosuch"}, 1},
		{"delete --force nosuch", []string{"delete", "--force", "nosuch"}, 0},
		{"exec nosuch true", []string{"exec", "nosuch", "true"}, 255},
		{"pause nosuch", []string{"pause", "nosuch"}, 1},
		{"ps nosuch", []string{"ps", "nosuch"}, 1},
		{"events --stats nosuch", []string{"events", "--stats", "nosuch"}, 1},
		{"update --pids-limit 10 nosuch", []string{"update", "--pids-limit", "10", "nosuch"}, 1},
	}
	for _, tc := range missing {
		t.Run(tc.name, func(t *testing.T) {
			parity(t, sleeper, func(s *session) {
				if err := os.MkdirAll(s.rt.Root, 0o700); err != nil {
					s.t.Fatal(err)
				}
				res := s.run(withNosuch(tc.args, s.id)...)
				expectCode(s.t, res, tc.want)
				if tc.want != 0 {
					s.expectNames(res, s.id, "does not exist")
				}
			})
		})
	}
}

// withNosuch replaces "nosuch" in args with id, an id no container has.
func withNosuch(args []string, id string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if a == "nosuch" {
			out[i] = id
		}
	}
	return out
}

// writeBundleFile replaces a file of the bundle.
func (s *session) writeBundleFile(name, content string) {
	s.t.Helper()
	if err := os.WriteFile(filepath.Join(s.b.Dir, name), []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
}
