package landlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"
)

// addExecuteBeside grants Execute beneath r.Path everywhere but beneath
// its ExceptExecute paths. A Landlock rule covers the whole tree under
// its path, so the right goes instead on each entry of the directories on
// the way down to an excepted path, other than that way itself. The
// directories are listed here, inside the container, where the rootfs
// and its mounts are final.
//
// Entries created later directly in those directories get no Execute;
// the excepted paths and what leads to them never do. Symbolic links get
// no rule: Landlock would grant the right on their target, which may be
// an excepted path, and the target has a rule of its own under its real
// path.
func addExecuteBeside(rulesetFD int, r Rule, handledFS uint64) error {
	root, err := filepath.EvalSymlinks(r.Path)
	if err != nil {
		if r.Optional && (errors.Is(err, os.ErrNotExist) || errors.Is(err, unix.ENOTDIR)) {
			return nil
		}
		return fmt.Errorf("landlock: rule for %q: %w", r.Path, err)
	}
	except, all := resolveExcepts(root, r.ExceptExecute)
	if all {
		return nil
	}
	return executeBeside(rulesetFD, root, except, handledFS)
}

// resolveExcepts returns the real paths of the excepted paths that lie
// beneath root, and whether one of them resolves to root itself or above
// it, in which case nothing beneath root may be executable. A path that
// does not exist is kept as written: it may still be created.
func resolveExcepts(root string, paths []string) ([]string, bool) {
	var out []string
	for _, p := range paths {
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			real = filepath.Clean(p)
		}
		switch {
		case real == root || strictlyBeneath(root, real):
			return nil, true
		case strictlyBeneath(real, root):
			out = append(out, real)
		}
	}
	return out, false
}

// executeBeside adds Execute rules on the entries of dir: recursively on
// those above an excepted path, not at all on excepted paths and links,
// and on everything else.
func executeBeside(rulesetFD int, dir string, except []string, handledFS uint64) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("landlock: list %q to keep W^X: %w", dir, err)
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch {
		case slices.Contains(except, p), e.Type()&os.ModeSymlink != 0:
			continue
		case above(p, except):
			if !e.IsDir() {
				continue
			}
			if err := executeBeside(rulesetFD, p, except, handledFS); err != nil {
				return err
			}
		default:
			// Optional: an entry may go away between listing and opening.
			rule := Rule{Path: p, Access: Execute, Optional: true}
			if err := addPathRule(rulesetFD, rule, handledFS); err != nil {
				return err
			}
		}
	}
	return nil
}

// above reports whether some path of paths lies strictly beneath p.
func above(p string, paths []string) bool {
	for _, q := range paths {
		if strictlyBeneath(q, p) {
			return true
		}
	}
	return false
}
