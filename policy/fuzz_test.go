package policy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzLoadConfig feeds arbitrary documents to the config parser. It must
// never panic; a config it accepts must resolve without requests, must
// resolve or fail cleanly with a request for each of its profiles, and
// must survive a TOML round trip unchanged.
func FuzzLoadConfig(f *testing.F) {
	f.Add(DefaultTOML())
	f.Add(ExampleTOML())
	f.Add([]byte(minimalConfig))
	f.Add([]byte(minimalConfig + "[[images]]\nmatch = \"a/*\"\nprofile = \"agent\"\n"))
	f.Add([]byte(minimalConfig + "[profiles.agent.ceiling.network]\negress = \"open\"\nallow = [\"*:443\", \"10.0.0.0/8\"]\n"))
	f.Add([]byte("version = 1\nversion = 2\n"))
	f.Add([]byte("[profiles.a.defaults.filesystem]\nwritable = [\"/../x\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data, "fuzz.toml")
		if err != nil {
			return
		}
		res, err := Resolve(cfg, Input{})
		if err != nil {
			t.Fatalf("accepted config does not resolve without requests: %v", err)
		}
		if res.Policy.Profile != cfg.DefaultProfile {
			t.Fatalf("got profile %q without requests, want default_profile %q", res.Policy.Profile, cfg.DefaultProfile)
		}
		for _, name := range cfg.ProfileNames() {
			req := &Request{Channel: ChannelAnnotation, Source: "fuzz", Profile: name, Mode: ptr(ModeAudit)}
			if res, err := Resolve(cfg, Input{Requests: []*Request{req}}); err == nil && res.Hash == "" {
				t.Fatalf("profile %q resolved without a hash", name)
			}
		}
		checkRoundTrip(t, cfg)
	})
}

func checkRoundTrip(t *testing.T, cfg *Config) {
	b, err := encodeTOML(cfg)
	if err != nil {
		t.Fatalf("encode an accepted config: %v", err)
	}
	again, err := ParseConfig(b, "again.toml")
	if err != nil {
		t.Fatalf("re-read an encoded config: %v\n%s", err, b)
	}
	if diff := cmp.Diff(cfg, again); diff != "" {
		t.Fatalf("round trip changed the config (-before +after):\n%s", diff)
	}
}
