package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/agentrt/agentrt/runtime"
)

// newRuntime builds the runtime from the global flags.
func newRuntime(c *cli.Context) *runtime.Runtime {
	return &runtime.Runtime{
		Root:          c.String("root"),
		SystemdCgroup: c.Bool("systemd-cgroup"),
		Rootless:      c.String("rootless"),
		ConfigPath:    c.String("config"),
	}
}

// checkArgs checks the number of positional arguments, printing the
// command's help on a mismatch as runc does. max < 0 means no maximum.
func checkArgs(c *cli.Context, min, max int) error {
	n := c.NArg()
	if n >= min && (max < 0 || n <= max) {
		return nil
	}
	fmt.Fprint(c.App.Writer, "Incorrect Usage.\n\n")
	// The command is looked up among the parent's commands: in its own
	// context urfave/cli v2 searches its subcommands (only "help"), finds
	// nothing and prints no help at all.
	parent := c
	if l := c.Lineage(); len(l) > 1 {
		parent = l[1]
	}
	_ = cli.ShowCommandHelp(parent, c.Command.Name)
	switch {
	case min == max:
		return fmt.Errorf("agentrt: %q requires exactly %d argument(s)", c.Command.Name, min)
	case n < min:
		return fmt.Errorf("agentrt: %q requires a minimum of %d argument(s)", c.Command.Name, min)
	default:
		return fmt.Errorf("agentrt: %q requires a maximum of %d argument(s)", c.Command.Name, max)
	}
}

// createFlags are the flags create and run share.
func createFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "bundle", Aliases: []string{"b"}, Usage: "path to the root of the bundle directory, defaults to the current directory"},
		&cli.StringFlag{Name: "console-socket", Usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"},
		&cli.StringFlag{Name: "pidfd-socket", Usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the init process"},
		&cli.StringFlag{Name: "pid-file", Usage: "specify the file to write the process id to"},
		&cli.BoolFlag{Name: "no-pivot", Usage: "do not use pivot root to jail process inside rootfs (for a rootfs on a ramdisk)"},
		&cli.BoolFlag{Name: "no-new-keyring", Usage: "do not create a new session keyring for the container"},
		&cli.IntFlag{Name: "preserve-fds", Usage: "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"},
	}
}

func createOpts(c *cli.Context) runtime.CreateOpts {
	return runtime.CreateOpts{
		ID:            c.Args().First(),
		Bundle:        c.String("bundle"),
		PidFile:       c.String("pid-file"),
		ConsoleSocket: c.String("console-socket"),
		PidfdSocket:   c.String("pidfd-socket"),
		PreserveFDs:   c.Int("preserve-fds"),
		NoPivot:       c.Bool("no-pivot"),
		NoNewKeyring:  c.Bool("no-new-keyring"),
	}
}
