package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/agentrt/agentrt/runtime"
)

// checkpoint and restore are accepted so that an engine probing for them
// gets a clear refusal, not "no such command": CRIU cannot checkpoint
// containers on the kernels agentrt targets here, and a restored process
// would skip the sandbox entry that applies Landlock.
var (
	checkpointCommand = unsupportedCommand("checkpoint", "checkpoint a running container")
	restoreCommand    = unsupportedCommand("restore", "restore a container from a previous checkpoint")
)

func unsupportedCommand(name, usage string) *cli.Command {
	return &cli.Command{
		Name:            name,
		Usage:           usage + " (not supported by agentrt)",
		ArgsUsage:       "<container-id>",
		SkipFlagParsing: true,
		Action: func(c *cli.Context) error {
			return fmt.Errorf("agentrt %s: %w", name, runtime.ErrNotSupported)
		},
	}
}
