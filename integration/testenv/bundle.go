package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/internal/testrootfs"
)

// Bundle is an OCI bundle made for one test, with a container id of its
// own. Its directory's path contains the id, so that leak checks on the id
// also find mounts of the bundle.
type Bundle struct {
	// ID is a fresh container id to run the bundle under.
	ID string
	// Dir is the bundle directory, which holds config.json.
	Dir string
	// Rootfs is the absolute path of the rootfs that root.path names.
	Rootfs string

	spec *specs.Spec
}

// NewBundle makes a bundle in the test's temporary directory with a
// private copy of rootfs at Dir/rootfs, so that the test may write to it.
// config.json is runc 1.5.3's `runc spec` with the process args replaced
// by args (when given), terminal off, and root.readonly false. It needs
// the reference runc (see Runc).
func NewBundle(t testing.TB, rootfs string, args ...string) *Bundle {
	t.Helper()
	b := newBundle(t)
	b.Rootfs = filepath.Join(b.Dir, "rootfs")
	if err := testrootfs.Copy(rootfs, b.Rootfs); err != nil {
		t.Fatalf("copy rootfs for bundle: %v", err)
	}
	b.writeDefaultSpec(t, "rootfs", false, args)
	return b
}

// NewSharedBundle makes a bundle whose root.path is rootfs itself, not a
// copy, with root.readonly true: the cheap way to run a large shared
// rootfs such as GlibcRootfs. Everything else is as in NewBundle.
func NewSharedBundle(t testing.TB, rootfs string, args ...string) *Bundle {
	t.Helper()
	b := newBundle(t)
	b.Rootfs = rootfs
	b.writeDefaultSpec(t, rootfs, true, args)
	return b
}

func newBundle(t testing.TB) *Bundle {
	t.Helper()
	id := NewID(t)
	return &Bundle{ID: id, Dir: filepath.Join(t.TempDir(), id)}
}

func (b *Bundle) writeDefaultSpec(t testing.TB, rootPath string, readonly bool, args []string) {
	t.Helper()
	s, err := testrootfs.Bundle(runcBinary(t), b.Dir, rootPath, args...)
	if err != nil {
		t.Fatalf("write bundle config: %v", err)
	}
	s.Root.Readonly = readonly
	b.spec = s
	b.Save(t)
}

// Spec returns the bundle's spec for the test to edit; Save writes the
// edits to config.json.
func (b *Bundle) Spec() *specs.Spec { return b.spec }

// Save writes the spec to Dir/config.json.
func (b *Bundle) Save(t testing.TB) {
	t.Helper()
	if err := testrootfs.WriteSpec(b.Dir, b.spec); err != nil {
		t.Fatalf("save bundle config: %v", err)
	}
}

// ConfigPath returns the path of the bundle's config.json.
func (b *Bundle) ConfigPath() string { return filepath.Join(b.Dir, "config.json") }

// SetAnnotation sets one annotation in the spec; call Save afterwards.
func (b *Bundle) SetAnnotation(key, value string) {
	if b.spec.Annotations == nil {
		b.spec.Annotations = map[string]string{}
	}
	b.spec.Annotations[key] = value
}

// NewID returns a fresh container id made of a short form of the test's
// name and random hex, such as "at-testrunexit-3f9c2a1b".
func NewID(t testing.TB) string {
	t.Helper()
	var buf [4]byte
	if _, err := rand.Read(buf[:]); err != nil {
		t.Fatalf("random id: %v", err)
	}
	return "at-" + idStem(t.Name()) + "-" + hex.EncodeToString(buf[:])
}

// idStem keeps the letters and digits of a test name, lower case, at most
// 20 of them.
func idStem(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if b.Len() == 20 {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "test"
	}
	return b.String()
}

// AddProbe copies the static probe binary into the bundle's private rootfs
// at ProbePath. It fails the test for a bundle that shares its rootfs.
func (b *Bundle) AddProbe(t testing.TB) {
	t.Helper()
	data, err := os.ReadFile(ProbeBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(b.Rootfs, ProbePath)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatalf("add the probe to the bundle: %v", err)
	}
}
