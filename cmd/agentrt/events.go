package main

import (
	"os"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/agentrt/agentrt/runtime"
)

var eventsCommand = &cli.Command{
	Name:      "events",
	Usage:     "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
	ArgsUsage: "<container-id>",
	Description: `The events command prints a container's events as JSON, one a line: its
resource usage every --interval (5 seconds by default) and its OOM kills, until
the container is deleted. With --stats it prints the usage once and exits.`,
	Flags: []cli.Flag{
		&cli.DurationFlag{Name: "interval", Value: 5 * time.Second, Usage: "set the stats collection interval"},
		&cli.BoolFlag{Name: "stats", Usage: "display the container's stats then exit"},
	},
	Action: func(c *cli.Context) error {
		if err := checkArgs(c, 1, 1); err != nil {
			return err
		}
		return newRuntime(c).Events(os.Stdout, runtime.EventsOpts{
			ID:       c.Args().First(),
			Interval: c.Duration("interval"),
			Stats:    c.Bool("stats"),
		})
	},
}
