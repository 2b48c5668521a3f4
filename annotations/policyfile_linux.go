package annotations

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/agentrt/agentrt/policy"
)

// ReadPolicyFile reads the image's request, PolicyFilePath inside rootfs
// (a host path). The file is an image author's input and the rootfs may
// be hostile, so it is opened without ever leaving rootfs: every lookup
// is confined to rootfs (RESOLVE_IN_ROOT), and any symlink on the path,
// even one pointing inside rootfs, is refused (RESOLVE_NO_SYMLINKS);
// image authors ship a regular file. FIFOs, devices and directories are
// refused before they are opened for reading, as is a file above
// MaxPolicyFileSize. A missing file, or a missing /etc/agentrt, is not an
// error: the result is nil. The schema is that of ParsePolicyJSON.
func ReadPolicyFile(rootfs string) (*policy.Request, error) {
	data, err := readPolicyFile(rootfs)
	if err != nil {
		return nil, &PolicyFileError{Rootfs: rootfs, Path: PolicyFilePath, Err: err}
	}
	if data == nil {
		return nil, nil
	}
	return ParsePolicyJSON(data, policy.ChannelPolicyFile, PolicyFilePath)
}

// readPolicyFile returns the file's bytes, or nil when it does not exist.
func readPolicyFile(rootfs string) ([]byte, error) {
	root, err := unix.Open(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open rootfs: %w", err)
	}
	defer unix.Close(root)
	f, err := openConfined(root, strings.TrimPrefix(PolicyFilePath, "/"))
	switch {
	case errors.Is(err, unix.ENOENT):
		return nil, nil
	case errors.Is(err, unix.ELOOP):
		return nil, ErrSymlink
	case err != nil:
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxPolicyFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxPolicyFileSize {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrFileTooLarge, MaxPolicyFileSize)
	}
	return data, nil
}

// opener opens a path under root: openat2InRoot, with a fallback to
// openatNoSymlinks on kernels without openat2. Tests swap in the
// fallback to exercise it on this kernel.
var opener = openat2InRoot

// openConfined opens rel under root for reading, only if it is a regular
// file: first as O_PATH, which opens nothing, to check the type; then
// for reading, checking that the same inode came back.
func openConfined(root int, rel string) (*os.File, error) {
	open := opener
	probe, err := open(root, rel, unix.O_PATH)
	if errors.Is(err, unix.ENOSYS) {
		open = openatNoSymlinks
		probe, err = open(root, rel, unix.O_PATH)
	}
	if err != nil {
		return nil, err
	}
	defer unix.Close(probe)
	want, err := regularFile(probe)
	if err != nil {
		return nil, err
	}
	fd, err := open(root, rel, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOCTTY)
	if err != nil {
		return nil, err
	}
	got, err := regularFile(fd)
	if err == nil && (got.Dev != want.Dev || got.Ino != want.Ino) {
		err = errors.New("file replaced while it was opened")
	}
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), PolicyFilePath), nil
}

// regularFile fstats fd and refuses anything but a regular file of at
// most MaxPolicyFileSize bytes.
func regularFile(fd int) (*unix.Stat_t, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	switch {
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		return nil, ErrSymlink
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return nil, fmt.Errorf("%w (mode %#o)", ErrNotRegular, st.Mode&unix.S_IFMT)
	case st.Size > MaxPolicyFileSize:
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrFileTooLarge, st.Size, MaxPolicyFileSize)
	}
	return &st, nil
}

// openat2InRoot resolves rel inside root and refuses every symlink.
// RESOLVE_IN_ROOT also keeps ".." and absolute symlinks from escaping,
// should RESOLVE_NO_SYMLINKS ever be dropped.
func openat2InRoot(root int, rel string, flags int) (int, error) {
	how := &unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS,
	}
	for range 8 { // EAGAIN: a concurrent rename; the kernel asks to retry
		fd, err := unix.Openat2(root, rel, how)
		if !errors.Is(err, unix.EAGAIN) {
			return fd, err
		}
	}
	return -1, unix.EAGAIN
}

// openatNoSymlinks is openat2InRoot for kernels before 5.6, which lack
// openat2: it walks rel one component at a time with O_NOFOLLOW, so a
// symlink anywhere fails with ELOOP (or is caught by regularFile when it
// is the last component and flags has O_PATH). rel must not contain "..".
func openatNoSymlinks(root int, rel string, flags int) (int, error) {
	parts := strings.Split(rel, "/")
	dir := root
	closeDir := func() {
		if dir != root {
			unix.Close(dir)
		}
	}
	defer closeDir()
	for _, part := range parts[:len(parts)-1] {
		next, err := unix.Openat(dir, part, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, symlinkAsLoop(dir, part, err)
		}
		closeDir()
		dir = next
	}
	return unix.Openat(dir, parts[len(parts)-1], flags|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
}

// symlinkAsLoop turns the ENOTDIR that O_DIRECTORY|O_NOFOLLOW gives for
// a symlink into ELOOP, as openat2 reports it.
func symlinkAsLoop(dir int, name string, err error) error {
	var st unix.Stat_t
	if errors.Is(err, unix.ENOTDIR) && unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil &&
		st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return unix.ELOOP
	}
	return err
}
