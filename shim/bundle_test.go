package shim

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestApplyImageChannel(t *testing.T) {
	img := &imageInfo{
		Ref: "agentrt.test/a:1", Digest: "sha256:abc",
		Keys: map[string]string{"agentrt.io/image.writable": "/workspace"},
	}
	tests := []struct {
		name        string
		in          map[string]string
		img         *imageInfo
		want        map[string]string
		wantDropped []string
	}{
		{"adds the image channel", map[string]string{"agentrt.io/egress": "none", "other": "x"}, img,
			map[string]string{"agentrt.io/egress": "none", "other": "x", "agentrt.io/image.writable": "/workspace",
				"agentrt.io/image.ref": "agentrt.test/a:1", "agentrt.io/image.digest": "sha256:abc"}, nil},
		{"drops image keys the spec had", map[string]string{
			"agentrt.io/image.egress": "open", "agentrt.io/image.ref": "trusted/agent:1", "agentrt.io/image.writable": "/"},
			img,
			map[string]string{"agentrt.io/image.writable": "/workspace",
				"agentrt.io/image.ref": "agentrt.test/a:1", "agentrt.io/image.digest": "sha256:abc"},
			[]string{"agentrt.io/image.egress", "agentrt.io/image.ref", "agentrt.io/image.writable"}},
		{"no image: spec keys still dropped", map[string]string{"agentrt.io/image.digest": "sha256:0"},
			&imageInfo{Unavailable: "the container record names no image"},
			map[string]string{keyImageUnavailable: "the container record names no image"}, []string{"agentrt.io/image.digest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, dropped := applyImageChannel(tt.in, tt.img)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("annotations (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantDropped, dropped); diff != "" {
				t.Errorf("dropped (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBundleSpecRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	orig := `{"ociVersion":"1.3.0","process":{"args":["sh"]},"x-future":{"a":[1,2]},` +
		`"annotations":{"k":"v"},"linux":{"namespaces":[{"type":"pid"},{"type":"network","path":"/var/run/netns/p1"}]}}`
	if err := os.WriteFile(path, []byte(orig), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := readBundleSpec(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.netnsPath(); got != "/var/run/netns/p1" {
		t.Errorf("got netns path %q, want /var/run/netns/p1", got)
	}
	if err := b.write(map[string]string{"k": "v", "agentrt.io/image.ref": "r"}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got, want map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal([]byte(orig), &want)
	want["annotations"] = map[string]any{"k": "v", "agentrt.io/image.ref": "r"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spec after rewrite (-want +got):\n%s", diff)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("got mode %v, want 0600 kept", st.Mode().Perm())
	}
}

func TestReadBundleSpecErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
	}{
		{"not JSON", "{"},
		{"not an object", "null"},
		{"annotations not strings", `{"annotations":{"a":1}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(tt.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := readBundleSpec(dir); err == nil {
				t.Error("got no error, want one")
			}
		})
	}
}
