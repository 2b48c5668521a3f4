package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/opencontainers/runc/libcontainer"
)

// ListOpts are the options of list, named as runc's flags.
type ListOpts struct {
	// Format is "table" or "json".
	Format string
	// Quiet prints only the ids, one a line, whatever Format says.
	Quiet bool
	// MissingRootOK lists nothing, without an error, when Root does not
	// exist. runc allows that only for its default root, where no
	// container has been created yet; a --root the user named must exist.
	MissingRootOK bool
}

// List prints the containers under Root as `runc list` does: a table,
// a JSON array of states (null when there are none), or the ids alone.
func (r *Runtime) List(w io.Writer, o ListOpts) error {
	states, err := r.listStates(o.MissingRootOK)
	if err != nil {
		return err
	}
	if o.Quiet {
		for _, st := range states {
			fmt.Fprintln(w, st.ID)
		}
		return nil
	}
	switch o.Format {
	case "table":
		return writeListTable(w, states)
	case "json":
		// A nil slice encodes as null, which is what runc prints for a
		// root without containers; engines expect exactly that.
		return json.NewEncoder(w).Encode(states)
	default:
		return fmt.Errorf("invalid format option %q: want table or json", o.Format)
	}
}

// writeListTable prints runc's list table: columns aligned by a tabwriter
// with a minimum width of 12 and a padding of 3, creation times in
// RFC 3339 with nanoseconds.
func writeListTable(w io.Writer, states []ContainerState) error {
	tw := tabwriter.NewWriter(w, 12, 1, 3, ' ', 0)
	fmt.Fprint(tw, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
	for _, st := range states {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", st.ID, st.InitProcessPid, st.Status,
			st.Bundle, st.Created.Format(time.RFC3339Nano), st.Owner)
	}
	return tw.Flush()
}

// listStates returns the state of every container directory under Root,
// in name order. A container that cannot be read is reported on stderr
// and skipped, so that one broken state directory does not hide the
// others.
func (r *Runtime) listStates(missingRootOK bool) ([]ContainerState, error) {
	entries, err := os.ReadDir(r.Root)
	if errors.Is(err, os.ErrNotExist) && missingRootOK {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var states []ContainerState
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		st, err := r.listOne(e)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted while we were listing
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			continue
		}
		states = append(states, *st)
	}
	return states, nil
}

// listOne reads the state of the container in directory e, with the owner
// of that directory as the container's owner.
func (r *Runtime) listOne(e os.DirEntry) (*ContainerState, error) {
	info, err := e.Info()
	if err != nil {
		return nil, err
	}
	c, err := libcontainer.Load(r.Root, e.Name())
	if err != nil {
		return nil, fmt.Errorf("load container %q: %w", e.Name(), err)
	}
	st, err := r.containerState(c)
	if err != nil {
		return nil, fmt.Errorf("state of container %q: %w", e.Name(), err)
	}
	st.Owner = ownerName(info)
	return st, nil
}

// ownerName is the user name of a file's owner, or "#UID" when the uid
// has no name.
func ownerName(info os.FileInfo) string {
	stat, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	uid := strconv.FormatUint(uint64(stat.Uid), 10)
	if u, err := user.LookupId(uid); err == nil {
		return u.Username
	}
	return "#" + uid
}
