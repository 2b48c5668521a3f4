package testenv

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ReportAnnotation is the annotation agentrt adds to state with its
// enforcement report; runc has no such thing, so parity checks drop it.
const ReportAnnotation = "agentrt.io/report"

// placeholders replace the values of these keys wherever they appear in
// an object: they differ between runs and runtimes by nature.
var placeholders = map[string]string{
	"id":      "<id>",
	"created": "<created>",
	"bundle":  "<bundle>",
	"rootfs":  "<rootfs>",
}

// NormalizeJSON decodes the JSON output of `state`, `list --format json`
// or `ps --format json` and replaces what legitimately differs between two
// runs: ids, creation times, bundle and rootfs paths become placeholders,
// non-zero pids become "<pid>" (a zero pid, a stopped container, stays 0),
// a top-level array of numbers (ps) becomes an array of "<pid>", and the
// agentrt.io/report annotation is dropped, with the annotations object
// itself when nothing else is in it. Invalid JSON fails the test.
func NormalizeJSON(t testing.TB, raw string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatalf("decode runtime JSON %q: %v", raw, err)
	}
	return normalizeTop(v)
}

func normalizeTop(v any) any {
	if list, ok := v.([]any); ok && allNumbers(list) {
		out := make([]any, len(list))
		for i := range list {
			out[i] = "<pid>"
		}
		return out
	}
	return normalizeValue(v)
}

func allNumbers(list []any) bool {
	for _, x := range list {
		if _, ok := x.(float64); !ok {
			return false
		}
	}
	return len(list) > 0
}

func normalizeValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return normalizeObject(v)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalizeValue(x)
		}
		return out
	default:
		return v
	}
}

func normalizeObject(obj map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	for k, x := range obj {
		switch {
		case placeholders[k] != "":
			out[k] = placeholders[k]
		case k == "pid":
			out[k] = normalizePid(x)
		case k == "annotations":
			if a := dropReport(x); a != nil {
				out[k] = a
			}
		default:
			out[k] = normalizeValue(x)
		}
	}
	return out
}

func normalizePid(x any) any {
	if n, ok := x.(float64); ok && n == 0 {
		return x
	}
	return "<pid>"
}

// dropReport returns the annotations without ReportAnnotation, or nil when
// none are left.
func dropReport(x any) any {
	a, ok := x.(map[string]any)
	if !ok {
		return x
	}
	out := make(map[string]any, len(a))
	for k, v := range a {
		if k != ReportAnnotation {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// JSONDiff returns the cmp.Diff of two runtime JSON outputs after
// NormalizeJSON, empty when they match.
func JSONDiff(t testing.TB, want, got string) string {
	t.Helper()
	return cmp.Diff(NormalizeJSON(t, want), NormalizeJSON(t, got))
}

// AssertJSONParity fails the test when agentrt's JSON output (got) differs
// from runc's (want) beyond what NormalizeJSON replaces.
func AssertJSONParity(t testing.TB, what, want, got string) {
	t.Helper()
	if diff := JSONDiff(t, want, got); diff != "" {
		t.Errorf("%s differs from runc's (-runc +agentrt):\n%s", what, diff)
	}
}
