// Package netns runs code inside a network namespace without moving the
// calling process: a socket keeps the netns it was created in, so it is
// enough to create sockets (and netlink connections) on an OS thread that
// has joined the netns for that moment.
package netns

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// Open opens the netns file at path (such as /proc/PID/ns/net or
// /run/netns/NAME) and checks that it is a network namespace.
func Open(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open netns %q: %w", path, err)
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil || st.Type != unix.NSFS_MAGIC {
		f.Close()
		return nil, fmt.Errorf("netns %q: not a namespace file", path)
	}
	return f, nil
}

// Inode returns the inode number of the namespace f refers to, which
// names the namespace for as long as it exists.
func Inode(f *os.File) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return 0, fmt.Errorf("stat netns %q: %w", f.Name(), err)
	}
	return st.Ino, nil
}

// Do runs fn on an OS thread that has joined the netns f refers to. The
// thread is never handed back to the Go scheduler: the goroutine exits
// still locked to it, so the runtime ends the thread rather than let
// another goroutine run in the wrong netns. When that thread is the main
// thread, the runtime parks it for good instead, still in that netns: the
// process's own netns is then /proc/thread-self/ns/net, not
// /proc/self/ns/net.
func Do(f *os.File, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: see the doc comment.
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("enter netns %q: %w", f.Name(), err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// DoPath is Do on the netns at path.
func DoPath(path string, fn func() error) error {
	f, err := Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return Do(f, fn)
}

// Worker runs functions on one OS thread that stays in a netns, which
// saves Do's thread creation on a hot path. The functions must not block
// for long (creating a socket, connecting a UDP socket), since they run
// one at a time.
type Worker struct {
	reqs chan func()
}

// NewWorker starts a Worker in the netns f refers to. Close ends it.
func NewWorker(f *os.File) (*Worker, error) {
	w := &Worker{reqs: make(chan func())}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: the thread ends with the goroutine.
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("enter netns %q: %w", f.Name(), err)
			return
		}
		errc <- nil
		for fn := range w.reqs {
			fn()
		}
	}()
	if err := <-errc; err != nil {
		return nil, err
	}
	return w, nil
}

// Do runs fn on the worker's thread and returns its error.
func (w *Worker) Do(fn func() error) error {
	errc := make(chan error, 1)
	w.reqs <- func() { errc <- fn() }
	return <-errc
}

// Close ends the worker; Do must not be called afterwards.
func (w *Worker) Close() { close(w.reqs) }
