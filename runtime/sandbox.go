package runtime

import (
	"fmt"
	"os"
	"path"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/runtime/landlock"
	"github.com/agentrt/agentrt/spec"
)

// rulesetFromPlan compiles the plan's Landlock section, plus the baseline
// every program needs, into the ruleset of the sandbox entry.
func rulesetFromPlan(lp *spec.LandlockPlan) *landlock.Ruleset {
	rs := &landlock.Ruleset{
		Rules:      landlock.BaselineRules(),
		MinABI:     lp.MinABI,
		BestEffort: lp.BestEffort,
		Scope:      true,
	}
	for _, r := range lp.Paths {
		var a landlock.Access
		if r.Read {
			a |= landlock.Read
		}
		if r.Write {
			a |= landlock.Write
		}
		if r.Execute {
			a |= landlock.Execute
		}
		if a != 0 {
			// A path missing from the container grants nothing, which is
			// safe: the default lists tool directories not every image has.
			rs.Rules = append(rs.Rules, landlock.Rule{Path: r.Path, Access: a, Optional: true})
		}
	}
	rs.HandleConnect, rs.ConnectTCP = lp.ConnectTCP.Handled, portRanges(lp.ConnectTCP)
	rs.HandleBind, rs.BindTCP = lp.BindTCP.Handled, portRanges(lp.BindTCP)
	// Normalize also keeps W^X across rules (SplitExecute); the plan
	// always asks for it (spec.LandlockPlan.WriteXorExecute).
	rs.Normalize()
	return rs
}

// portRanges copies the plan's port ranges. They stay ranges: the entry
// adds one rule per port inside the container.
func portRanges(pr spec.PortRule) []landlock.PortRange {
	out := make([]landlock.PortRange, 0, len(pr.Ports))
	for _, r := range pr.Ports {
		out = append(out, landlock.PortRange{First: r.First, Last: r.Last})
	}
	return out
}

// checkCommand finds process.args[0] in the container with the process'
// PATH, the way libcontainer's init does before it waits on the exec fifo.
// Under the sandbox entry the real command is looked up only at start,
// which would turn runc's create-time error into an exit status. root is
// the container's root as the host sees it; mounts are those that will be
// mounted over it (none for a running container's /proc/PID/root, which
// already shows them).
func checkCommand(root string, mounts []specs.Mount, proc *specs.Process) error {
	name := proc.Args[0]
	if strings.Contains(name, "/") {
		if found(root, mounts, path.Join(proc.Cwd, name)) {
			return nil
		}
		return fmt.Errorf("exec: %q: no such file or directory", name)
	}
	for _, dir := range strings.Split(envValue(proc.Env, "PATH"), ":") {
		if dir != "" && found(root, mounts, path.Join(dir, name)) {
			return nil
		}
	}
	return fmt.Errorf("exec: %q: executable file not found in $PATH", name)
}

// found reports whether p exists in the container: beneath root, or, when
// a mount covers p, anywhere (its source is not the rootfs and agentrt
// does not second-guess it).
func found(root string, mounts []specs.Mount, p string) bool {
	for _, m := range mounts {
		if p == m.Destination || strings.HasPrefix(p, strings.TrimSuffix(m.Destination, "/")+"/") {
			return true
		}
	}
	full, err := securejoin.SecureJoin(root, p)
	if err != nil {
		return false
	}
	fi, err := os.Stat(full)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v
		}
	}
	return ""
}
