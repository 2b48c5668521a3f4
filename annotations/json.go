package annotations

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/agentrt/agentrt/policy"
)

// maxJSONDepth bounds nesting; the schema itself is four levels deep.
const maxJSONDepth = 8

// ParsePolicyJSON parses a request in the JSON schema of policy.Request,
// strictly: the document must be one object; an unknown field, a field
// written twice or in another case, a wrong type or trailing data are
// errors. source names the document in messages and becomes the
// request's Source ("agentrt.io/policy", "/etc/agentrt/policy.json").
// The request is validated (paths, modes, destinations).
func ParsePolicyJSON(data []byte, ch policy.Channel, source string) (*policy.Request, error) {
	if len(data) > MaxPolicyFileSize {
		return nil, fmt.Errorf("%s: %w: %d bytes, at most %d", source, ErrFileTooLarge, len(data), MaxPolicyFileSize)
	}
	if err := checkJSONShape(data); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", source, ErrMalformedJSON, err)
	}
	r := &policy.Request{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(r); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", source, ErrMalformedJSON, describeJSONError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w: data after the object", source, ErrMalformedJSON)
	}
	r.Channel, r.Source = ch, source
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return r, nil
}

// checkJSONShape walks the tokens of a document that must be one object
// and refuses what encoding/json would let through: duplicate fields
// (the last would silently win) and names outside [a-z_], which
// encoding/json matches case-insensitively ("Mode", or "ſeccomp" with a
// long s, would set mode and seccomp).
func checkJSONShape(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return errors.New("want a JSON object")
	}
	return walkObject(dec, "", 1)
}

func walkObject(dec *json.Decoder, path string, depth int) error {
	if depth > maxJSONDepth {
		return fmt.Errorf("%s: nested too deep", path)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		field := joinPath(path, name)
		if !lowerSnake(name) {
			return fmt.Errorf("unknown field %q", field)
		}
		if seen[name] {
			return fmt.Errorf("field %q written twice", field)
		}
		seen[name] = true
		if err := walkValue(dec, field, depth); err != nil {
			return err
		}
	}
	_, err := dec.Token() // the closing brace
	return err
}

func walkValue(dec *json.Decoder, path string, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return walkObject(dec, path, depth+1)
	case json.Delim('['):
		if depth+1 > maxJSONDepth {
			return fmt.Errorf("%s: nested too deep", path)
		}
		for dec.More() {
			if err := walkValue(dec, path+"[]", depth+1); err != nil {
				return err
			}
		}
		_, err = dec.Token() // the closing bracket
	}
	return err
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func lowerSnake(s string) bool {
	for _, c := range s {
		if (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return s != ""
}

// describeJSONError rewrites a type mismatch in the schema's terms
// instead of Go's ("resources.pids: got string, want an integer").
func describeJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	return fmt.Errorf("%s: got %s, want %s", te.Field, te.Value, jsonKind(te.Type))
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list"
	case reflect.Struct:
		if t.Implements(reflect.TypeFor[interface{ UnmarshalText([]byte) error }]()) ||
			reflect.PointerTo(t).Implements(reflect.TypeFor[interface{ UnmarshalText([]byte) error }]()) {
			return "a string"
		}
		return "an object"
	}
	return "a " + t.Kind().String()
}
