package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/agentrt/agentrt/runtime"
)

var psCommand = &cli.Command{
	Name:      "ps",
	Usage:     "ps displays the processes running inside a container",
	ArgsUsage: "<container-id> [--] [ps options]",
	Description: `The ps command lists the processes of a container. The table is the host's
ps output (ps -ef unless ps options are given) cut down to the container's
processes; json is the array of their host pids.`,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "select one of: " + formatOptions},
	},
	Action: func(c *cli.Context) error {
		if err := checkArgs(c, 1, -1); err != nil {
			return err
		}
		return newRuntime(c).Ps(os.Stdout, runtime.PsOpts{
			ID:     c.Args().First(),
			Format: c.String("format"),
			Args:   c.Args().Tail(),
		})
	},
}
