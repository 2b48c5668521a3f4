package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/agentrt/agentrt/runtime"
)

var execCommand = &cli.Command{
	Name:      "exec",
	Usage:     "execute new process inside the container",
	ArgsUsage: "<container-id> <command> [command options]  || -p process.json <container-id>",
	Description: `The exec command runs a new process in a running container, under the same
policy as the container's init. Its exit status is the process'.`,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "console-socket", Usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"},
		&cli.StringFlag{Name: "pidfd-socket", Usage: "path to an AF_UNIX socket which will receive a file descriptor referencing the exec process"},
		&cli.StringFlag{Name: "cwd", Usage: "current working directory in the container"},
		&cli.StringSliceFlag{Name: "env", Aliases: []string{"e"}, Usage: "set environment variables"},
		&cli.BoolFlag{Name: "tty", Aliases: []string{"t"}, Usage: "allocate a pseudo-TTY"},
		&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "UID (format: <uid>[:<gid>])"},
		&cli.Int64SliceFlag{Name: "additional-gids", Aliases: []string{"g"}, Usage: "additional gids"},
		&cli.StringFlag{Name: "process", Aliases: []string{"p"}, Usage: "path to the process.json"},
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "detach from the container's process"},
		&cli.StringFlag{Name: "pid-file", Usage: "specify the file to write the process id to"},
		&cli.StringFlag{Name: "process-label", Usage: "set the asm process label for the process commonly used with selinux"},
		&cli.StringFlag{Name: "apparmor", Usage: "set the apparmor profile for the process"},
		&cli.BoolFlag{Name: "no-new-privs", Usage: "set the no new privileges value for the process"},
		&cli.StringSliceFlag{Name: "cap", Aliases: []string{"c"}, Usage: "add a capability to the bounding set for the process"},
		&cli.IntFlag{Name: "preserve-fds", Usage: "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"},
		&cli.StringSliceFlag{Name: "cgroup", Usage: "run the process in an (existing) sub-cgroup(s); format is [<controller>:]<cgroup>"},
		&cli.BoolFlag{Name: "ignore-paused", Usage: "allow exec in a paused container"},
	},
	Action: func(c *cli.Context) error {
		if err := checkArgs(c, 1, -1); err != nil {
			return err
		}
		status, err := newRuntime(c).Exec(execOpts(c))
		if err != nil {
			// runc ends a failed exec with 255, so that an engine can
			// tell it from the exit status of the process.
			return &exitError{code: 255, err: fmt.Errorf("exec failed: %w", err)}
		}
		return exitStatus(status)
	},
}

func execOpts(c *cli.Context) runtime.ExecOpts {
	o := runtime.ExecOpts{
		ID:             c.Args().First(),
		Args:           c.Args().Tail(),
		ProcessFile:    c.String("process"),
		Detach:         c.Bool("detach"),
		PidFile:        c.String("pid-file"),
		ConsoleSocket:  c.String("console-socket"),
		PidfdSocket:    c.String("pidfd-socket"),
		Tty:            c.Bool("tty"),
		Cwd:            c.String("cwd"),
		Env:            c.StringSlice("env"),
		User:           c.String("user"),
		AdditionalGids: c.Int64Slice("additional-gids"),
		Caps:           c.StringSlice("cap"),
		AppArmor:       c.String("apparmor"),
		ProcessLabel:   c.String("process-label"),
		PreserveFDs:    c.Int("preserve-fds"),
		Cgroups:        c.StringSlice("cgroup"),
		IgnorePaused:   c.Bool("ignore-paused"),
	}
	if c.IsSet("no-new-privs") {
		v := c.Bool("no-new-privs")
		o.NoNewPrivs = &v
	}
	return o
}
