package runtime

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"

	"github.com/containerd/console"
	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/utils"
)

// stdio connects a container process to agentrt's own stdio, to a
// terminal, or to a console socket the engine handed over. Its methods are
// called in lifecycle order: after start (closeAfterStart), while waiting
// (resize) and at the end (Close).
type stdio struct {
	host      console.Console       // agentrt's terminal, for --tty without a socket
	pty       *console.EpollConsole // the container's terminal master
	epoller   *console.Epoller
	ptyC      chan error // the receipt of the pty master
	copying   sync.WaitGroup
	closers   []io.Closer // closed at the end
	postStart []io.Closer // closed once the process has started
}

// setupStdio chooses the stdio of process p: a terminal when the process
// asks for one, else agentrt's own descriptors when detaching (the caller
// handed them over for the container), else pipes copied to and from
// agentrt's stdio.
func setupStdio(p *libcontainer.Process, c *libcontainer.Container, terminal, detach bool, consoleSocket string) (*stdio, error) {
	switch {
	case terminal && detach:
		return sendConsoleToSocket(p, consoleSocket)
	case terminal:
		return attachConsole(p)
	case detach:
		p.Stdin, p.Stdout, p.Stderr = os.Stdin, os.Stdout, os.Stderr
		return &stdio{}, nil
	}
	cfg := c.Config()
	uid, err := cfg.HostRootUID()
	if err != nil {
		return nil, err
	}
	gid, err := cfg.HostRootGID()
	if err != nil {
		return nil, err
	}
	return copyPipes(p, uid, gid)
}

// checkTerminal refuses the combinations runc refuses: a terminal for a
// detached process needs a socket to send it to, and a socket is only
// used for a detached terminal.
func checkTerminal(terminal, detach bool, consoleSocket string) error {
	if detach && terminal && consoleSocket == "" {
		return errors.New("cannot allocate a tty when detaching without --console-socket")
	}
	if (!detach || !terminal) && consoleSocket != "" {
		return errors.New("--console-socket is only used with a terminal and a detached process")
	}
	return nil
}

func sendConsoleToSocket(p *libcontainer.Process, path string) (*stdio, error) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("--console-socket %q: %w", path, err)
	}
	f, err := conn.(*net.UnixConn).File()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("--console-socket %q: %w", path, err)
	}
	p.Stdin, p.Stdout, p.Stderr = nil, nil, nil
	p.ConsoleSocket = f
	return &stdio{postStart: []io.Closer{conn, f}}, nil
}

func attachConsole(p *libcontainer.Process) (*stdio, error) {
	host, err := hostConsole()
	if err != nil {
		return nil, err
	}
	parent, child, err := utils.NewSockPair("console")
	if err != nil {
		return nil, err
	}
	s := &stdio{host: host, ptyC: make(chan error, 1), postStart: []io.Closer{parent, child}}
	p.Stdin, p.Stdout, p.Stderr = nil, nil, nil
	p.ConsoleSocket = child
	go func() { s.ptyC <- s.receivePty(parent) }()
	return s, nil
}

// hostConsole finds the terminal agentrt itself runs on.
func hostConsole() (console.Console, error) {
	for _, f := range []*os.File{os.Stderr, os.Stdout, os.Stdin} {
		c, err := console.ConsoleFromFile(f)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, console.ErrNotAConsole) {
			return nil, fmt.Errorf("get console: %w", err)
		}
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return nil, fmt.Errorf("a terminal was asked for, but agentrt has none: %w", err)
	}
	return console.ConsoleFromFile(tty)
}

// receivePty takes the container's pty master from init and copies it to
// and from agentrt's terminal.
func (s *stdio) receivePty(socket *os.File) error {
	f, err := utils.RecvFile(socket)
	if err != nil {
		return fmt.Errorf("receive pty master: %w", err)
	}
	pty, err := console.ConsoleFromFile(f)
	if err != nil {
		return err
	}
	if err := console.ClearONLCR(pty.Fd()); err != nil {
		return err
	}
	ep, err := console.NewEpoller()
	if err != nil {
		return err
	}
	epc, err := ep.Add(pty)
	if err != nil {
		return err
	}
	go ep.Wait()
	go io.Copy(epc, os.Stdin)
	s.copying.Add(1)
	go s.copy(os.Stdout, epc)
	if err := s.host.SetRaw(); err != nil {
		epc.Close()
		return fmt.Errorf("set the terminal raw: %w", err)
	}
	go resetOnInterrupt(s.host)
	s.epoller, s.pty = ep, epc
	s.closers = []io.Closer{epc}
	return nil
}

// resetOnInterrupt restores the host terminal if agentrt is interrupted
// while the terminal is raw.
func resetOnInterrupt(c console.Console) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	<-ch
	c.Reset()
	os.Exit(0)
}

func copyPipes(p *libcontainer.Process, uid, gid int) (*stdio, error) {
	pipes, err := p.InitializeIO(uid, gid)
	if err != nil {
		return nil, err
	}
	s := &stdio{closers: []io.Closer{pipes.Stdin, pipes.Stdout, pipes.Stderr}}
	for _, f := range []any{p.Stdin, p.Stdout, p.Stderr} {
		if c, ok := f.(io.Closer); ok {
			s.postStart = append(s.postStart, c)
		}
	}
	go func() {
		io.Copy(pipes.Stdin, os.Stdin)
		pipes.Stdin.Close()
	}()
	s.copying.Add(2)
	go s.copy(os.Stdout, pipes.Stdout)
	go s.copy(os.Stderr, pipes.Stderr)
	return s, nil
}

func (s *stdio) copy(w io.Writer, r io.ReadCloser) {
	defer s.copying.Done()
	io.Copy(w, r)
	r.Close()
}

// waitPty waits until init has sent the pty master, when there is one.
func (s *stdio) waitPty() error {
	if s.ptyC == nil {
		return nil
	}
	return <-s.ptyC
}

// closeAfterStart closes the ends the container process now holds.
func (s *stdio) closeAfterStart() {
	for _, c := range s.postStart {
		c.Close()
	}
	s.postStart = nil
}

// resize copies the host terminal's size to the container's.
func (s *stdio) resize() {
	if s.pty != nil && s.host != nil {
		s.pty.ResizeFrom(s.host)
	}
}

// Close waits for the output to drain and restores the host terminal.
func (s *stdio) Close() {
	s.closeAfterStart()
	if s.pty != nil && s.epoller != nil {
		s.pty.Shutdown(s.epoller.CloseConsole)
	}
	s.copying.Wait()
	for _, c := range s.closers {
		c.Close()
	}
	if s.host != nil {
		s.host.Reset()
	}
}
