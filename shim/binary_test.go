package shim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentrt/agentrt/policy"
)

// writeExecutable makes an empty executable file at dir/name.
func writeExecutable(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestBinaryPolicyResolve(t *testing.T) {
	dir := t.TempDir()
	agentrt := writeExecutable(t, dir, "agentrt")
	allowed := writeExecutable(t, dir, "runc")
	refused := writeExecutable(t, dir, "crun")
	link := filepath.Join(dir, "agentrt-link")
	if err := os.Symlink(agentrt, link); err != nil {
		t.Fatal(err)
	}
	cfg := policy.DefaultConfig()
	cfg.Shim.AllowedBinaries = []string{allowed}
	b := &binaryPolicy{
		findAgentrt: func() (string, error) { return agentrt, nil },
		loadConfig:  func() (*policy.Config, error) { return cfg, nil },
	}
	tests := []struct {
		name    string
		binary  string
		want    string
		other   bool
		wantErr string
	}{
		{"no BinaryName", "", agentrt, false, ""},
		{"agentrt itself", agentrt, agentrt, false, ""},
		{"agentrt through a symlink", link, agentrt, false, ""},
		{"allowed by the admin", allowed, allowed, true, ""},
		{"not allowed", refused, "", false, `runtime binary refused: runtime option BinaryName "` + refused + `"`},
		{"missing", filepath.Join(dir, "nope"), "", false, "runtime binary refused: BinaryName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, other, err := b.resolve(tt.binary)
			if tt.wantErr != "" {
				if !errors.Is(err, ErrBinaryRefused) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want ErrBinaryRefused containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want || other != tt.other {
				t.Errorf("got %q (other %v), %v; want %q (other %v)", got, other, err, tt.want, tt.other)
			}
		})
	}
}

func TestBinaryPolicyRefusalNamesAdminKey(t *testing.T) {
	dir := t.TempDir()
	refused := writeExecutable(t, dir, "crun")
	b := &binaryPolicy{
		findAgentrt: func() (string, error) { return "/usr/local/bin/agentrt", nil },
		loadConfig:  func() (*policy.Config, error) { return policy.DefaultConfig(), nil },
	}
	_, _, err := b.resolve(refused)
	for _, want := range []string{"shim.allowed_binaries", "/usr/local/bin/agentrt", refused} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got error %v, want it to name %q", err, want)
		}
	}
}

func TestBinaryPolicyNoAgentrt(t *testing.T) {
	b := &binaryPolicy{
		findAgentrt: func() (string, error) { return "", ErrAgentrtNotFound },
		loadConfig:  func() (*policy.Config, error) { return policy.DefaultConfig(), nil },
	}
	if _, _, err := b.resolve(""); !errors.Is(err, ErrAgentrtNotFound) {
		t.Errorf("got %v, want ErrAgentrtNotFound", err)
	}
}

func TestFindAgentrtOnPath(t *testing.T) {
	dir := t.TempDir()
	want := writeExecutable(t, dir, AgentrtBinary)
	t.Setenv("PATH", dir)
	// The test binary has no agentrt next to it, so PATH decides.
	got, err := findAgentrt()
	if err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := findAgentrt(); !errors.Is(err, ErrAgentrtNotFound) {
		t.Errorf("with no agentrt on PATH: got %v, want ErrAgentrtNotFound", err)
	}
}
