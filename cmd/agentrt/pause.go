package main

import "github.com/urfave/cli/v2"

var pauseCommand = &cli.Command{
	Name:      "pause",
	Usage:     "pause suspends all processes inside the container",
	ArgsUsage: "<container-id>",
	Description: `The pause command freezes every process of a container. Use "agentrt list" to
see the containers and their status.`,
	Action: func(c *cli.Context) error {
		if err := checkArgs(c, 1, 1); err != nil {
			return err
		}
		return newRuntime(c).Pause(c.Args().First())
	},
}

var resumeCommand = &cli.Command{
	Name:        "resume",
	Usage:       "resumes all processes that have been previously paused",
	ArgsUsage:   "<container-id>",
	Description: `The resume command thaws every process of a paused container.`,
	Action: func(c *cli.Context) error {
		if err := checkArgs(c, 1, 1); err != nil {
			return err
		}
		return newRuntime(c).Resume(c.Args().First())
	},
}
