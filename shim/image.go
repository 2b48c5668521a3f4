package shim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/containerd/errdefs"
	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/agentrt/agentrt/annotations"
)

// CRI names a container's image in these spec annotations; its container
// records name none.
const (
	criImageName        = "io.kubernetes.cri.image-name"
	criSandboxImageName = "io.kubernetes.cri.podsandbox.image-name"
	// criKindLabel marks the container records CRI creates.
	criKindLabel = "io.cri-containerd.kind"
)

// Docker's media types, which containerd stores as they were pulled.
const (
	mediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
	mediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
)

// maxIndexDepth bounds nested indexes; images in the wild have one level.
const maxIndexDepth = 2

// imageStore is what the shim reads from containerd, in the namespace of
// the request.
type imageStore interface {
	// container returns the container record's image name and labels.
	container(ctx context.Context, id string) (containerRecord, error)
	// image returns the target of the named image record.
	image(ctx context.Context, name string) (ocispec.Descriptor, error)
	// readBlob returns a blob of the content store, at most limit bytes.
	readBlob(ctx context.Context, desc ocispec.Descriptor, limit int64) ([]byte, error)
}

// containerRecord is the part of a containerd container record the shim
// uses.
type containerRecord struct {
	Image  string
	Labels map[string]string
}

// imageInfo is what the shim found out about a container's image.
type imageInfo struct {
	// Ref is the image's name, Digest its record's target digest.
	Ref, Digest string
	// Keys are the image's agentrt.io/NAME values as image channel keys
	// agentrt.io/image.NAME, and Sources where each one came from.
	Keys, Sources map[string]string
	// Unavailable says why the image was not read; empty when it was.
	Unavailable string
}

// Blob size limits: a manifest, an index and a config are a few KiB.
const (
	maxManifestSize = 4 << 20
	maxConfigSize   = 8 << 20
)

// lookupImage finds the image of container id and its agentrt.io values.
// Only values that do not parse are an error; an image that cannot be read
// gives an imageInfo saying why.
func lookupImage(ctx context.Context, store imageStore, id string, spec map[string]string) (*imageInfo, error) {
	rec, err := store.container(ctx, id)
	if err != nil {
		return &imageInfo{Unavailable: fmt.Sprintf("read container record %q: %v", id, err)}, nil
	}
	name := imageName(rec, spec)
	if name == "" {
		return &imageInfo{Unavailable: "the container record names no image"}, nil
	}
	info := &imageInfo{Ref: name}
	target, err := findImage(ctx, store, name)
	if err != nil {
		info.Unavailable = fmt.Sprintf("image %q: %v", name, err)
		return info, nil
	}
	info.Digest = target.Digest.String()
	if err := readImageValues(ctx, store, target, info); err != nil {
		info.Unavailable = fmt.Sprintf("image %q: %v", name, err)
		info.Keys, info.Sources = nil, nil
		return info, nil
	}
	return info, checkImageValues(info)
}

// imageName is the record's image, else, for a record CRI made, the image
// CRI names in the spec.
func imageName(rec containerRecord, spec map[string]string) string {
	if rec.Image != "" {
		return rec.Image
	}
	if _, cri := rec.Labels[criKindLabel]; !cri {
		return ""
	}
	if n := spec[criImageName]; n != "" {
		return n
	}
	return spec[criSandboxImageName]
}

// findImage looks the image up by name, then by its normalized name
// (busybox:1 → docker.io/library/busybox:1), the form CRI stores.
func findImage(ctx context.Context, store imageStore, name string) (ocispec.Descriptor, error) {
	desc, err := store.image(ctx, name)
	if err == nil || !errdefs.IsNotFound(err) {
		return desc, err
	}
	named, perr := reference.ParseNormalizedNamed(name)
	if perr != nil || named.String() == name {
		return desc, err
	}
	return store.image(ctx, reference.TagNameOnly(named).String())
}

// readImageValues collects the agentrt.io values of the index (if any),
// the config labels and the manifest annotations, later ones winning.
func readImageValues(ctx context.Context, store imageStore, target ocispec.Descriptor, info *imageInfo) error {
	manifest, indexAnnotations, err := readManifest(ctx, store, target, 0)
	if err != nil {
		return err
	}
	labels, err := readConfigLabels(ctx, store, manifest.Config)
	if err != nil {
		return err
	}
	info.Keys, info.Sources = map[string]string{}, map[string]string{}
	addImageValues(info, indexAnnotations, "index annotation")
	addImageValues(info, labels, "config label")
	addImageValues(info, manifest.Annotations, "manifest annotation")
	return nil
}

// readManifest returns the manifest for this platform that desc leads to,
// and the annotations of the indexes on the way.
func readManifest(ctx context.Context, store imageStore, desc ocispec.Descriptor, depth int) (*ocispec.Manifest, map[string]string, error) {
	data, err := store.readBlob(ctx, desc, maxManifestSize)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s %s: %w", desc.MediaType, desc.Digest, err)
	}
	var doc struct {
		ocispec.Manifest
		Manifests []ocispec.Descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, fmt.Errorf("decode %s %s: %w", desc.MediaType, desc.Digest, err)
	}
	if !isIndex(desc.MediaType, doc.Manifests) {
		return &doc.Manifest, nil, nil
	}
	if depth >= maxIndexDepth {
		return nil, nil, fmt.Errorf("index %s: more than %d nested indexes", desc.Digest, maxIndexDepth)
	}
	next, err := selectManifest(doc.Manifests)
	if err != nil {
		return nil, nil, fmt.Errorf("index %s: %w", desc.Digest, err)
	}
	m, inner, err := readManifest(ctx, store, next, depth+1)
	if err != nil {
		return nil, nil, err
	}
	merged := maps.Clone(doc.Annotations)
	if merged == nil {
		merged = map[string]string{}
	}
	maps.Copy(merged, inner)
	return m, merged, nil
}

func isIndex(mediaType string, manifests []ocispec.Descriptor) bool {
	switch mediaType {
	case ocispec.MediaTypeImageIndex, mediaTypeDockerList:
		return true
	case ocispec.MediaTypeImageManifest, mediaTypeDockerManifest:
		return false
	}
	return len(manifests) > 0
}

// selectManifest picks the best manifest of an index for this platform,
// as containerd does when it unpacks the image.
func selectManifest(manifests []ocispec.Descriptor) (ocispec.Descriptor, error) {
	matcher := platforms.Default()
	var candidates []ocispec.Descriptor
	for _, m := range manifests {
		if m.Platform == nil || matcher.Match(*m.Platform) {
			candidates = append(candidates, m)
		}
	}
	if len(candidates) == 0 {
		return ocispec.Descriptor{}, fmt.Errorf("no manifest for platform %s", platforms.DefaultString())
	}
	slices.SortStableFunc(candidates, func(a, b ocispec.Descriptor) int {
		switch {
		case a.Platform == nil || b.Platform == nil:
			return 0
		case matcher.Less(*a.Platform, *b.Platform):
			return -1
		case matcher.Less(*b.Platform, *a.Platform):
			return 1
		}
		return 0
	})
	return candidates[0], nil
}

func readConfigLabels(ctx context.Context, store imageStore, desc ocispec.Descriptor) (map[string]string, error) {
	if desc.Digest == "" {
		return nil, errors.New("manifest has no config")
	}
	data, err := store.readBlob(ctx, desc, maxConfigSize)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", desc.Digest, err)
	}
	var img ocispec.Image
	if err := json.Unmarshal(data, &img); err != nil {
		return nil, fmt.Errorf("decode config %s: %w", desc.Digest, err)
	}
	return img.Config.Labels, nil
}

// addImageValues files every agentrt.io/NAME value of from as the image
// channel key agentrt.io/image.NAME.
func addImageValues(info *imageInfo, from map[string]string, kind string) {
	for _, k := range slices.Sorted(maps.Keys(from)) {
		if !strings.HasPrefix(k, annotations.Prefix) {
			continue
		}
		key := annotations.ImageKey(k)
		info.Keys[key] = from[k]
		info.Sources[key] = fmt.Sprintf("%s %q", kind, k)
	}
}

// checkImageValues parses the image channel as the runtime will, so that
// a bad value fails create with the image and the label or annotation
// named, before any container exists.
func checkImageValues(info *imageInfo) error {
	if len(info.Keys) == 0 {
		return nil
	}
	for _, key := range shimKeys {
		if src, ok := info.Sources[key]; ok {
			return &ImageError{Ref: info.Ref, Source: src, Err: fmt.Errorf("%s is written by the shim; an image cannot set it", key)}
		}
	}
	_, err := annotations.Parse(info.Keys)
	if err == nil {
		return nil
	}
	var ke *annotations.KeyError
	if errors.As(err, &ke) && info.Sources[ke.Key] != "" {
		return &ImageError{Ref: info.Ref, Source: info.Sources[ke.Key], Err: ke.Err}
	}
	return &ImageError{Ref: info.Ref, Err: err}
}
