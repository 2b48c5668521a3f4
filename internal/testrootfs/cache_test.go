package testrootfs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCached(t *testing.T) {
	cache := t.TempDir()
	builds := 0
	build := func(dir string) error {
		builds++
		return os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644)
	}
	for i := 0; i < 2; i++ {
		got, err := Cached(cache, "tree", build)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(cache, "tree"); got != want {
			t.Errorf("Cached returned %q, want %q", got, want)
		}
	}
	if builds != 1 {
		t.Errorf("got %d builds, want 1", builds)
	}
	if _, err := os.Stat(filepath.Join(cache, "tree", "f")); err != nil {
		t.Errorf("built file missing: %v", err)
	}
}

func TestCachedFailedBuild(t *testing.T) {
	cache := t.TempDir()
	// A tree without its marker is what an interrupted build leaves.
	if err := os.MkdirAll(filepath.Join(cache, "tree", "stale"), 0o755); err != nil {
		t.Fatal(err)
	}
	errBuild := errors.New("boom")
	if _, err := Cached(cache, "tree", func(string) error { return errBuild }); !errors.Is(err, errBuild) {
		t.Errorf("got error %v, want %v", err, errBuild)
	}
	left, _ := filepath.Glob(filepath.Join(cache, "tree*"))
	if len(left) != 1 || filepath.Base(left[0]) != "tree.lock" {
		t.Errorf("failed build left %q, want only tree.lock", left)
	}
	got, err := Cached(cache, "tree", func(string) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(got, "stale")); err == nil {
		t.Errorf("stale content survived a rebuild")
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "/a/b", "/a/b"},
		{"space", `/a\040b`, "/a b"},
		{"tab and newline", `\011x\012`, "\tx\n"},
		{"backslash", `a\134b`, `a\b`},
		{"not an escape", `a\9`, `a\9`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := UnescapeMountinfo(tc.in); got != tc.want {
				t.Errorf("UnescapeMountinfo(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
