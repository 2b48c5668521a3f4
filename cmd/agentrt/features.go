package main

import (
	"encoding/json"

	"github.com/urfave/cli/v2"

	"github.com/agentrt/agentrt/runtime"
)

var featuresCommand = &cli.Command{
	Name:  "features",
	Usage: "show the enabled features",
	Description: `The features command prints what this agentrt supports as the JSON features
document of the OCI runtime spec (features.md in opencontainers/runtime-spec).
The annotation io.github.agentrt.annotations lists the config.json annotations
agentrt reads.`,
	Action: func(c *cli.Context) error {
		if err := checkArgs(c, 0, 0); err != nil {
			return err
		}
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "    ")
		return enc.Encode(runtime.Features(c.App.Version))
	},
}
