package main

import (
	"github.com/urfave/cli/v2"

	"github.com/agentrt/agentrt/runtime"
)

var specCommand = &cli.Command{
	Name:  "spec",
	Usage: "create a new specification file",
	Description: `The spec command writes a starter config.json into the bundle directory, the
same one "runc spec" writes. It runs "sh" from the bundle's rootfs directory;
edit it before use. With --rootless it is made for a container run without
root privileges. An existing config.json is never overwritten.`,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "bundle", Aliases: []string{"b"}, Usage: "path to the root of the bundle directory"},
		&cli.BoolFlag{Name: "rootless", Usage: "generate a configuration for a rootless container"},
	},
	Action: func(c *cli.Context) error {
		if err := checkArgs(c, 0, 0); err != nil {
			return err
		}
		return runtime.WriteSpec(c.String("bundle"), c.Bool("rootless"))
	},
}
