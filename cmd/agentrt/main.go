// Command agentrt is a runc-compatible OCI runtime that runs AI agents
// under an agent policy. Engines call it exactly as they call runc.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sirupsen/logrus"
	"github.com/urfave/cli/v2"

	"github.com/agentrt/agentrt/runtime"
	"github.com/agentrt/agentrt/runtime/egress"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

// gitCommit is set at build time with -ldflags "-X main.gitCommit=…".
var gitCommit = ""

const usage = `OCI runtime for AI agents

agentrt runs OCI bundles exactly like runc, and hardens each container with
an agent policy resolved from the admin's config, the image and the
container's annotations.`

func main() {
	// libcontainer re-executes this binary as "init" inside the new
	// namespaces; the sandbox entry runs inside the container just before
	// the agent's own process. Neither may touch the CLI machinery.
	runtime.MaybeReexec()
	egress.MaybeRunDNSFilter()

	app := newApp()
	if err := app.Run(os.Args); err != nil {
		fatal(err)
	}
}

func newApp() *cli.App {
	cli.VersionPrinter = printVersion
	return &cli.App{
		Name:                      "agentrt",
		Usage:                     usage,
		Version:                   version,
		DisableSliceFlagSeparator: true,
		HideHelpCommand:           true,
		Flags:                     globalFlags(),
		Commands: []*cli.Command{
			checkpointCommand,
			configCommand,
			createCommand,
			deleteCommand,
			eventsCommand,
			execCommand,
			featuresCommand,
			killCommand,
			listCommand,
			pauseCommand,
			policyCommand,
			psCommand,
			restoreCommand,
			resumeCommand,
			runCommand,
			specCommand,
			startCommand,
			stateCommand,
			updateCommand,
		},
		Before:         configureLogging,
		ExitErrHandler: func(*cli.Context, error) {},
		Writer:         os.Stdout,
		ErrWriter:      os.Stderr,
	}
}

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "debug", Usage: "enable debug logging"},
		&cli.StringFlag{Name: "log", Usage: "set the log file to write agentrt logs to (default is '/dev/stderr')"},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "set the log format ('text' or 'json')"},
		&cli.StringFlag{Name: "root", Value: runtime.DefaultRoot, Usage: "root directory for storage of container state (this should be located in tmpfs)"},
		&cli.BoolFlag{Name: "systemd-cgroup", Usage: "enable systemd cgroup support (not available on this runtime build; refused)"},
		&cli.StringFlag{Name: "rootless", Value: "auto", Usage: "ignore cgroup permission errors ('true', 'false', or 'auto')"},
		&cli.StringFlag{Name: "criu", Value: "criu", Usage: "path to the criu binary (checkpoint and restore are not supported)"},
		&cli.StringFlag{Name: "config", EnvVars: []string{"AGENTRT_CONFIG"}, Usage: "admin config file (default /etc/agentrt/config.toml, else the embedded default)"},
	}
}

// configureLogging sets up the one logrus logger from --log, --log-format
// and --debug, the way engines expect of runc: containerd and podman pass
// --log FILE --log-format json and read the last error from that file.
func configureLogging(c *cli.Context) error {
	if c.Bool("debug") {
		logrus.SetLevel(logrus.DebugLevel)
	}
	switch f := c.String("log-format"); f {
	case "", "text":
	case "json":
		logrus.SetFormatter(new(logrus.JSONFormatter))
	default:
		return fmt.Errorf("invalid --log-format %q: want text or json", f)
	}
	if path := c.String("log"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_SYNC, 0o644)
		if err != nil {
			return fmt.Errorf("open log file %q: %w", path, err)
		}
		logrus.SetOutput(f)
	}
	if c.IsSet("root") {
		root, err := filepath.Abs(c.String("root"))
		if err != nil {
			return fmt.Errorf("--root %q: %w", c.String("root"), err)
		}
		if root == "/" {
			return errors.New("--root must not be /")
		}
		return c.Set("root", root)
	}
	return nil
}

func printVersion(c *cli.Context) {
	w := c.App.Writer
	fmt.Fprintln(w, "agentrt version", c.App.Version)
	if gitCommit != "" {
		fmt.Fprintln(w, "commit:", gitCommit)
	}
	for _, line := range runtime.VersionLines() {
		fmt.Fprintln(w, line)
	}
}

// exitError carries the exit status a command must end with, such as the
// container's own status for run and exec.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exitStatus ends the process with a container's exit status, the way runc
// does for run and exec, without printing anything.
type exitStatus int

func (s exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

// fatal writes the final error once to the log and, when the log is not
// stderr, once to stderr, then exits with the status the error carries
// (1 by default, like runc).
func fatal(err error) {
	var st exitStatus
	if errors.As(err, &st) {
		os.Exit(int(st))
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	logrus.Error(err)
	if !logsToStderr() {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

func logsToStderr() bool {
	out, ok := logrus.StandardLogger().Out.(*os.File)
	return ok && out.Fd() == os.Stderr.Fd()
}
