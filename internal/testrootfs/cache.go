package testrootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultCacheDir is where built trees are kept across runs when it is
// writable.
const DefaultCacheDir = "/var/cache/agentrt-test"

// CacheDirEnv names the environment variable that overrides the cache
// directory.
const CacheDirEnv = "AGENTRT_TEST_CACHE"

// CacheDir returns the directory that holds cached trees, creating it:
// $AGENTRT_TEST_CACHE if set, else DefaultCacheDir, else (when that cannot
// be created, as for a user other than root) a directory under
// os.TempDir().
func CacheDir() (string, error) {
	if dir := os.Getenv(CacheDirEnv); dir != "" {
		return dir, os.MkdirAll(dir, 0o755)
	}
	if err := os.MkdirAll(DefaultCacheDir, 0o755); err == nil && unix.Access(DefaultCacheDir, unix.W_OK) == nil {
		return DefaultCacheDir, nil
	}
	dir := filepath.Join(os.TempDir(), "agentrt-test-cache")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create cache directory %q: %w", dir, err)
	}
	return dir, nil
}

// Cached returns cacheDir/name, calling build to fill it first unless a
// completed build is already there. build gets an empty directory on the
// same file system; the result becomes visible under the final name only
// once build returns nil, and a marker file cacheDir/name.complete records
// that it finished. A file lock serialises builds of the same name across
// processes, so test binaries that run in parallel build a tree once.
func Cached(cacheDir, name string, build func(dir string) error) (string, error) {
	final := filepath.Join(cacheDir, name)
	marker := final + ".complete"
	if fileExists(marker) {
		return final, nil
	}
	unlock, err := lockFile(final + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if fileExists(marker) {
		return final, nil
	}
	if err := removeStale(cacheDir, name); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(cacheDir, name+".tmp-")
	if err != nil {
		return "", fmt.Errorf("build %q: %w", name, err)
	}
	if err := build(tmp); err != nil {
		_ = removeTree(tmp)
		return "", fmt.Errorf("build %q: %w", name, err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return "", fmt.Errorf("build %q: %w", name, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", fmt.Errorf("build %q: %w", name, err)
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		return "", fmt.Errorf("build %q: %w", name, err)
	}
	return final, nil
}

// removeStale deletes what an interrupted build of name left: a final
// directory without its marker, and temporary directories.
func removeStale(cacheDir, name string) error {
	stale, err := filepath.Glob(filepath.Join(cacheDir, name+".tmp-*"))
	if err != nil {
		return err
	}
	stale = append(stale, filepath.Join(cacheDir, name))
	for _, dir := range stale {
		if err := removeTree(dir); err != nil {
			return fmt.Errorf("remove stale build %q: %w", dir, err)
		}
	}
	return nil
}

// removeTree unmounts anything mounted below dir (debootstrap mounts /proc
// and /sys into its target and leaves them there when it is interrupted)
// and then removes dir.
func removeTree(dir string) error {
	if err := unmountUnder(dir); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

// unmountUnder lazily unmounts every mount point at or below dir, deepest
// first.
func unmountUnder(dir string) error {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	var points []string
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 5 {
			continue
		}
		p := UnescapeMountinfo(fields[4])
		if p == dir || strings.HasPrefix(p, dir+"/") {
			points = append(points, p)
		}
	}
	for i := len(points) - 1; i >= 0; i-- {
		if err := unix.Unmount(points[i], unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("unmount %q: %w", points[i], err)
		}
	}
	return nil
}

// UnescapeMountinfo undoes the octal escapes (\040 for a space and so on)
// that the kernel writes in the fields of /proc/*/mountinfo.
func UnescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if c, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(c))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// lockFile takes an exclusive flock on path, creating it, and returns the
// function that releases it.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock %q: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %q: %w", path, err)
	}
	return func() { f.Close() }, nil
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
