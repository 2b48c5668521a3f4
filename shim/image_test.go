package shim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/containerd/errdefs"
	"github.com/containerd/platforms"
	"github.com/google/go-cmp/cmp"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// fakeStore is an imageStore in memory.
type fakeStore struct {
	records map[string]containerRecord
	images  map[string]ocispec.Descriptor
	blobs   map[digest.Digest][]byte
}

func newFakeStore() *fakeStore {
	return &fakeStore{records: map[string]containerRecord{}, images: map[string]ocispec.Descriptor{}, blobs: map[digest.Digest][]byte{}}
}

func (f *fakeStore) container(_ context.Context, id string) (containerRecord, error) {
	r, ok := f.records[id]
	if !ok {
		return r, fmt.Errorf("container %q: %w", id, errdefs.ErrNotFound)
	}
	return r, nil
}

func (f *fakeStore) image(_ context.Context, name string) (ocispec.Descriptor, error) {
	d, ok := f.images[name]
	if !ok {
		return d, fmt.Errorf("image %q: %w", name, errdefs.ErrNotFound)
	}
	return d, nil
}

func (f *fakeStore) readBlob(_ context.Context, d ocispec.Descriptor, limit int64) ([]byte, error) {
	b, ok := f.blobs[d.Digest]
	if !ok {
		return nil, fmt.Errorf("blob %s: %w", d.Digest, errdefs.ErrNotFound)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("blob of %d bytes, at most %d", len(b), limit)
	}
	return b, nil
}

// add stores v as a JSON blob and returns its descriptor.
func (f *fakeStore) add(t *testing.T, mediaType string, v any) ocispec.Descriptor {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	d := digest.FromBytes(data)
	f.blobs[d] = data
	return ocispec.Descriptor{MediaType: mediaType, Digest: d, Size: int64(len(data))}
}

// addImage stores an image with the given config labels and manifest
// annotations and returns its manifest descriptor.
func (f *fakeStore) addImage(t *testing.T, labels, annotations map[string]string) ocispec.Descriptor {
	t.Helper()
	cfg := f.add(t, ocispec.MediaTypeImageConfig, ocispec.Image{Config: ocispec.ImageConfig{Labels: labels}})
	return f.add(t, ocispec.MediaTypeImageManifest, ocispec.Manifest{Config: cfg, Annotations: annotations})
}

func TestLookupImage(t *testing.T) {
	store := newFakeStore()
	plain := store.addImage(t, map[string]string{"agentrt.io/writable": "/workspace,/data", "maintainer": "x"},
		map[string]string{"agentrt.io/egress": "api.example.com:443", "org.opencontainers.image.title": "t"})
	both := store.addImage(t, map[string]string{"agentrt.io/mode": "audit"}, map[string]string{"agentrt.io/mode": "enforce"})
	store.images["agentrt.test/plain:1"] = plain
	store.images["docker.io/library/both:latest"] = both
	store.images["agentrt.test/broken:1"] = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromString("gone")}
	store.records["ctr"] = containerRecord{Image: "agentrt.test/plain:1"}
	store.records["short"] = containerRecord{Image: "both"}
	store.records["cri"] = containerRecord{Labels: map[string]string{criKindLabel: "container"}}
	store.records["cri-sandbox"] = containerRecord{Labels: map[string]string{criKindLabel: "sandbox"}}
	store.records["not-cri"] = containerRecord{}
	store.records["broken"] = containerRecord{Image: "agentrt.test/broken:1"}
	store.records["deleted-image"] = containerRecord{Image: "agentrt.test/deleted:1"}

	plainKeys := map[string]string{"agentrt.io/image.writable": "/workspace,/data", "agentrt.io/image.egress": "api.example.com:443"}
	tests := []struct {
		name    string
		id      string
		spec    map[string]string
		want    imageInfo
		wantErr bool
	}{
		{"ctr: record names the image", "ctr", nil,
			imageInfo{Ref: "agentrt.test/plain:1", Digest: plain.Digest.String(), Keys: plainKeys}, false},
		{"short name normalized, manifest beats label", "short", nil,
			imageInfo{Ref: "both", Digest: both.Digest.String(), Keys: map[string]string{"agentrt.io/image.mode": "enforce"}}, false},
		{"CRI container: image from the spec", "cri", map[string]string{criImageName: "agentrt.test/plain:1"},
			imageInfo{Ref: "agentrt.test/plain:1", Digest: plain.Digest.String(), Keys: plainKeys}, false},
		{"CRI sandbox: pause image from the spec", "cri-sandbox", map[string]string{criSandboxImageName: "both:latest"},
			imageInfo{Ref: "both:latest", Digest: both.Digest.String(), Keys: map[string]string{"agentrt.io/image.mode": "enforce"}}, false},
		{"CRI annotation ignored on a record CRI did not make", "not-cri", map[string]string{criImageName: "agentrt.test/plain:1"},
			imageInfo{Unavailable: "the container record names no image"}, false},
		{"no record", "nope", nil, imageInfo{Unavailable: `read container record "nope": container "nope": not found`}, false},
		{"image deleted", "deleted-image", nil, imageInfo{Ref: "agentrt.test/deleted:1",
			Unavailable: `image "agentrt.test/deleted:1": image "agentrt.test/deleted:1": not found`}, false},
		{"manifest unreadable", "broken", nil, imageInfo{Ref: "agentrt.test/broken:1", Digest: digest.FromString("gone").String(),
			Unavailable: `image "agentrt.test/broken:1": read application/vnd.oci.image.manifest.v1+json ` + digest.FromString("gone").String() + ": blob " + digest.FromString("gone").String() + ": not found"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lookupImage(context.Background(), store, tt.id, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got.Sources = nil
			if len(got.Keys) == 0 {
				got.Keys = nil
			}
			if diff := cmp.Diff(tt.want, *got, cmp.AllowUnexported(imageInfo{})); diff != "" {
				t.Errorf("image info (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLookupImageIndex(t *testing.T) {
	store := newFakeStore()
	here := platforms.DefaultSpec()
	other := ocispec.Platform{OS: "linux", Architecture: "s390x"}
	mine := store.addImage(t, map[string]string{"agentrt.io/writable": "/workspace"}, nil)
	mine.Platform = &here
	theirs := store.addImage(t, map[string]string{"agentrt.io/writable": "/home"}, nil)
	theirs.Platform = &other
	index := store.add(t, ocispec.MediaTypeImageIndex, ocispec.Index{
		Manifests:   []ocispec.Descriptor{theirs, mine},
		Annotations: map[string]string{"agentrt.io/mode": "enforce", "agentrt.io/writable": "/tmp"},
	})
	store.images["multi:1"] = index
	store.records["c"] = containerRecord{Image: "multi:1"}
	got, err := lookupImage(context.Background(), store, "c", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"agentrt.io/image.mode": "enforce", "agentrt.io/image.writable": "/workspace"}
	if diff := cmp.Diff(want, got.Keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if got.Digest != index.Digest.String() {
		t.Errorf("got digest %s, want the index's %s", got.Digest, index.Digest)
	}
	if src := got.Sources["agentrt.io/image.writable"]; src != `config label "agentrt.io/writable"` {
		t.Errorf("got source %q for writable, want the config label", src)
	}
}

func TestLookupImageNoPlatform(t *testing.T) {
	store := newFakeStore()
	m := store.addImage(t, nil, nil)
	m.Platform = &ocispec.Platform{OS: "windows", Architecture: "arm"}
	store.images["win:1"] = store.add(t, ocispec.MediaTypeImageIndex, ocispec.Index{Manifests: []ocispec.Descriptor{m}})
	store.records["c"] = containerRecord{Image: "win:1"}
	got, err := lookupImage(context.Background(), store, "c", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got.Unavailable, "no manifest for platform") {
		t.Errorf("got unavailable %q, want no manifest for the platform", got.Unavailable)
	}
}

func TestLookupImageBadValues(t *testing.T) {
	tests := []struct {
		name        string
		labels      map[string]string
		annotations map[string]string
		want        string
	}{
		{"malformed egress", map[string]string{"agentrt.io/egress": "evil.example:99999"}, nil,
			`image "bad:1", config label "agentrt.io/egress": `},
		{"unknown key", nil, map[string]string{"agentrt.io/sandbox": "off"},
			`image "bad:1", manifest annotation "agentrt.io/sandbox": unknown key`},
		{"image poses as its own ref", map[string]string{"agentrt.io/ref": "trusted/agent:1"}, nil,
			`image "bad:1", config label "agentrt.io/ref": agentrt.io/image.ref is written by the shim`},
		{"report refused", nil, map[string]string{"agentrt.io/report": "{}"},
			`image "bad:1", manifest annotation "agentrt.io/report": unknown key`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeStore()
			store.images["bad:1"] = store.addImage(t, tt.labels, tt.annotations)
			store.records["c"] = containerRecord{Image: "bad:1"}
			_, err := lookupImage(context.Background(), store, "c", nil)
			var ie *ImageError
			if !errors.As(err, &ie) || !errors.Is(err, ErrImagePolicy) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want an ImageError containing %q", err, tt.want)
			}
		})
	}
}
