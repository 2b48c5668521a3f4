package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// HashPrefix starts every policy hash.
const HashPrefix = "sha256:"

// Canonical returns the canonical encoding of p: the JSON encoding of a
// validated, normalized copy (fields in declaration order, lists sorted
// and deduplicated, paths cleaned, destinations in text form). Two
// policies that allow the same things in the same words encode the same,
// whatever order their lists were written in.
func (p *Policy) Canonical() ([]byte, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("canonical policy: %w", err)
	}
	c := p.Clone()
	c.Normalize()
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("canonical policy: %w", err)
	}
	return b, nil
}

// Hash returns "sha256:" and the hex SHA-256 of the canonical encoding.
func (p *Policy) Hash() (string, error) {
	b, err := p.Canonical()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return HashPrefix + hex.EncodeToString(sum[:]), nil
}
