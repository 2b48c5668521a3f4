package testenv

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalizeJSON(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want any
	}{
		{
			name: "running state",
			raw: `{"ociVersion":"1.3.0","id":"c1","pid":6247,"status":"running",
				"bundle":"/tmp/b","rootfs":"/tmp/b/rootfs","created":"2026-12-04T14:22:42Z","owner":""}`,
			want: map[string]any{
				"ociVersion": "1.3.0", "id": "<id>", "pid": "<pid>", "status": "running",
				"bundle": "<bundle>", "rootfs": "<rootfs>", "created": "<created>", "owner": "",
			},
		},
		{
			name: "stopped state keeps pid 0",
			raw:  `{"id":"c1","pid":0,"status":"stopped"}`,
			want: map[string]any{"id": "<id>", "pid": float64(0), "status": "stopped"},
		},
		{
			name: "report annotation dropped with its empty object",
			raw:  `{"id":"c1","annotations":{"agentrt.io/report":"{}"}}`,
			want: map[string]any{"id": "<id>"},
		},
		{
			name: "other annotations kept",
			raw:  `{"id":"c1","annotations":{"agentrt.io/report":"{}","a":"b"}}`,
			want: map[string]any{"id": "<id>", "annotations": map[string]any{"a": "b"}},
		},
		{
			name: "list",
			raw:  `[{"id":"a","pid":1,"owner":"root"},{"id":"b","pid":0,"owner":"root"}]`,
			want: []any{
				map[string]any{"id": "<id>", "pid": "<pid>", "owner": "root"},
				map[string]any{"id": "<id>", "pid": float64(0), "owner": "root"},
			},
		},
		{
			name: "ps",
			raw:  `[6247, 6250]`,
			want: []any{"<pid>", "<pid>"},
		},
		{
			name: "empty list",
			raw:  `[]`,
			want: []any{},
		},
		{
			name: "null list",
			raw:  `null`,
			want: nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NormalizeJSON(t, tc.raw)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("NormalizeJSON(%s) mismatch (-want +got):\n%s", tc.raw, diff)
			}
		})
	}
}

func TestJSONDiff(t *testing.T) {
	tests := []struct {
		name      string
		want, got string
		same      bool
	}{
		{"different ids and pids", `{"id":"a","pid":1}`, `{"id":"b","pid":2}`, true},
		{"different status", `{"status":"running"}`, `{"status":"created"}`, false},
		{"extra field", `{"id":"a"}`, `{"id":"a","x":1}`, false},
		{"stopped against running pid", `{"pid":0}`, `{"pid":5}`, false},
		{"ps count", `[1,2]`, `[1]`, false},
		{"report only on one side", `{"id":"a"}`, `{"id":"a","annotations":{"agentrt.io/report":"x"}}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diff := JSONDiff(t, tc.want, tc.got)
			if got := diff == ""; got != tc.same {
				t.Errorf("JSONDiff(%s, %s) same = %v, want %v; diff:\n%s", tc.want, tc.got, got, tc.same, diff)
			}
		})
	}
}
