package testrootfs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDebianMirror(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		want    string
		wantErr bool
	}{
		{
			name: "deb822 with security and a comment",
			files: map[string]string{"sources.list.d/debian.sources": `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
`},
			want: "http://mirror.example/debian",
		},
		{
			name: "one-line with options, security first",
			files: map[string]string{"sources.list": `# comment
deb http://security.example/debian-security bookworm-security main
deb [arch=amd64 signed-by=/k.gpg] http://one.example/debian bookworm main contrib
`},
			want: "http://one.example/debian",
		},
		{
			name: "disabled stanza and deb-src skipped",
			files: map[string]string{"sources.list.d/a.sources": `Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main

Enabled: no
Types: deb
URIs: http://off.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: https://on.example/debian
Suites: bookworm
Components: main
`},
			want: "https://on.example/debian",
		},
		{
			name:    "other files ignored",
			files:   map[string]string{"sources.list.d/x.list.disabled": "deb http://x.example/debian bookworm main\n"},
			wantErr: true,
		},
		{
			name:    "no main component",
			files:   map[string]string{"sources.list": "deb http://x.example/debian bookworm contrib\n"},
			wantErr: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range tc.files {
				p := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := DebianMirror(dir)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("DebianMirror = %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}
