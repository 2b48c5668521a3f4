package egress

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/agentrt/agentrt/runtime/egress/dnsfilter"
	"github.com/agentrt/agentrt/runtime/egress/netns"
)

// FilterArg is the hidden first argument with which agentrt re-executes
// itself as a DNS filter (see MaybeRunDNSFilter).
const FilterArg = "egress-dns-filter"

// The filter process gets its netns, its readiness pipe and its sockets
// as inherited descriptors, from fd 3 on.
const (
	fdNetns     = 3
	fdReady     = 4
	fdListeners = 5
)

const (
	filterReadyTimeout = 5 * time.Second
	filterPoll         = 500 * time.Millisecond
	filterStopGrace    = 2 * time.Second
)

// filterConfig is the filter process's configuration, in filter.json.
type filterConfig struct {
	ContainerID string        `json:"containerId"`
	Plan        *plan         `json:"plan"`
	Upstreams   []string      `json:"upstreams"`
	MinTTL      time.Duration `json:"minTTL,omitempty"`
	AuditLog    string        `json:"auditLog,omitempty"`
	UsersDir    string        `json:"usersDir"`
	Listeners   []string      `json:"listeners"`
}

// startFilter starts the DNS filter process for the netns of s and waits
// until it serves. It lives on after agentrt exits: in its own session,
// with its log in the run dir entry.
func startFilter(ctx context.Context, s *setup, ls *listeners) (procID, error) {
	cfgPath := filepath.Join(s.reg.dir, "filter.json")
	if err := writeJSON(cfgPath, s.filterConfig(ls)); err != nil {
		return procID{}, fmt.Errorf("write dns filter config: %w", err)
	}
	logPath := filepath.Join(s.reg.dir, "filter.log")
	cmd, ready, err := spawnFilter(s, cfgPath, logPath, ls)
	if err != nil {
		return procID{}, err
	}
	defer ready.Close()
	id, err := identify(cmd.Process.Pid)
	if err == nil {
		err = waitReady(ctx, ready)
	}
	cmd.Process.Release()
	if err != nil {
		procID{PID: cmd.Process.Pid, Start: id.Start}.stop(filterStopGrace)
		return procID{}, fmt.Errorf("dns filter did not start: %w%s", err, logTail(logPath))
	}
	return id, nil
}

// spawnFilter starts the filter process with its inherited descriptors
// and returns the read end of its readiness pipe.
func spawnFilter(s *setup, cfgPath, logPath string, ls *listeners) (*exec.Cmd, *os.File, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("dns filter log: %w", err)
	}
	defer logf.Close()
	ready, readyW, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	defer readyW.Close()
	cmd := exec.Command(s.executable(), FilterArg, cfgPath)
	cmd.ExtraFiles = append([]*os.File{s.nsf, readyW}, ls.files...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = []string{} // nothing of agentrt's environment, such as libcontainer's
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		ready.Close()
		return nil, nil, fmt.Errorf("start dns filter %q: %w", s.executable(), err)
	}
	return cmd, ready, nil
}

func (s *setup) executable() string {
	if s.o.Executable != "" {
		return s.o.Executable
	}
	return "/proc/self/exe"
}

func (s *setup) filterConfig(ls *listeners) *filterConfig {
	return &filterConfig{
		ContainerID: s.o.ContainerID, Plan: s.p, Upstreams: addrStrings(s.ups),
		MinTTL: s.o.MinTTL, AuditLog: s.o.AuditLog, UsersDir: s.reg.usersDir(), Listeners: ls.kinds,
	}
}

// waitReady waits for the filter's "ok" line; end of file means it died.
func waitReady(ctx context.Context, r *os.File) error {
	deadline := time.Now().Add(filterReadyTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	r.SetReadDeadline(deadline)
	line, err := bufio.NewReader(r).ReadString('\n')
	if strings.TrimSpace(line) == "ok" {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("unexpected %q", line)
	}
	return err
}

// logTail returns the end of the filter log, for an error message.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 512 {
		b = b[len(b)-512:]
	}
	return "; filter log: " + strings.TrimSpace(string(b))
}

// MaybeRunDNSFilter runs the DNS filter when this process was started as
// one (first argument FilterArg), and never returns then. Otherwise it
// returns at once. Call it first thing in main, next to
// runtime.MaybeReexec; test binaries that exercise Setup call it in
// TestMain.
func MaybeRunDNSFilter() {
	if len(os.Args) < 2 || os.Args[1] != FilterArg {
		return
	}
	if len(os.Args) != 3 {
		fmt.Fprintf(os.Stderr, "usage: %s CONFIG\n", FilterArg)
		os.Exit(2)
	}
	if err := runFilter(os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "%s dns filter: %v\n", time.Now().UTC().Format(time.RFC3339), err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runFilter is the filter process: it serves until no container using
// the netns has a live init, or until SIGTERM.
func runFilter(cfgPath string) error {
	var cfg filterConfig
	if err := readJSON(cfgPath, &cfg); err != nil {
		return err
	}
	nsf := os.NewFile(fdNetns, "netns")
	srv, sink, err := newFilterServer(&cfg, nsf)
	if err != nil {
		return err
	}
	defer sink.close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	errc := make(chan error, len(cfg.Listeners))
	for i, kind := range cfg.Listeners {
		if err := serve(ctx, srv, kind, os.NewFile(uintptr(fdListeners+i), kind), errc); err != nil {
			return err
		}
	}
	ready := os.NewFile(fdReady, "ready")
	fmt.Fprintln(ready, "ok")
	ready.Close()
	fmt.Fprintf(os.Stderr, "%s dns filter for %q serving %v, upstreams %v\n",
		time.Now().UTC().Format(time.RFC3339), cfg.ContainerID, cfg.Listeners, cfg.Upstreams)
	return waitForEnd(ctx, cfg.UsersDir, errc)
}

func newFilterServer(cfg *filterConfig, nsf *os.File) (*dnsfilter.Server, *setSink, error) {
	ups, err := parseUpstreams(cfg.Upstreams)
	if err != nil {
		return nil, nil, err
	}
	sink, err := newSetSink(nsf, cfg.Plan)
	if err != nil {
		return nil, nil, err
	}
	w, err := netns.NewWorker(nsf)
	if err != nil {
		return nil, nil, err
	}
	aud := newAuditor(cfg.AuditLog, cfg.ContainerID, os.Stderr)
	srv := dnsfilter.New(dnsfilter.Config{
		Match: cfg.Plan.match, Blocked: blockedFor(cfg.Plan.CIDRs), Allow: sink.allow,
		Upstreams: ups, Dial: markedDialer(nsf, w), Log: aud.event, MinTTL: cfg.MinTTL,
	})
	return srv, sink, nil
}

// serve starts serving one inherited socket.
func serve(ctx context.Context, srv *dnsfilter.Server, kind string, f *os.File, errc chan<- error) error {
	defer f.Close()
	if strings.HasPrefix(kind, "udp") {
		pc, err := net.FilePacketConn(f)
		if err != nil {
			return fmt.Errorf("%s socket: %w", kind, err)
		}
		go func() { errc <- srv.ServeUDP(ctx, pc) }()
		return nil
	}
	l, err := net.FileListener(f)
	if err != nil {
		return fmt.Errorf("%s socket: %w", kind, err)
	}
	go func() { errc <- srv.ServeTCP(ctx, l) }()
	return nil
}

// waitForEnd returns when the filter is no longer needed or a socket
// failed.
func waitForEnd(ctx context.Context, usersDir string, errc <-chan error) error {
	t := time.NewTicker(filterPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-errc:
			if err == nil {
				err = errors.New("socket closed")
			}
			return err
		case <-t.C:
			if !anyUserAlive(usersDir) {
				return nil
			}
		}
	}
}
