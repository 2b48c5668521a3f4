package runtime

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/runc/libcontainer/specconv"
)

func TestWriteSpec(t *testing.T) {
	for _, rootless := range []bool{false, true} {
		name := map[bool]string{false: "default", true: "rootless"}[rootless]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := WriteSpec(dir, rootless); err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			got, err := os.ReadFile(filepath.Join(dir, "config.json"))
			if err != nil {
				t.Fatal(err)
			}
			s := specconv.Example()
			if rootless {
				specconv.ToRootless(s)
			}
			// runc writes the example tab-indented, without a final newline.
			want, err := json.MarshalIndent(s, "", "\t")
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("got config.json\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestWriteSpecRefuses(t *testing.T) {
	exists := t.TempDir()
	if err := os.WriteFile(filepath.Join(exists, "config.json"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	dangling := t.TempDir()
	target := filepath.Join(t.TempDir(), "target")
	if err := os.Symlink(target, filepath.Join(dangling, "config.json")); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, bundle, want string
	}{
		{"existing config.json", exists, "exists: remove it first"},
		{"dangling symlink", dangling, "exists: remove it first"},
		{"missing bundle", filepath.Join(exists, "missing"), "no such file or directory"},
		{"bundle is a file", file, "is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteSpec(tt.bundle, false)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if data, _ := os.ReadFile(filepath.Join(exists, "config.json")); string(data) != "mine" {
		t.Errorf("got config.json %q after a refusal, want it untouched", data)
	}
	if _, err := os.Lstat(target); !os.IsNotExist(err) {
		t.Errorf("got %v for the symlink's target, want it not created", err)
	}
}
