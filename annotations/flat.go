package annotations

import (
	"fmt"
	"strings"

	"github.com/agentrt/agentrt/policy"
)

// setEgress parses agentrt.io/egress: "none", "open", or destinations
// separated by commas, which ask for egress "allowlist".
func setEgress(r *policy.Request, v string) error {
	if r.Network == nil {
		r.Network = &policy.NetworkRequest{}
	}
	mode := policy.EgressAllowlist
	switch v {
	case string(policy.EgressNone), string(policy.EgressOpen):
		mode = policy.EgressMode(v)
		r.Network.Egress = &mode
		return nil
	}
	entries, err := splitList(v, MaxEgressEntries)
	if err != nil {
		return err
	}
	allow := make([]policy.Destination, len(entries))
	for i, e := range entries {
		d, err := policy.ParseDestination(e)
		if err != nil {
			return fmt.Errorf("entry %d %q: %w", i, e, err)
		}
		allow[i] = d
	}
	r.Network.Egress, r.Network.Allow = &mode, &allow
	return nil
}

// setWritable parses agentrt.io/writable: "none" or absolute paths
// separated by commas. Path checks are left to Request.Validate, which
// names each path by its index.
func setWritable(r *policy.Request, v string) error {
	paths := []string{}
	if v != "none" {
		var err error
		if paths, err = splitList(v, policy.MaxListLen); err != nil {
			return err
		}
	}
	if r.Filesystem == nil {
		r.Filesystem = &policy.FilesystemRequest{}
	}
	r.Filesystem.Writable = &paths
	return nil
}

// splitList splits a comma-separated list, trimming spaces around each
// entry; an empty entry is an error.
func splitList(v string, limit int) ([]string, error) {
	parts := strings.Split(v, ",")
	if len(parts) > limit {
		return nil, fmt.Errorf("%w: %d, at most %d", ErrTooManyEntries, len(parts), limit)
	}
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
		if parts[i] == "" {
			return nil, fmt.Errorf("entry %d: %w", i, ErrEmptyValue)
		}
	}
	return parts, nil
}
