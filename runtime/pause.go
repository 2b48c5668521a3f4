package runtime

import "fmt"

// Pause freezes every process of a running or created container, as
// `runc pause` does.
func (r *Runtime) Pause(id string) error {
	c, err := r.load(id)
	if err != nil {
		return err
	}
	if err := c.Pause(); err != nil {
		warnCgroupAccess("pause", err)
		return fmt.Errorf("pause container %q: %w", id, err)
	}
	return nil
}

// Resume thaws the processes of a paused container, as `runc resume`
// does.
func (r *Runtime) Resume(id string) error {
	c, err := r.load(id)
	if err != nil {
		return err
	}
	if err := c.Resume(); err != nil {
		warnCgroupAccess("resume", err)
		return fmt.Errorf("resume container %q: %w", id, err)
	}
	return nil
}
