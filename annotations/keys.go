package annotations

import "github.com/agentrt/agentrt/policy"

// Annotation keys. Every key under Prefix that is not listed here is an
// error.
const (
	// Prefix starts every agentrt annotation.
	Prefix = "agentrt.io/"
	// ImagePrefix starts the image channel's keys: the shim copies an
	// image's agentrt.io/NAME annotation or label into the spec as
	// agentrt.io/image.NAME.
	ImagePrefix = Prefix + "image."

	// KeyProfile asks for an admin profile by name.
	KeyProfile = Prefix + "profile"
	// KeyPolicy is a whole request as JSON (see policy.Request).
	KeyPolicy = Prefix + "policy"
	// KeyEgress lists egress destinations, comma-separated, or is "none"
	// or "open".
	KeyEgress = Prefix + "egress"
	// KeyWritable lists writable paths, comma-separated, or is "none".
	KeyWritable = Prefix + "writable"
	// KeyMode asks for a mode: enforce, audit or off.
	KeyMode = Prefix + "mode"
	// KeyReport is written by the runtime into the container's state and
	// is refused as input, so that no workload can forge a report.
	KeyReport = Prefix + "report"

	// KeyImageRef and KeyImageDigest carry the image's reference and
	// manifest digest, written by the shim, for admin image rules.
	KeyImageRef    = ImagePrefix + "ref"
	KeyImageDigest = ImagePrefix + "digest"
	// KeyImageUnavailable says why the shim could not read the image's
	// policy: the strict default then applies, and the report says why.
	KeyImageUnavailable = ImagePrefix + "unavailable"
)

// requestNames are the request keys, without prefix, of both channels.
var requestNames = []string{"profile", "policy", "egress", "writable", "mode"}

// ImageKey returns the image channel's key for a request key:
// ImageKey(KeyEgress) is "agentrt.io/image.egress".
func ImageKey(key string) string {
	return ImagePrefix + key[len(Prefix):]
}

// Limits on what the annotations of one spec may carry. Errors name the
// offending key.
const (
	// MaxValueSize bounds one agentrt.io annotation value.
	MaxValueSize = 16 << 10
	// MaxTotalSize bounds all agentrt.io annotations, keys and values.
	MaxTotalSize = 64 << 10
	// MaxEgressEntries bounds the destinations of one egress key.
	MaxEgressEntries = 256
	// MaxPolicyFileSize bounds the policy file of an image.
	MaxPolicyFileSize = 64 << 10
)

// PolicyFilePath is where an image carries its policy request.
const PolicyFilePath = "/etc/agentrt/policy.json"

// Parsed is what the agentrt.io annotations of one spec say.
type Parsed struct {
	// Annotation is the annotation channel's request; nil without one.
	Annotation *policy.Request
	// Image is the image channel's request; nil without one.
	Image *policy.Request
	// ImageRef and ImageDigest identify the image, when the shim set them.
	ImageRef    string
	ImageDigest string
	// ImageUnavailable is the shim's reason for having no image policy.
	ImageUnavailable string
}

// Requests returns the non-nil requests, lowest precedence first.
func (p *Parsed) Requests() []*policy.Request {
	var out []*policy.Request
	for _, r := range []*policy.Request{p.Image, p.Annotation} {
		if r != nil {
			out = append(out, r)
		}
	}
	return out
}
