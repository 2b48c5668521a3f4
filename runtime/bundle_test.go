package runtime

import (
	"encoding/json"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestDescribeJSONError(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"invalid character on line 1", `{"a" x}`, "line 1, column 6: "},
		{"invalid character on a later line", "{\n  \"a\": 1,\n    oops\n}", "line 3, column 5: "},
		{"invalid last byte", `{x`, "line 1, column 2: "},
		{"end of input", "{\"args\": [\n", "line 2, column 1: "},
		{"wrong type", `{"ociVersion": 1}`, "field ociVersion: cannot use a JSON number as string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s specs.Spec
			err := json.Unmarshal([]byte(tc.data), &s)
			if err == nil {
				t.Fatalf("json.Unmarshal(%q): got no error", tc.data)
			}
			got := describeJSONError([]byte(tc.data), err).Error()
			if !strings.Contains(got, tc.want) {
				t.Errorf("describeJSONError(%q): got %q, want it to contain %q", tc.data, got, tc.want)
			}
		})
	}
}

func TestValidateSpecRefusesHostRoot(t *testing.T) {
	for _, root := range []string{"/", "/.", "//"} {
		s := &specs.Spec{Root: &specs.Root{Path: root}, Linux: &specs.Linux{},
			Process: &specs.Process{Args: []string{"true"}, Cwd: "/"}}
		err := validateSpec(t.TempDir(), s)
		if err == nil || !strings.Contains(err.Error(), "host's root filesystem") {
			t.Errorf("root.path %q: got %v, want a refusal naming the host's root", root, err)
		}
	}
}
