package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

var createCommand = &cli.Command{
	Name:      "create",
	Usage:     "create a container",
	ArgsUsage: "<container-id>",
	Description: `The create command creates an instance of a container for a bundle, under the
agent policy that applies to it. The container's init waits until "start".`,
	Flags: createFlags(),
	Action: func(c *cli.Context) error {
		if err := checkArgs(c, 1, 1); err != nil {
			return err
		}
		if err := newRuntime(c).Create(createOpts(c)); err != nil {
			return fmt.Errorf("agentrt create failed: %w", err)
		}
		return nil
	},
}
