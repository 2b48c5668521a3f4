package policy

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite config.toml.example from the Config struct")

// exampleFile is config.toml.example at the repository root.
const exampleFile = "../config.toml.example"

func TestConfigExampleUpToDate(t *testing.T) {
	want := ExampleTOML()
	if *update {
		if err := os.WriteFile(exampleFile, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatalf("%v (run go test ./policy -run TestConfigExampleUpToDate -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("config.toml.example is stale; run go test ./policy -run TestConfigExampleUpToDate -update\n(-generated +file):\n%s", diff)
	}
	if err := CheckConfig(got, exampleFile); err != nil {
		t.Errorf("config.toml.example does not check: %v", err)
	}
}

func TestDefaultTOMLRoundTrip(t *testing.T) {
	got, err := ParseConfig(DefaultTOML(), "default.toml")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(DefaultConfig(), got); diff != "" {
		t.Errorf("DefaultTOML does not decode to DefaultConfig (-want +got):\n%s", diff)
	}
}

func TestExampleImageRuleDecodes(t *testing.T) {
	// Uncommenting the example's image rule must give a valid config.
	var b strings.Builder
	inRule := false
	for line := range strings.Lines(string(ExampleTOML())) {
		inRule = inRule || line == "# [[images]]\n"
		if rest, _ := strings.CutPrefix(line, "# "); inRule && (strings.HasPrefix(rest, "[[") || strings.Contains(rest, " = ")) {
			line = rest
		}
		b.WriteString(line)
	}
	cfg, err := ParseConfig([]byte(b.String()), "example")
	if err != nil {
		t.Fatal(err)
	}
	want := []ImageRule{
		{Match: "registry.example.com/agents/*", Profile: "agent"},
		{Digest: "sha256:" + strings.Repeat("0", 64), Profile: "agent"},
	}
	if diff := cmp.Diff(want, cfg.Images); diff != "" {
		t.Errorf("images mismatch (-want +got):\n%s", diff)
	}
}

const minimalConfig = `version = 1
default_profile = "agent"

[profiles.agent.defaults]
mode = "enforce"
`

func TestParseConfigMinimal(t *testing.T) {
	cfg, err := ParseConfig([]byte(minimalConfig), "minimal.toml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OnExceed != OnExceedReject || cfg.AuditLog != DefaultAuditLog {
		t.Errorf("got on_exceed %q, audit_log %q; want %q, %q", cfg.OnExceed, cfg.AuditLog, OnExceedReject, DefaultAuditLog)
	}
	if diff := cmp.Diff(Channels(), cfg.TrustedChannels); diff != "" {
		t.Errorf("omitted trusted_channels (-want +got):\n%s", diff)
	}
	p := cfg.Profiles["agent"].Defaults
	if p.Network.Egress != EgressNone || p.Process.Seccomp != SeccompAgent || !p.Process.NoNewPrivileges {
		t.Errorf("omitted fields not at their tightest: %+v", p)
	}
}

func TestParseConfigNoTrustedChannels(t *testing.T) {
	cfg, err := ParseConfig([]byte("trusted_channels = []\n"+minimalConfig), "c.toml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Trusts(ChannelAnnotation) {
		t.Error("trusted_channels = [] trusts the annotation channel, want no channel trusted")
	}
}

func TestCheckConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		// want lists substrings, each of which one error line must hold.
		want []string
	}{
		{"syntax", "version = 1\ndefault_profile = \n", []string{"c.toml:2: "}},
		{"unknown top-level key", "verzion = 1\n" + minimalConfig, []string{"c.toml:1: verzion: unknown key"}},
		{"unknown nested key", minimalConfig + "bogus = true\n",
			[]string{"c.toml:6: profiles.agent.defaults.bogus: unknown key"}},
		{"two unknown keys", minimalConfig + "[profiles.agent.ceiling]\nwide = 1\n[profiles.agent.ceiling.network]\nhosts = []\n",
			[]string{"c.toml:7: profiles.agent.ceiling.wide: unknown key", "c.toml:9: profiles.agent.ceiling.network.hosts: unknown key"}},
		{"wrong type", minimalConfig + "[profiles.agent.defaults.resources]\npids = \"many\"\n",
			[]string{"c.toml:7: profiles.agent.defaults.resources.pids: cannot decode TOML string into int64"}},
		{"bad destination", minimalConfig + "[profiles.agent.ceiling.network]\nallow = [\"*:443\", \"10.0.0.0/33\"]\n",
			[]string{"c.toml:7: profiles.agent.ceiling.network.allow", `CIDR "10.0.0.0/33"`}},
		{"missing version", strings.Replace(minimalConfig, "version = 1\n", "", 1),
			[]string{"c.toml: version: missing; this build reads version 1"}},
		{"future version", strings.Replace(minimalConfig, "version = 1", "version = 2", 1),
			[]string{`c.toml:1: version "2": unsupported config version`}},
		{"unknown default profile", strings.Replace(minimalConfig, `default_profile = "agent"`, `default_profile = "agnet"`, 1),
			[]string{`c.toml:2: default_profile "agnet": unknown profile; defined: ["agent"]`}},
		{"bad mode", strings.Replace(minimalConfig, `mode = "enforce"`, `mode = "strict"`, 1),
			[]string{`c.toml:5: profiles.agent.defaults.mode "strict": invalid value: want enforce, audit or off`}},
		{"bad ceiling mode", minimalConfig + "[profiles.agent.ceiling]\nmodes = [\"audit\", \"loose\"]\n",
			[]string{`c.toml:7: profiles.agent.ceiling.modes[1] "loose": invalid value`}},
		{"relative path", minimalConfig + "[profiles.agent.defaults.filesystem]\nwritable = [\n  \"/tmp\",\n  \"workspace\",\n]\n",
			[]string{`c.toml:9: profiles.agent.defaults.filesystem.writable[1] "workspace": path is not absolute`}},
		{"dot dot", minimalConfig + "[profiles.agent.ceiling.filesystem]\nwritable = [\"/home/../etc\"]\n",
			[]string{`c.toml:7: profiles.agent.ceiling.filesystem.writable[0] "/home/../etc": path contains ".."`}},
		{"NUL", minimalConfig + "[profiles.agent.defaults.filesystem]\nreadable = [\"/a\\u0000b\"]\n",
			[]string{`c.toml:7: profiles.agent.defaults.filesystem.readable[0] "/a\x00b": path contains a NUL byte`}},
		{"bad on_exceed", "on_exceed = \"warn\"\n" + minimalConfig, []string{`c.toml:1: on_exceed "warn": invalid value: want reject or clamp`}},
		{"bad channel", "trusted_channels = [\"label\"]\n" + minimalConfig,
			[]string{`c.toml:1: trusted_channels[0] "label": invalid value`}},
		{"relative audit log", "audit_log = \"audit.jsonl\"\n" + minimalConfig,
			[]string{`c.toml:1: audit_log "audit.jsonl": path is not absolute`}},
		{"image rule without profile", minimalConfig + "[[images]]\nmatch = \"a/*\"\n[[images]]\ndigest = \"sha256:abc\"\nprofile = \"agent\"\n",
			[]string{`c.toml:6: images[0].profile: unknown profile`, `c.toml:9: images[1].digest "sha256:abc": invalid value`}},
		{"image rule with both", minimalConfig + "[[images]]\nmatch = \"a/*\"\ndigest = \"sha256:abc\"\nprofile = \"agent\"\n",
			[]string{`c.toml:6: images[0]: want exactly one of match and digest`}},
		{"bad glob", minimalConfig + "[[images]]\nmatch = \"a/[\"\nprofile = \"agent\"\n",
			[]string{`c.toml:7: images[0].match "a/[": syntax error in pattern`}},
		{"bad capability", minimalConfig + "[profiles.agent.ceiling.process]\ncapabilities = [\"CAP_EVERYTHING\"]\n",
			[]string{`c.toml:7: profiles.agent.ceiling.process.capabilities[0] "CAP_EVERYTHING": invalid value`}},
		{"bad rlimit", minimalConfig + "[profiles.agent.defaults.process]\nrlimits = [{type = \"RLIMIT_NOFILE\", soft = 10, hard = 5}]\n",
			[]string{`c.toml:7: profiles.agent.defaults.process.rlimits[0].soft "10": invalid value: want at most hard`}},
		{"bad profile name", strings.Replace(minimalConfig, "agent.defaults", "Agent.defaults", 1) + "[profiles.agent]\n",
			[]string{`profiles.Agent "Agent": invalid value`}},
		{"negative limit", minimalConfig + "[profiles.agent.ceiling.resources]\npids = -1\n",
			[]string{`c.toml:7: profiles.agent.ceiling.resources.pids "-1": invalid value`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckConfig([]byte(tt.doc), "c.toml")
			if err == nil {
				t.Fatalf("CheckConfig: got no error, want %q", tt.want)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %v does not wrap ErrInvalidConfig", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got error\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}

func TestConfigErrorFields(t *testing.T) {
	err := CheckConfig([]byte(minimalConfig+"bogus = 1\n"), "c.toml")
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("got %T %v, want a *ConfigError", err, err)
	}
	if ce.Line != 6 || ce.Key != "profiles.agent.defaults.bogus" || !errors.Is(ce, ErrUnknownKey) {
		t.Errorf("got line %d key %q err %v; want line 6, key profiles.agent.defaults.bogus, ErrUnknownKey", ce.Line, ce.Key, ce.Err)
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(good, []byte(minimalConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	defaultConfigPath = filepath.Join(dir, "absent.toml")
	t.Cleanup(func() { defaultConfigPath = DefaultConfigPath })

	if cfg, err := LoadConfig(""); err != nil || !cmp.Equal(cfg, DefaultConfig()) {
		t.Errorf("LoadConfig(\"\") with no file at the default path: got %v, %v; want the embedded default", cfg, err)
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.toml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadConfig of an explicit missing file: got %v, want fs.ErrNotExist", err)
	}
	if cfg, err := LoadConfig(good); err != nil || cfg.DefaultProfile != "agent" {
		t.Errorf("LoadConfig(%q): got %v, %v", good, cfg, err)
	}
}

func TestLoadConfigFromFlag(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "env.toml")
	if err := os.WriteFile(file, []byte(minimalConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	defaultConfigPath = filepath.Join(dir, "absent.toml")
	t.Cleanup(func() { defaultConfigPath = DefaultConfigPath })
	tests := []struct {
		name     string
		flag     string
		env      string
		wantPath string
		wantErr  error
	}{
		{"embedded default", "", "", "", nil},
		{"env", "", file, file, nil},
		{"flag beats env", filepath.Join(dir, "nope.toml"), file, "", fs.ErrNotExist},
		{"flag", file, "", file, nil},
		{"env names a missing file", "", filepath.Join(dir, "nope.toml"), "", fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(ConfigPathEnv, tt.env)
			cfg, path, err := LoadConfigFromFlag(tt.flag)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("got error %v, want %v", err, tt.wantErr)
			}
			if err == nil && (path != tt.wantPath || cfg == nil) {
				t.Errorf("got path %q, want %q", path, tt.wantPath)
			}
		})
	}
}
