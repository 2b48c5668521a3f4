package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/opencontainers/runc/libcontainer"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/runtime/landlock"
	"github.com/agentrt/agentrt/spec"
)

// ExecOpts are the options of exec, named as runc's flags.
type ExecOpts struct {
	ID             string
	ProcessFile    string   // --process: a JSON process; Args etc. then unused
	Args           []string // the command, when there is no ProcessFile
	Detach         bool
	PidFile        string
	ConsoleSocket  string
	PidfdSocket    string
	Tty            bool
	Cwd            string
	Env            []string
	User           string // uid[:gid]
	AdditionalGids []int64
	Caps           []string
	NoNewPrivs     *bool
	AppArmor       string
	ProcessLabel   string
	PreserveFDs    int
	Cgroups        []string
	IgnorePaused   bool
}

// Exec runs a new process in a running container and, attached, returns
// its exit status.
func (r *Runtime) Exec(o ExecOpts) (int, error) {
	c, err := r.load(o.ID)
	if err != nil {
		return -1, err
	}
	if err := checkExecStatus(c, o.IgnorePaused); err != nil {
		return -1, err
	}
	pidFile, err := absPath(o.PidFile)
	if err != nil {
		return -1, err
	}
	p, err := r.execProcess(c, &o)
	if err != nil {
		return -1, err
	}
	sub, err := parseSubCgroups(o.Cgroups)
	if err != nil {
		return -1, err
	}
	l := &launch{
		container:     c,
		process:       p,
		detach:        o.Detach,
		consoleSocket: o.ConsoleSocket,
		pidfdSocket:   o.PidfdSocket,
		pidFile:       pidFile,
		preserveFDs:   o.PreserveFDs,
		subCgroups:    sub,
	}
	return l.run()
}

func checkExecStatus(c *libcontainer.Container, ignorePaused bool) error {
	status, err := c.Status()
	if err != nil {
		return err
	}
	switch {
	case status == libcontainer.Stopped:
		return fmt.Errorf("cannot exec in container %q: it has stopped", c.ID())
	case status == libcontainer.Paused && !ignorePaused:
		return fmt.Errorf("cannot exec in container %q: it is paused (use --ignore-paused to override)", c.ID())
	}
	return nil
}

// execProcess builds the process of an exec: from --process, or from the
// container's own process with the command-line overrides. The base is the
// hardened process agentrt recorded at create, never the bundle's
// config.json, and the result is hardened again against the container's
// policy and run through the same Landlock ruleset as init: a process
// joining the container with setns does not inherit init's domain.
func (r *Runtime) execProcess(c *libcontainer.Container, o *ExecOpts) (*specs.Process, error) {
	rec, err := readRecord(r.stateDir(c.ID()))
	if err != nil {
		return nil, err
	}
	if rec == nil || rec.Process == nil {
		return nil, fmt.Errorf("container %q has no agentrt record; was it created by agentrt?", c.ID())
	}
	if !rec.Created {
		return nil, fmt.Errorf("container %q: its create did not finish; remove it with delete --force", c.ID())
	}
	p, err := baseExecProcess(rec.Process, o)
	if err != nil {
		return nil, err
	}
	if rec.Ruleset != nil {
		// As at create: under the sandbox entry a missing command would
		// otherwise be found missing only inside the container.
		st, err := c.State()
		if err != nil {
			return nil, err
		}
		root := fmt.Sprintf("/proc/%d/root", st.InitProcessPid)
		if err := checkCommand(root, nil, p); err != nil {
			return nil, err
		}
	}
	return confineExec(rec, p, o.Caps)
}

func baseExecProcess(base *specs.Process, o *ExecOpts) (*specs.Process, error) {
	if o.ProcessFile != "" {
		return readProcessFile(o.ProcessFile)
	}
	if len(o.Args) == 0 {
		return nil, errors.New("exec needs a command, or --process")
	}
	p := *base
	p.Args = o.Args
	p.Terminal = o.Tty
	p.Env = append(append([]string(nil), base.Env...), o.Env...)
	if err := overrideProcess(&p, o); err != nil {
		return nil, err
	}
	return &p, validateProcess(&p, "exec process")
}

// confineExec hardens an exec process against the container's policy. A
// capability asked for with --cap that the policy does not keep is
// refused rather than dropped: the caller asked for it by name.
func confineExec(rec *record, p *specs.Process, asked []string) (*specs.Process, error) {
	pol, err := rec.policy()
	if err != nil || pol == nil {
		return p, err
	}
	hp, _, err := spec.HardenProcess(p, pol)
	if err != nil {
		return nil, err
	}
	kept := capMask(hp)
	for _, c := range asked {
		if n, ok := capNumbers[strings.ToUpper(c)]; !ok || kept&(1<<n) == 0 {
			return nil, fmt.Errorf("--cap %q: the container's policy (profile %q) keeps no such capability; allow it with profiles.%s.ceiling.process.capabilities",
				c, pol.Profile, pol.Profile)
		}
	}
	if rec.Ruleset != nil {
		if err := landlock.Wrap(hp, rec.Ruleset, rec.ABI); err != nil {
			return nil, err
		}
	}
	return hp, nil
}

func overrideProcess(p *specs.Process, o *ExecOpts) error {
	if o.Cwd != "" {
		p.Cwd = o.Cwd
	}
	if o.AppArmor != "" {
		p.ApparmorProfile = o.AppArmor
	}
	if o.ProcessLabel != "" {
		p.SelinuxLabel = o.ProcessLabel
	}
	if o.NoNewPrivs != nil {
		p.NoNewPrivileges = *o.NoNewPrivs
	}
	if len(o.Caps) > 0 {
		p.Capabilities = addCaps(p.Capabilities, o.Caps)
	}
	if o.User != "" {
		if err := parseUser(&p.User, o.User); err != nil {
			return err
		}
	}
	for _, g := range o.AdditionalGids {
		if g < 0 || g > 1<<32-1 {
			return fmt.Errorf("--additional-gids %d: not a valid gid", g)
		}
		p.User.AdditionalGids = append(p.User.AdditionalGids, uint32(g))
	}
	return nil
}

// addCaps adds caps to a copy of set, as runc's exec --cap does.
func addCaps(set *specs.LinuxCapabilities, caps []string) *specs.LinuxCapabilities {
	n := &specs.LinuxCapabilities{}
	if set != nil {
		*n = *set
	}
	n.Bounding = append(append([]string(nil), n.Bounding...), caps...)
	n.Effective = append(append([]string(nil), n.Effective...), caps...)
	n.Permitted = append(append([]string(nil), n.Permitted...), caps...)
	if n.Inheritable != nil {
		n.Ambient = append(append([]string(nil), n.Ambient...), caps...)
	}
	return n
}

func parseUser(u *specs.User, s string) error {
	uid, gid, hasGID := strings.Cut(s, ":")
	n, err := strconv.ParseUint(uid, 10, 32)
	if err != nil {
		return fmt.Errorf("--user %q: uid must be a number", s)
	}
	u.UID = uint32(n)
	if hasGID {
		n, err := strconv.ParseUint(gid, 10, 32)
		if err != nil {
			return fmt.Errorf("--user %q: gid must be a number", s)
		}
		u.GID = uint32(n)
	}
	return nil
}

// readProcessFile reads the JSON process of `exec --process FILE`.
func readProcessFile(path string) (*specs.Process, error) {
	data, err := readCapped(path, maxSpecSize)
	if err != nil {
		return nil, fmt.Errorf("--process %q: %w", path, err)
	}
	var p specs.Process
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("--process %q: %w", path, describeJSONError(data, err))
	}
	if err := validateProcess(&p, "process"); err != nil {
		return nil, fmt.Errorf("--process %q: %w", path, err)
	}
	return &p, nil
}

// parseSubCgroups parses exec --cgroup values: "[controller[,controller]:]path".
func parseSubCgroups(args []string) (map[string]string, error) {
	if len(args) == 0 {
		return nil, nil
	}
	paths := map[string]string{}
	for _, a := range args {
		ctrls, path, ok := strings.Cut(a, ":")
		if !ok {
			if len(args) != 1 {
				return nil, fmt.Errorf("--cgroup %q: a controller prefix is needed with several --cgroup flags", a)
			}
			paths[""] = a
			continue
		}
		for _, ctrl := range strings.Split(ctrls, ",") {
			if ctrl == "" {
				return nil, fmt.Errorf("--cgroup %q: empty controller name", a)
			}
			if _, dup := paths[ctrl]; dup {
				return nil, fmt.Errorf("--cgroup %q: controller %q given twice", a, ctrl)
			}
			paths[ctrl] = path
		}
	}
	return paths, nil
}
