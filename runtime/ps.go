package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"slices"
	"strconv"
	"strings"
)

// PsOpts are the options of ps, named as runc's flags.
type PsOpts struct {
	ID string
	// Format is "table" or "json".
	Format string
	// Args are passed to the host's ps for the table; none means "-ef".
	// A leading "--" is dropped: it only separates them from agentrt's
	// own flags.
	Args []string
}

// Ps prints the processes of a container as `runc ps` does: the JSON
// array of their host pids, or the host's ps output cut down to the rows
// of those pids.
func (r *Runtime) Ps(w io.Writer, o PsOpts) error {
	c, err := r.load(o.ID)
	if err != nil {
		return err
	}
	pids, err := c.Processes()
	if err != nil {
		warnCgroupAccess("ps", err)
		return err
	}
	switch o.Format {
	case "table":
	case "json":
		// nil encodes as null, as runc prints for a stopped container.
		return json.NewEncoder(w).Encode(pids)
	default:
		return fmt.Errorf("invalid format option %q: want table or json", o.Format)
	}
	out, err := runHostPs(psArgs(o.Args))
	if err != nil {
		return err
	}
	table, err := filterPsOutput(out, pids)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, table)
	return err
}

// psArgs are the arguments for the host's ps.
func psArgs(args []string) []string {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		return []string{"-ef"}
	}
	return args
}

func runHostPs(args []string) (string, error) {
	out, err := exec.Command("ps", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ps %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// filterPsOutput keeps the header of ps output and the rows whose PID
// column is one of pids.
func filterPsOutput(out string, pids []int) (string, error) {
	lines := strings.Split(out, "\n")
	col, err := pidColumn(lines[0])
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	for _, line := range lines[1:] {
		if line == "" {
			continue
		}
		fields := strings.Fields(line)
		if col >= len(fields) {
			return "", fmt.Errorf("ps output line %q has no PID column", line)
		}
		pid, err := strconv.Atoi(fields[col])
		if err != nil {
			return "", fmt.Errorf("parse pid in ps output line %q: %w", line, err)
		}
		if slices.Contains(pids, pid) {
			b.WriteString(line + "\n")
		}
	}
	return b.String(), nil
}

// pidColumn is the index of the PID column in a ps header.
func pidColumn(header string) (int, error) {
	if i := slices.Index(strings.Fields(header), "PID"); i >= 0 {
		return i, nil
	}
	return -1, errors.New("no PID column in ps output: pass ps options that print one (such as -o pid,cmd)")
}

// warnCgroupAccess explains a permission error reading or writing the
// container's cgroup, the usual cause when agentrt runs without root.
func warnCgroupAccess(op string, err error) {
	if errors.Is(err, fs.ErrPermission) {
		logger().Warnf("agentrt %s: access to the container's cgroups was denied; it needs write access to them", op)
	}
}
