package main

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/agentrt/agentrt/runtime"
)

// formatOptions are the output formats of list and ps.
const formatOptions = "table or json"

var listCommand = &cli.Command{
	Name:  "list",
	Usage: "lists containers started by agentrt with the given root",
	ArgsUsage: `

The root is the global option --root (default: "` + runtime.DefaultRoot + `").`,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "select one of: " + formatOptions},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "display only container IDs"},
	},
	Action: func(c *cli.Context) error {
		if err := checkArgs(c, 0, 0); err != nil {
			return err
		}
		return newRuntime(c).List(os.Stdout, runtime.ListOpts{
			Format: c.String("format"),
			Quiet:  c.Bool("quiet"),
			// Like runc, a missing default root only means that no
			// container was created yet; a --root given must exist.
			MissingRootOK: !c.IsSet("root"),
		})
	},
}
