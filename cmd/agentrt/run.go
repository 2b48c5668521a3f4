package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

var runCommand = &cli.Command{
	Name:      "run",
	Usage:     "create and run a container",
	ArgsUsage: "<container-id>",
	Description: `The run command creates a container for a bundle under the agent policy that
applies to it, starts it, and waits for it unless --detach is given. Its exit
status is the container's.`,
	Flags: append(createFlags(),
		&cli.BoolFlag{Name: "detach", Aliases: []string{"d"}, Usage: "detach from the container's process"},
		&cli.BoolFlag{Name: "keep", Usage: "do not delete the container after it exits"},
		&cli.BoolFlag{Name: "no-subreaper", Usage: "disable the use of the subreaper used to reap reparented processes"},
	),
	Action: func(c *cli.Context) error {
		if err := checkArgs(c, 1, 1); err != nil {
			return err
		}
		o := createOpts(c)
		o.Detach, o.Keep, o.NoSubreaper = c.Bool("detach"), c.Bool("keep"), c.Bool("no-subreaper")
		status, err := newRuntime(c).Run(o)
		if err != nil {
			return fmt.Errorf("agentrt run failed: %w", err)
		}
		return exitStatus(status)
	},
}
