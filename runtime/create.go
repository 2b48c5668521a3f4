package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/specconv"
)

// CreateOpts are the options of create and run, named as runc's flags.
type CreateOpts struct {
	ID            string
	Bundle        string // default: the working directory
	PidFile       string
	ConsoleSocket string
	PidfdSocket   string
	PreserveFDs   int
	NoPivot       bool
	NoNewKeyring  bool
	// run only
	Detach      bool
	Keep        bool
	NoSubreaper bool
}

// Create creates the container and leaves its init waiting for Start, as
// `runc create` does.
func (r *Runtime) Create(o CreateOpts) error {
	o.Detach, o.Keep = true, true
	_, err := r.launchInit(o, false)
	return err
}

// Run creates and starts the container. Attached, it waits for the
// container's init and returns its exit status; detached, it returns 0 once
// the container runs.
func (r *Runtime) Run(o CreateOpts) (int, error) {
	return r.launchInit(o, true)
}

func (r *Runtime) launchInit(o CreateOpts, start bool) (_ int, retErr error) {
	if err := validateID(o.ID); err != nil {
		return -1, err
	}
	bundle, err := absBundle(o.Bundle)
	if err != nil {
		return -1, err
	}
	if o.PidFile, err = absPath(o.PidFile); err != nil {
		return -1, err
	}
	s, err := loadBundle(bundle)
	if err != nil {
		return -1, err
	}
	prep, err := r.prepare(o.ID, bundle, s)
	if err != nil {
		return -1, err
	}
	if err := checkTerminal(prep.spec.Process.Terminal, o.Detach, o.ConsoleSocket); err != nil {
		return -1, err
	}
	c, err := r.newContainer(o, bundle, prep)
	if err != nil {
		return -1, err
	}
	destroy := !o.Keep
	defer func() {
		if retErr != nil || destroy {
			r.destroy(c)
		}
	}()
	if err := writeRecord(r.stateDir(o.ID), prep.record(bundle, c)); err != nil {
		return -1, err
	}
	l := &launch{
		container:     c,
		process:       prep.spec.Process,
		init:          true,
		start:         start,
		detach:        o.Detach,
		consoleSocket: o.ConsoleSocket,
		pidfdSocket:   o.PidfdSocket,
		pidFile:       o.PidFile,
		preserveFDs:   o.PreserveFDs,
		subreaper:     !o.NoSubreaper,
		afterCreate:   func(pid int) error { return r.finishCreate(c, prep, pid) },
	}
	status, err := l.run()
	destroy = destroy && !o.Detach
	return status, err
}

// newContainer converts the hardened spec into libcontainer's config and
// creates the container's state directory.
func (r *Runtime) newContainer(o CreateOpts, bundle string, p *prepared) (*libcontainer.Container, error) {
	s := p.spec
	if r.SystemdCgroup {
		return nil, fmt.Errorf("--systemd-cgroup: %w (this host has no systemd)", ErrNotSupported)
	}
	// specconv takes the bundle from the working directory, and resolves
	// a relative root.path against it.
	if err := os.Chdir(bundle); err != nil {
		return nil, fmt.Errorf("enter bundle %q: %w", bundle, err)
	}
	cfg, err := specconv.CreateLibcontainerConfig(&specconv.CreateOpts{
		CgroupName:      o.ID,
		NoPivotRoot:     o.NoPivot,
		NoNewKeyring:    o.NoNewKeyring,
		Spec:            s,
		RootlessEUID:    os.Geteuid() != 0,
		RootlessCgroups: r.rootlessCgroups(),
	})
	if err != nil {
		return nil, fmt.Errorf("convert spec of bundle %q: %w", bundle, err)
	}
	c, err := libcontainer.Create(r.Root, o.ID, cfg)
	if errors.Is(err, libcontainer.ErrExist) {
		return nil, fmt.Errorf("container %q already exists", o.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("create container %q: %w", o.ID, err)
	}
	// c keeps cfg: init reads the sysctl from it at start.
	maybeSealMemfds(cfg, s, p.ruleset != nil)
	return c, nil
}

// rootlessCgroups says whether cgroup permission errors are ignored.
func (r *Runtime) rootlessCgroups() bool {
	switch r.Rootless {
	case "true":
		return true
	case "false":
		return false
	}
	return os.Geteuid() != 0
}

// destroy removes what a failed or finished container holds, logging what
// it could not remove: the caller is already on its way out.
func (r *Runtime) destroy(c *libcontainer.Container) {
	r.teardownEgress(c.ID())
	if err := c.Destroy(); err != nil {
		logger().Warnf("destroy container %q: %v; its state or cgroup may be left behind", c.ID(), err)
	}
}

func absBundle(bundle string) (string, error) {
	if bundle == "" {
		return os.Getwd()
	}
	abs, err := filepath.Abs(bundle)
	if err != nil {
		return "", fmt.Errorf("bundle %q: %w", bundle, err)
	}
	return abs, nil
}

func absPath(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("path %q: %w", path, err)
	}
	return abs, nil
}
