package policy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseConfigShim(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		want    []string
		wantErr string
	}{
		{"omitted", minimalConfig, nil, ""},
		{"empty", minimalConfig + "[shim]\nallowed_binaries = []\n", nil, ""},
		{"cleaned and sorted", minimalConfig + "[shim]\nallowed_binaries = [\"/usr/local/bin/runc\", \"/opt/agentrt//bin/agentrt\"]\n",
			[]string{"/opt/agentrt/bin/agentrt", "/usr/local/bin/runc"}, ""},
		{"relative", minimalConfig + "[shim]\nallowed_binaries = [\"runc\"]\n",
			nil, `c.toml:7: shim.allowed_binaries[0] "runc": path is not absolute`},
		{"unknown key", minimalConfig + "[shim]\nbinaries = []\n",
			nil, "c.toml:7: shim.binaries: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(tt.doc), "c.toml")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, cfg.Shim.AllowedBinaries); diff != "" {
				t.Errorf("shim.allowed_binaries (-want +got):\n%s", diff)
			}
		})
	}
}
