package runtime

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/manager"
	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"
)

// Start runs the user process of a created container.
func (r *Runtime) Start(id string) error {
	c, err := r.load(id)
	if err != nil {
		return err
	}
	status, err := c.Status()
	if err != nil {
		return err
	}
	switch status {
	case libcontainer.Created:
		if err := r.checkCreated(c.ID()); err != nil {
			return err
		}
		if err := c.Exec(); err != nil {
			return err
		}
		return r.waitStarted(c)
	case libcontainer.Stopped:
		return fmt.Errorf("cannot start container %q: it has stopped", id)
	case libcontainer.Running:
		return fmt.Errorf("cannot start container %q: it is already running", id)
	default:
		return fmt.Errorf("cannot start container %q in the %s state", id, status)
	}
}

// checkCreated refuses a container whose create did not finish: one whose
// agentrt was killed after libcontainer saved the state but before the
// egress rules, the live checks and the report. Starting it would run the
// agent below its policy.
func (r *Runtime) checkCreated(id string) error {
	rec, err := readRecord(r.stateDir(id))
	if err != nil {
		return err
	}
	if rec == nil || !rec.Created {
		return fmt.Errorf("cannot start container %q: its create did not finish; remove it with delete --force", id)
	}
	return nil
}

// waitStarted waits, for a container whose init runs through the sandbox
// entry, until init runs the agent's own command.
func (r *Runtime) waitStarted(c *libcontainer.Container) error {
	rec, err := readRecord(r.stateDir(c.ID()))
	if err != nil || rec == nil || rec.Ruleset == nil {
		return err
	}
	st, err := c.State()
	if err != nil {
		return err
	}
	return waitEntryDone(st.InitProcessPid)
}

// Kill sends sig to the container's init. With all, a container that is no
// longer running is not an error (runc's obsolete --all).
func (r *Runtime) Kill(id string, sig unix.Signal, all bool) error {
	c, err := r.load(id)
	if err != nil {
		return err
	}
	err = c.Signal(sig)
	if errors.Is(err, libcontainer.ErrNotRunning) {
		if all {
			return nil
		}
		return fmt.Errorf("cannot kill container %q: it is not running", id)
	}
	return err
}

// Delete removes a stopped or created container. With force it kills a
// running or paused one first, and also cleans up after an agentrt that
// was killed before libcontainer saved the container's state.
func (r *Runtime) Delete(id string, force bool) error {
	if err := validateID(id); err != nil {
		return err
	}
	c, err := libcontainer.Load(r.Root, id)
	if errors.Is(err, libcontainer.ErrNotExist) {
		return r.deleteUnsaved(id, force)
	}
	if err != nil {
		return fmt.Errorf("load container %q: %w", id, err)
	}
	if force {
		return r.killAndDestroy(c)
	}
	status, err := c.Status()
	if err != nil {
		return err
	}
	switch status {
	case libcontainer.Stopped:
		r.teardownEgress(id)
		return c.Destroy()
	case libcontainer.Created:
		return r.killAndDestroy(c)
	default:
		return fmt.Errorf("cannot delete container %q that is not stopped: %s", id, status)
	}
}

// deleteUnsaved removes a state directory without libcontainer state: the
// remains of a create that was killed. Processes already in the
// container's cgroup are killed and the cgroup removed, from agentrt's own
// record written before init started.
func (r *Runtime) deleteUnsaved(id string, force bool) error {
	dir := r.stateDir(id)
	r.teardownEgress(id)
	rec, recErr := readRecord(dir)
	if rec != nil && rec.Cgroups != nil {
		if err := removeCgroup(rec); err != nil {
			return fmt.Errorf("delete container %q: %w", id, err)
		}
	}
	_, statErr := os.Stat(dir)
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("delete container %q: %w", id, err)
	}
	if force || (statErr == nil && recErr == nil) {
		return nil
	}
	return fmt.Errorf("container %q does not exist", id)
}

func removeCgroup(rec *record) error {
	m, err := manager.New(rec.Cgroups)
	if err != nil {
		return err
	}
	if m.Exists() {
		if err := m.Freeze(cgroups.Frozen); err == nil {
			pids, _ := m.GetAllPids()
			for _, pid := range pids {
				unix.Kill(pid, unix.SIGKILL)
			}
			m.Freeze(cgroups.Thawed)
		}
	}
	return destroyCgroupEventually(m.Destroy)
}

// destroyCgroupEventually retries while killed processes are still leaving
// the cgroup.
func destroyCgroupEventually(destroy func() error) error {
	var err error
	for range 50 {
		if err = destroy(); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// killAndDestroy sends SIGKILL to init and destroys the container once
// init is gone.
func (r *Runtime) killAndDestroy(c *libcontainer.Container) error {
	_ = c.Signal(unix.SIGKILL)
	// Up to 10 s, as runc: a killed init stays a zombie until its parent
	// (for a detached container, whoever adopted it) reaps it.
	for range 1000 {
		if err := c.Signal(unix.Signal(0)); err != nil {
			r.teardownEgress(c.ID())
			return c.Destroy()
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("delete container %q: init is still running after SIGKILL", c.ID())
}
