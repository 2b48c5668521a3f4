package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// OpenPty opens a new pseudo-terminal pair. Give the slave to a command
// as its stdin, stdout and stderr, close it once the command has started,
// and read what the command writes with ReadTerminal on the master. Both
// are closed when the test ends.
func OpenPty(t testing.TB) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	var n uint32
	err = withFd(master, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return fmt.Errorf("unlock pty: %w", err)
		}
		var err error
		n, err = unix.IoctlGetUint32(fd, unix.TIOCGPTN)
		return err
	})
	if err != nil {
		t.Fatalf("set up pty: %v", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("open pty slave: %v", err)
	}
	t.Cleanup(func() { slave.Close() })
	return master, slave
}

// withFd runs fn on f's descriptor without putting f into blocking mode,
// as f.Fd() would, so that read deadlines keep working.
func withFd(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var fnErr error
	if err := rc.Control(func(fd uintptr) { fnErr = fn(int(fd)) }); err != nil {
		return err
	}
	return fnErr
}

// ReadTerminal reads a pty master until no process holds the slave any
// more (the kernel then fails the read with EIO) or until timeout, and
// returns what it read, with the terminal's "\r\n" turned into "\n".
func ReadTerminal(t testing.TB, master *os.File, timeout time.Duration) string {
	t.Helper()
	if err := master.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		t.Fatalf("pty master has no deadlines: %v", err)
	}
	var out bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := master.Read(buf)
		out.Write(buf[:n])
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("terminal still open after %v; read so far: %q", timeout, out.String())
			break
		}
		if err != nil {
			break // EIO: the last slave was closed
		}
	}
	return strings.ReplaceAll(out.String(), "\r\n", "\n")
}

// FDSocket is the receiving end of a runtime's --console-socket or
// --pidfd-socket: a unix socket on which the runtime sends one descriptor
// with SCM_RIGHTS, as it does for an engine (the master of the
// container's pseudo-terminal, or a pidfd of the process).
type FDSocket struct {
	// Path is the socket to pass to the runtime.
	Path string
	got  chan receivedFD
}

type receivedFD struct {
	file *os.File
	err  error
}

// NewFDSocket listens on a new socket in a short temporary directory
// (socket paths are limited to 107 bytes) and accepts one connection.
func NewFDSocket(t testing.TB) *FDSocket {
	t.Helper()
	dir, err := os.MkdirTemp("", "fdsock-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	c := &FDSocket{Path: filepath.Join(dir, "sock"), got: make(chan receivedFD, 1)}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: c.Path, Net: "unix"})
	if err != nil {
		t.Fatalf("listen on %q: %v", c.Path, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		f, err := acceptFD(ln)
		c.got <- receivedFD{f, err}
	}()
	return c
}

// Receive waits for the runtime to send the descriptor and returns it,
// in non-blocking mode so that read deadlines work on a pty master; it is
// closed when the test ends.
func (c *FDSocket) Receive(t testing.TB, timeout time.Duration) *os.File {
	t.Helper()
	select {
	case r := <-c.got:
		if r.err != nil {
			t.Fatalf("receive a descriptor on %q: %v", c.Path, r.err)
		}
		t.Cleanup(func() { r.file.Close() })
		return r.file
	case <-time.After(timeout):
		t.Fatalf("no descriptor received on %q within %v", c.Path, timeout)
		return nil
	}
}

func acceptFD(ln *net.UnixListener) (*os.File, error) {
	conn, err := ln.AcceptUnix()
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	name := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := conn.ReadMsgUnix(name, oob)
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("message has %d control messages, want 1 (%v)", len(msgs), err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, fmt.Errorf("message carries %d descriptors, want 1 (%v)", len(fds), err)
	}
	// Non-blocking, so that os.File polls it and read deadlines work.
	if err := unix.SetNonblock(fds[0], true); err != nil {
		unix.Close(fds[0])
		return nil, err
	}
	return os.NewFile(uintptr(fds[0]), "received-fd"), nil
}

// CgroupDir returns the directory of process pid's cgroup for controller
// ("pids", "memory" ...): in the cgroup v1 hierarchy of that controller
// when there is one (these machines have hybrid cgroups), else in the
// cgroup v2 hierarchy, in which case v2 is true.
func CgroupDir(t testing.TB, pid int, controller string) (dir string, v2 bool) {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatalf("cgroups of process %d: %v", pid, err)
	}
	var unified string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			unified = parts[2]
			continue
		}
		if slices.Contains(strings.Split(parts[1], ","), controller) {
			return filepath.Join("/sys/fs/cgroup", parts[1], parts[2]), false
		}
	}
	if unified != "" {
		return filepath.Join("/sys/fs/cgroup", unified), true
	}
	t.Fatalf("process %d is in no cgroup with controller %q:\n%s", pid, controller, data)
	return "", false
}
