package annotations

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/agentrt/agentrt/policy"
)

// Parse reads the agentrt.io annotations of a spec into requests, one
// per channel, and the image identity the shim recorded. Annotations
// outside agentrt.io/ are ignored. Errors name the key: an unknown or
// reserved key, an oversized value, malformed JSON or entries, two keys
// of one channel setting the same field. Parse only parses: whether a
// request is allowed is policy.Resolve's decision.
func Parse(annotations map[string]string) (*Parsed, error) {
	keys := agentrtKeys(annotations)
	if err := checkSizes(annotations, keys); err != nil {
		return nil, err
	}
	builders := map[policy.Channel]*builder{}
	for _, key := range keys {
		if err := collect(builders, key, annotations[key]); err != nil {
			return nil, err
		}
	}
	out := &Parsed{ImageRef: annotations[KeyImageRef], ImageDigest: annotations[KeyImageDigest],
		ImageUnavailable: annotations[KeyImageUnavailable]}
	var err error
	if out.Annotation, err = builders[policy.ChannelAnnotation].build(); err != nil {
		return nil, err
	}
	if out.Image, err = builders[policy.ChannelImage].build(); err != nil {
		return nil, err
	}
	return out, nil
}

// collect files one request key with its channel's builder.
func collect(builders map[policy.Channel]*builder, key, value string) error {
	ch, name, err := classify(key)
	if err != nil || name == "" {
		return err
	}
	b := builders[ch]
	if b == nil {
		b = &builder{channel: ch, values: map[string]string{}}
		builders[ch] = b
	}
	b.values[name] = value
	return nil
}

// agentrtKeys returns the keys under Prefix, sorted, so that the first
// error is always the same.
func agentrtKeys(annotations map[string]string) []string {
	var keys []string
	for k := range annotations {
		if strings.HasPrefix(k, Prefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func checkSizes(annotations map[string]string, keys []string) error {
	total := 0
	for _, k := range keys {
		v := annotations[k]
		if len(v) > MaxValueSize {
			return &KeyError{Key: k, Err: fmt.Errorf("%w: %d bytes, at most %d", ErrValueTooLarge, len(v), MaxValueSize)}
		}
		total += len(k) + len(v)
		if total > MaxTotalSize {
			return &KeyError{Key: k, Err: fmt.Errorf("%w: more than %d bytes of keys and values", ErrTotalTooLarge, MaxTotalSize)}
		}
	}
	return nil
}

// classify returns the channel and the request name of a key; the name
// is empty for the image identity keys, which are no request.
func classify(key string) (policy.Channel, string, error) {
	switch key {
	case KeyReport:
		return "", "", &KeyError{Key: key, Err: ErrReservedKey}
	case KeyImageRef, KeyImageDigest, KeyImageUnavailable:
		return policy.ChannelImage, "", nil
	}
	ch, name := policy.ChannelAnnotation, strings.TrimPrefix(key, Prefix)
	if rest, ok := strings.CutPrefix(key, ImagePrefix); ok {
		ch, name = policy.ChannelImage, rest
	}
	if !slices.Contains(requestNames, name) {
		return "", "", &KeyError{Key: key, Err: fmt.Errorf("%w; known keys: %s", ErrUnknownKey, knownKeys())}
	}
	return ch, name, nil
}

func knownKeys() string {
	var ks []string
	for _, n := range requestNames {
		ks = append(ks, Prefix+n)
	}
	return strings.Join(append(ks, ImagePrefix+"NAME"), ", ")
}

// builder collects one channel's annotations into a request.
type builder struct {
	channel policy.Channel
	values  map[string]string // request name -> value
}

// key returns the annotation key of a request name in b's channel.
func (b *builder) key(name string) string {
	if b.channel == policy.ChannelImage {
		return ImagePrefix + name
	}
	return Prefix + name
}

// build parses the JSON policy first, then the flat keys on top of it.
func (b *builder) build() (*policy.Request, error) {
	if b == nil || len(b.values) == 0 {
		return nil, nil
	}
	r, err := b.base()
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"profile", "mode", "egress", "writable"} {
		if v, ok := b.values[name]; ok {
			if err := b.applyFlat(r, name, v); err != nil {
				return nil, err
			}
		}
	}
	keys := slices.Collect(maps.Keys(b.values))
	for i, k := range keys {
		keys[i] = b.key(k)
	}
	slices.Sort(keys)
	r.Source = strings.Join(keys, ", ")
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// base returns the request of the JSON key, with every field it sets
// named after it, or an empty request.
func (b *builder) base() (*policy.Request, error) {
	r := &policy.Request{Channel: b.channel, Keys: map[string]string{}}
	v, ok := b.values["policy"]
	if !ok {
		return r, nil
	}
	key := b.key("policy")
	r, err := ParsePolicyJSON([]byte(v), b.channel, key)
	if err != nil {
		return nil, err
	}
	r.Keys = map[string]string{}
	for _, f := range r.Fields() {
		r.Keys[f] = key + " " + f
	}
	return r, nil
}

// flatFields lists the request fields each flat key sets.
var flatFields = map[string][]string{
	"profile":  {"profile"},
	"mode":     {"mode"},
	"egress":   {"network.egress", "network.allow"},
	"writable": {"filesystem.writable"},
}

// applyFlat applies one flat key, refusing a field the JSON already set.
func (b *builder) applyFlat(r *policy.Request, name, v string) error {
	key := b.key(name)
	for _, f := range flatFields[name] {
		if prev, ok := r.Keys[f]; ok {
			return &KeyError{Key: key, Err: fmt.Errorf("%w: %s already sets %s", ErrConflict, prev, f)}
		}
	}
	if err := setFlat(r, name, strings.TrimSpace(v)); err != nil {
		return &KeyError{Key: key, Err: err}
	}
	for _, f := range flatFields[name] {
		r.Keys[f] = key
	}
	return nil
}

func setFlat(r *policy.Request, name, v string) error {
	if v == "" {
		return ErrEmptyValue
	}
	switch name {
	case "profile":
		r.Profile = v
	case "mode":
		m := policy.Mode(v)
		r.Mode = &m
	case "egress":
		return setEgress(r, v)
	case "writable":
		return setWritable(r, v)
	}
	return nil
}
