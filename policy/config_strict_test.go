package policy

import "testing"

// TestPartialProfileKeepsStrictDefaults: a key left out of a profile's
// defaults keeps the embedded default's strict value, never the zero
// value that would turn that part of the sandbox off.
func TestPartialProfileKeepsStrictDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte(`version = 1
default_profile = "agent"
[profiles.agent.defaults.network]
egress = "none"
`), "partial.toml")
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Profiles["agent"].Defaults
	strict := agentDefaults()
	checks := []struct {
		name      string
		got, want any
	}{
		{"filesystem.read_only_rootfs", d.Filesystem.ReadOnlyRootfs, true},
		{"filesystem.writable", len(d.Filesystem.Writable), len(strict.Filesystem.Writable)},
		{"filesystem.executable", len(d.Filesystem.Executable), len(strict.Filesystem.Executable)},
		{"resources.pids", d.Resources.Pids, strict.Resources.Pids},
		{"landlock.min_abi", d.Landlock.MinABI, strict.Landlock.MinABI},
		{"process.seccomp", d.Process.Seccomp, SeccompAgent},
		{"mode", d.Mode, ModeEnforce},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
}

// TestExplicitValuesOverrideStrictDefaults: what the admin writes wins.
func TestExplicitValuesOverrideStrictDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte(`version = 1
default_profile = "dev"
[profiles.dev.defaults.filesystem]
read_only_rootfs = false
writable = []
`), "explicit.toml")
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Profiles["dev"].Defaults
	if d.Filesystem.ReadOnlyRootfs || len(d.Filesystem.Writable) != 0 {
		t.Errorf("got read_only_rootfs %v, writable %q; want false and none", d.Filesystem.ReadOnlyRootfs, d.Filesystem.Writable)
	}
}
