package shim

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agentrt/agentrt/annotations"
)

// keyImageUnavailable says why the shim wrote no image channel; the
// runtime puts the reason into the container's report.
const keyImageUnavailable = annotations.KeyImageUnavailable

// shimKeys are the image channel keys only the shim writes.
var shimKeys = []string{annotations.KeyImageRef, annotations.KeyImageDigest, keyImageUnavailable}

// applyImageChannel returns the spec annotations with the image channel
// replaced: every agentrt.io/image.* key the spec had is dropped (and
// named in dropped), so that whoever writes the spec cannot pose as the
// image, and the image's keys, ref and digest, or the reason there are
// none, are added.
func applyImageChannel(in map[string]string, img *imageInfo) (out map[string]string, dropped []string) {
	out = map[string]string{}
	for k, v := range in {
		if strings.HasPrefix(k, annotations.ImagePrefix) {
			dropped = append(dropped, k)
			continue
		}
		out[k] = v
	}
	slices.Sort(dropped)
	maps.Copy(out, img.Keys)
	setIf(out, annotations.KeyImageRef, img.Ref)
	setIf(out, annotations.KeyImageDigest, img.Digest)
	setIf(out, keyImageUnavailable, img.Unavailable)
	return out, dropped
}

func setIf(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// bundleSpec is a bundle's config.json, kept as raw JSON but for its
// annotations, so that fields this build does not know survive a rewrite.
type bundleSpec struct {
	path        string
	perm        os.FileMode
	doc         map[string]json.RawMessage
	annotations map[string]string
}

// readBundleSpec reads the config.json of a bundle.
func readBundleSpec(bundle string) (*bundleSpec, error) {
	path := filepath.Join(bundle, "config.json")
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	doc, current, err := splitAnnotations(data)
	if err != nil {
		return nil, fmt.Errorf("spec %q: %w", path, err)
	}
	return &bundleSpec{path: path, perm: st.Mode().Perm(), doc: doc, annotations: current}, nil
}

// write replaces config.json with the spec and annotations.
func (b *bundleSpec) write(annotations map[string]string) error {
	raw, err := json.Marshal(annotations)
	if err != nil {
		return fmt.Errorf("encode spec annotations: %w", err)
	}
	b.doc["annotations"] = raw
	out, err := json.Marshal(b.doc)
	if err != nil {
		return fmt.Errorf("encode spec %q: %w", b.path, err)
	}
	return writeFileAtomic(b.path, out, b.perm)
}

// splitAnnotations decodes a spec into its top-level fields and its
// annotations.
func splitAnnotations(data []byte) (map[string]json.RawMessage, map[string]string, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, nil, err
	}
	if doc == nil {
		return nil, nil, fmt.Errorf("not a JSON object")
	}
	current := map[string]string{}
	if raw, ok := doc["annotations"]; ok {
		if err := json.Unmarshal(raw, &current); err != nil {
			return nil, nil, fmt.Errorf("annotations: %w", err)
		}
	}
	if current == nil {
		current = map[string]string{}
	}
	return doc, current, nil
}

// writeFileAtomic replaces path with data through a rename, so that the
// runtime never reads a half-written spec.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config.json-")
	if err != nil {
		return fmt.Errorf("write spec: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write spec: %w", err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("write spec: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write spec: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write spec: %w", err)
	}
	return nil
}
