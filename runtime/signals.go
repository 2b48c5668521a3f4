package runtime

import (
	"os"
	"os/signal"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/system"
	"github.com/opencontainers/runc/libcontainer/utils"
	"golang.org/x/sys/unix"
)

// signalBuffer is large so that a burst of signals (SIGCHLD from many
// exiting children) is not lost before it is forwarded or reaped.
const signalBuffer = 2048

// forwarder relays the signals agentrt receives to the container process
// it waits for, and reaps children until that process exits.
type forwarder struct {
	signals chan os.Signal
}

// newForwarder starts catching signals. It must be called before the
// container process starts, so that no SIGCHLD is missed. With subreaper,
// agentrt also adopts and reaps the container's orphans when the process
// runs without its own pid namespace.
func newForwarder(subreaper bool) *forwarder {
	if subreaper {
		if err := system.SetSubreaper(1); err != nil {
			logger().Warnf("set subreaper failed, orphaned processes will not be reaped by agentrt: %v", err)
		}
	}
	f := &forwarder{signals: make(chan os.Signal, signalBuffer)}
	signal.Notify(f.signals)
	return f
}

// stop stops catching signals.
func (f *forwarder) stop() { signal.Stop(f.signals) }

// wait forwards signals to p until p exits, and returns its exit status
// (128+signal when it was killed, as a shell reports it).
func (f *forwarder) wait(p *libcontainer.Process, io *stdio) (int, error) {
	pid, err := p.Pid()
	if err != nil {
		return -1, err
	}
	io.resize()
	for s := range f.signals {
		switch s {
		case unix.SIGWINCH:
			io.resize()
		case unix.SIGCHLD:
			if status, done := f.reap(pid); done {
				p.Wait()
				return status, nil
			}
		case unix.SIGURG:
			// The Go runtime preempts goroutines with SIGURG; it is
			// not meant for the container.
		default:
			if err := p.Signal(s); err != nil {
				logger().Debugf("forward signal %v to %d: %v", s, pid, err)
			}
		}
	}
	return -1, nil
}

// reap collects every exited child and reports whether pid was among them.
func (f *forwarder) reap(pid int) (status int, done bool) {
	for {
		var ws unix.WaitStatus
		var ru unix.Rusage
		got, err := unix.Wait4(-1, &ws, unix.WNOHANG, &ru)
		if err != nil || got <= 0 {
			return status, done
		}
		if got == pid {
			status, done = utils.ExitStatus(ws), true
		}
	}
}
