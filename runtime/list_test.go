package runtime

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestWriteListTable(t *testing.T) {
	created := time.Date(2026, 12, 4, 14, 28, 12, 858847588, time.UTC)
	tests := []struct {
		name   string
		states []ContainerState
		want   string
	}{
		{
			name: "empty",
			want: "ID          PID         STATUS      BUNDLE      CREATED     OWNER\n",
		},
		{
			// The layout runc 1.5.3 prints for the same containers.
			name: "two containers",
			states: []ContainerState{
				{ID: "r1", InitProcessPid: 24493, Status: "running", Bundle: "/tmp/rcmds/bundle", Created: created, Owner: "root"},
				{ID: "r3", Status: "stopped", Bundle: "/tmp/rcmds/bundle", Created: created.Add(time.Second), Owner: "#12345"},
			},
			want: "" +
				"ID          PID         STATUS      BUNDLE              CREATED                          OWNER\n" +
				"r1          24493       running     /tmp/rcmds/bundle   2026-12-04T14:28:12.858847588Z   root\n" +
				"r3          0           stopped     /tmp/rcmds/bundle   2026-12-04T14:28:13.858847588Z   #12345\n",
		},
		{
			name: "long id widens its column",
			states: []ContainerState{
				{ID: "a-container-id-longer-than-twelve", InitProcessPid: 1, Status: "paused", Bundle: "/b", Created: created, Owner: "root"},
			},
			want: "" +
				"ID                                  PID         STATUS      BUNDLE      CREATED                          OWNER\n" +
				"a-container-id-longer-than-twelve   1           paused      /b          2026-12-04T14:28:12.858847588Z   root\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := writeListTable(&b, tt.states); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestListWithoutContainers(t *testing.T) {
	empty := t.TempDir()
	missing := filepath.Join(empty, "missing")
	// A file is not a container and is skipped, as runc skips it.
	if err := os.WriteFile(filepath.Join(empty, "stray"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		root    string
		opts    ListOpts
		want    string
		wantErr string
	}{
		{name: "json of an empty root is null", root: empty, opts: ListOpts{Format: "json"}, want: "null\n"},
		{name: "quiet prints nothing", root: empty, opts: ListOpts{Format: "table", Quiet: true}, want: ""},
		{name: "quiet ignores the format", root: empty, opts: ListOpts{Format: "yaml", Quiet: true}, want: ""},
		{name: "bad format", root: empty, opts: ListOpts{Format: "yaml"}, wantErr: `invalid format option "yaml"`},
		{name: "missing default root", root: missing, opts: ListOpts{Format: "json", MissingRootOK: true}, want: "null\n"},
		{name: "missing --root", root: missing, opts: ListOpts{Format: "json"}, wantErr: "no such file or directory"},
		{name: "missing root before bad format", root: missing, opts: ListOpts{Format: "yaml"}, wantErr: "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := (&Runtime{Root: tt.root}).List(&b, tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if b.String() != tt.want {
				t.Errorf("got %q, want %q", b.String(), tt.want)
			}
		})
	}
}

// statInfo is a FileInfo whose owner is uid.
type statInfo struct {
	os.FileInfo
	uid uint32
}

func (s statInfo) Sys() any { return &syscall.Stat_t{Uid: s.uid} }

func TestOwnerName(t *testing.T) {
	tests := []struct {
		name string
		uid  uint32
		want string
	}{
		{name: "named user", uid: 0, want: "root"},
		{name: "uid without a name", uid: 3999999999, want: "#3999999999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ownerName(statInfo{uid: tt.uid}); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
