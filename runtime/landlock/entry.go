package landlock

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	goruntime "runtime"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const (
	// EntryArg is the argument that makes agentrt's binary the sandbox
	// entry: /proc/self/exe EntryArg -- ARGS...
	EntryArg = "agentrt-sandbox-entry"
	// entryExe is the init's own executable, agentrt's sealed binary.
	entryExe = "/proc/self/exe"
	// envRuleset carries the ruleset to the entry, which removes it from
	// the environment before the agent's process runs.
	envRuleset = "_AGENTRT_LANDLOCK="
)

// EntryCmdlinePrefix is how /proc/PID/cmdline begins while a process is
// still in the sandbox entry, before it execs the agent's command.
const EntryCmdlinePrefix = entryExe + "\x00" + EntryArg + "\x00"

// entryPayload is what the entry receives: the ruleset and the ABI it was
// checked against at create time.
type entryPayload struct {
	Ruleset *Ruleset `json:"ruleset"`
	ABI     int      `json:"abi"`
}

// Wrap rewrites p so that it runs through the sandbox entry, which applies
// rs and then execs p's original args, env and cwd.
func Wrap(p *specs.Process, rs *Ruleset, abi int) error {
	data, err := json.Marshal(entryPayload{Ruleset: rs, ABI: abi})
	if err != nil {
		return err
	}
	args := append([]string{entryExe, EntryArg, "--"}, p.Args...)
	env := make([]string, 0, len(p.Env)+1)
	for _, e := range p.Env {
		if !strings.HasPrefix(e, envRuleset) {
			env = append(env, e)
		}
	}
	p.Args = args
	p.Env = append(env, envRuleset+string(data))
	return nil
}

// Unwrap returns the original args of a process Wrap rewrote, and whether
// it was wrapped.
func Unwrap(args []string) ([]string, bool) {
	if len(args) >= 3 && args[0] == entryExe && args[1] == EntryArg && args[2] == "--" {
		return args[3:], true
	}
	return args, false
}

// MaybeEnter runs the sandbox entry when this binary was started as one;
// otherwise it returns at once. The entry never returns: it execs the
// agent's process or exits with an error.
func MaybeEnter() {
	if len(os.Args) < 3 || os.Args[1] != EntryArg || os.Args[2] != "--" {
		return
	}
	code, err := enter(os.Args[3:])
	fmt.Fprintf(os.Stderr, "agentrt sandbox: %v\n", err)
	os.Exit(code)
}

// enter applies the ruleset and execs args. It returns only on failure,
// with the exit status to use: 127 when the command is not found, 126
// when it cannot be run or the sandbox cannot be applied, as shells do.
func enter(args []string) (int, error) {
	// Landlock restricts the calling thread; the execve below must come
	// from that same thread to carry the domain into the agent.
	goruntime.LockOSThread()
	if len(args) == 0 {
		return 126, errors.New("no command to run")
	}
	payload, env, err := takePayload(os.Environ())
	if err != nil {
		return 126, err
	}
	path, err := lookPath(args[0], env)
	if err != nil {
		return 127, err
	}
	if err := Apply(payload.Ruleset, payload.ABI); err != nil {
		return 126, err
	}
	err = unix.Exec(path, args, env)
	return 126, fmt.Errorf("exec %q: %w", args[0], err)
}

// takePayload removes the ruleset from env and decodes it. A missing or
// broken payload is an error: the entry never runs the agent unconfined.
func takePayload(environ []string) (*entryPayload, []string, error) {
	var raw string
	env := make([]string, 0, len(environ))
	for _, e := range environ {
		if v, ok := strings.CutPrefix(e, envRuleset); ok {
			raw = v
			continue
		}
		env = append(env, e)
	}
	if raw == "" {
		return nil, nil, errors.New("no ruleset in the environment; refusing to run unconfined")
	}
	var p entryPayload
	if err := json.Unmarshal([]byte(raw), &p); err != nil || p.Ruleset == nil {
		return nil, nil, fmt.Errorf("bad ruleset in the environment; refusing to run unconfined: %v", err)
	}
	return &p, env, nil
}

// lookPath resolves a command with the PATH of the process' own
// environment, as libcontainer's init does.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			os.Setenv("PATH", v)
		}
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("exec: %q: executable file not found in $PATH", name)
	}
	return path, nil
}
