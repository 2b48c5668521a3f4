package policy

import (
	"path"
	"strings"
)

// maxPathLen is PATH_MAX on Linux, terminating NUL included.
const maxPathLen = 4096

// CheckPath reports whether p is acceptable as a policy path: absolute,
// without NUL bytes, without a ".." component, at most PATH_MAX long. It
// returns the cleaned path. The ".." check is on the path as written: a
// path that climbs is refused, not silently resolved.
func CheckPath(p string) (string, error) {
	switch {
	case p == "":
		return "", ErrEmptyPath
	case strings.IndexByte(p, 0) >= 0:
		return "", ErrNULByte
	case !strings.HasPrefix(p, "/"):
		return "", ErrRelativePath
	case len(p) >= maxPathLen:
		return "", ErrPathTooLong
	}
	for part := range strings.SplitSeq(p, "/") {
		if part == ".." {
			return "", ErrDotDot
		}
	}
	return path.Clean(p), nil
}

// checkPaths checks every path of a list, naming each bad one by its
// index under field.
func checkPaths(field string, paths []string) []error {
	var errs []error
	if len(paths) > MaxListLen {
		errs = append(errs, tooManyError(field, len(paths)))
	}
	for i, p := range paths {
		if _, err := CheckPath(p); err != nil {
			errs = append(errs, &FieldError{Field: indexed(field, i), Value: p, Err: err})
		}
	}
	return errs
}

// pathCovered reports whether p is one of list or beneath one of them.
// Both sides must be clean.
func pathCovered(p string, list []string) bool {
	for _, l := range list {
		if l == "/" || p == l || strings.HasPrefix(p, l+"/") {
			return true
		}
	}
	return false
}

// cleanPaths cleans, sorts and deduplicates a list; an empty list
// becomes nil so that "none" has one encoding.
func cleanPaths(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, len(in))
	for i, p := range in {
		out[i] = path.Clean(p)
	}
	return sortedUnique(out)
}
