package landlock

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalize(t *testing.T) {
	rs := &Ruleset{
		Rules: []Rule{
			{Path: "/usr/bin/", Access: Read | Execute, Optional: true},
			{Path: "/tmp", Access: Read},
			{Path: "/tmp/", Access: Write, Optional: true},
			{Path: "/usr/bin", Access: Read},
		},
		ConnectTCP: []PortRange{{443, 443}, {80, 80}, {81, 90}, {8080, 8000}, {443, 443}},
		BindTCP:    []PortRange{{1, 65535}, {22, 22}},
	}
	rs.Normalize()
	want := &Ruleset{
		Rules: []Rule{
			{Path: "/tmp", Access: Read | Write},
			{Path: "/usr/bin", Access: Read | Execute},
		},
		ConnectTCP: []PortRange{{80, 90}, {443, 443}, {8000, 8080}},
		BindTCP:    []PortRange{{1, 65535}},
	}
	if diff := cmp.Diff(want, rs); diff != "" {
		t.Errorf("normalized ruleset (-want +got):\n%s", diff)
	}
}

func TestSplitExecute(t *testing.T) {
	tests := []struct {
		name  string
		rules []Rule
		want  map[string][]string // rule path → ExceptExecute
	}{
		{
			name: "executable root above writable paths",
			rules: []Rule{
				{Path: "/", Access: Read | Execute},
				{Path: "/tmp", Access: Read | Write},
				{Path: "/workspace/out", Access: Read | Write},
			},
			want: map[string][]string{"/": {"/tmp", "/workspace/out"}},
		},
		{
			name: "writable-executable path is not excepted",
			rules: []Rule{
				{Path: "/", Access: Read | Execute},
				{Path: "/workspace", Access: Read | Write | Execute},
			},
			want: map[string][]string{},
		},
		{
			name: "sibling directories are left alone",
			rules: []Rule{
				{Path: "/usr/bin", Access: Read | Execute},
				{Path: "/usr/binaries", Access: Read | Write},
				{Path: "/tmp", Access: Read | Write},
			},
			want: map[string][]string{},
		},
		{
			name: "nested executable rules",
			rules: []Rule{
				{Path: "/opt", Access: Read | Execute},
				{Path: "/opt/app", Access: Read | Execute},
				{Path: "/opt/app/cache", Access: Read | Write},
			},
			want: map[string][]string{"/opt": {"/opt/app/cache"}, "/opt/app": {"/opt/app/cache"}},
		},
		{
			name: "writable files count",
			rules: []Rule{
				{Path: "/dev", Access: Read | Execute},
				{Path: "/dev/null", Access: Read | Write},
			},
			want: map[string][]string{"/dev": {"/dev/null"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs := &Ruleset{Rules: tc.rules}
			rs.Normalize()
			got := map[string][]string{}
			for _, r := range rs.Rules {
				if len(r.ExceptExecute) > 0 {
					got[r.Path] = r.ExceptExecute
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ExceptExecute by rule (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		rs      Ruleset
		wantErr string
	}{
		{"valid", Ruleset{Rules: []Rule{{Path: "/tmp", Access: Read}}, ConnectTCP: []PortRange{{80, 80}}}, ""},
		{"relative path", Ruleset{Rules: []Rule{{Path: "tmp", Access: Read}}}, `path "tmp" must be absolute`},
		{"no rights", Ruleset{Rules: []Rule{{Path: "/tmp"}}}, `path "/tmp" grants no rights`},
		{"reversed range", Ruleset{BindTCP: []PortRange{{90, 80}}}, "landlock bindTCP[0]: range 90-80 is reversed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.rs.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("got error %v, want none", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("got error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestAccessString(t *testing.T) {
	tests := []struct {
		name string
		a    Access
		want string
	}{
		{"none", 0, "----"},
		{"read execute", Read | Execute, "r-x-"},
		{"all", Read | Write | Execute | Device, "rwxd"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
