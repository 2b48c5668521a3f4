package runtime

import (
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/opencontainers/runc/libcontainer"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/agentrt/agentrt/runtime/landlock"
)

// launch starts one container process, init or exec, and follows it to
// its end when attached. It is the part of the lifecycle that create, run
// and exec share.
type launch struct {
	container     *libcontainer.Container
	process       *specs.Process
	init          bool // the container's init, not an exec
	start         bool // init only: start the user process now (run)
	detach        bool
	consoleSocket string
	pidfdSocket   string
	pidFile       string
	preserveFDs   int
	subreaper     bool
	subCgroups    map[string]string
	// afterCreate runs once init waits on the exec fifo, before any of
	// the container's own code has run; an error kills the container.
	afterCreate func(pid int) error
}

func (l *launch) run() (int, error) {
	if err := checkTerminal(l.process.Terminal, l.detach, l.consoleSocket); err != nil {
		return -1, err
	}
	p, err := newProcess(l.process, l.init)
	if err != nil {
		return -1, err
	}
	p.SubCgroupPaths = l.subCgroups
	if err := l.addFiles(p); err != nil {
		return -1, err
	}
	var fw *forwarder
	if !l.detach {
		fw = newForwarder(l.subreaper)
		defer fw.stop()
	}
	io, err := setupStdio(p, l.container, l.process.Terminal, l.detach, l.consoleSocket)
	if err != nil {
		return -1, err
	}
	defer io.Close()
	if l.pidfdSocket != "" {
		done, err := sendPidfdTo(p, l.pidfdSocket)
		if err != nil {
			return -1, err
		}
		defer done()
	}
	if err := l.container.Start(p); err != nil {
		return -1, err
	}
	if err := l.finishStart(p, io); err != nil {
		terminate(p)
		return -1, err
	}
	if l.detach {
		return 0, nil
	}
	return fw.wait(p, io)
}

// finishStart completes the start of a process that exists: the terminal,
// agentrt's own setup of a new init, the user process for run, the pid
// file.
func (l *launch) finishStart(p *libcontainer.Process, io *stdio) error {
	if err := io.waitPty(); err != nil {
		return err
	}
	io.closeAfterStart()
	pid, err := p.Pid()
	if err != nil {
		return err
	}
	if l.init && l.afterCreate != nil {
		if err := l.afterCreate(pid); err != nil {
			return err
		}
	}
	if l.init && l.start {
		if err := l.container.Exec(); err != nil {
			return fmt.Errorf("start container process: %w", err)
		}
	}
	if l.detach && l.running() {
		if _, wrapped := landlock.Unwrap(l.process.Args); wrapped {
			if err := waitEntryDone(pid); err != nil {
				return err
			}
		}
	}
	if l.pidFile != "" {
		return writePidFile(l.pidFile, pid)
	}
	return nil
}

// running reports whether the process now runs its own command: an exec,
// or an init that run started. A created init waits on the exec fifo.
func (l *launch) running() bool { return !l.init || l.start }

// addFiles passes on socket-activation descriptors (LISTEN_FDS meant for
// agentrt) and the --preserve-fds ones, in that order, as runc does.
func (l *launch) addFiles(p *libcontainer.Process) error {
	n := listenFDs()
	for fd := 3; fd < 3+n; fd++ {
		p.ExtraFiles = append(p.ExtraFiles, os.NewFile(uintptr(fd), "listen-fd-"+strconv.Itoa(fd)))
	}
	if n > 0 {
		p.Env = append(p.Env, "LISTEN_FDS="+strconv.Itoa(n), "LISTEN_PID=1")
	}
	files, err := preservedFiles(3+n, l.preserveFDs)
	if err != nil {
		return err
	}
	p.ExtraFiles = append(p.ExtraFiles, files...)
	return nil
}

// listenFDs is the number of socket-activation descriptors systemd (or an
// engine acting like it) passed to this very process.
func listenFDs() int {
	if os.Getenv("LISTEN_PID") != strconv.Itoa(os.Getpid()) {
		return 0
	}
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// sendPidfdTo hands the process' pidfd to the engine listening on path.
func sendPidfdTo(p *libcontainer.Process, path string) (func(), error) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("--pidfd-socket %q: %w", path, err)
	}
	f, err := conn.(*net.UnixConn).File()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("--pidfd-socket %q: %w", path, err)
	}
	p.PidfdSocket = f
	return func() { f.Close(); conn.Close() }, nil
}

// terminate kills a process whose start failed half-way.
func terminate(p *libcontainer.Process) {
	p.Signal(unix.SIGKILL)
	p.Wait()
}
