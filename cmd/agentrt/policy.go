package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

var policyCommand = &cli.Command{
	Name:  "policy",
	Usage: "show the agent policy a bundle would run under",
	Subcommands: []*cli.Command{
		{
			Name:  "explain",
			Usage: "print the effective policy of a bundle, where each part came from, and the spec changes; creates nothing",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "bundle", Aliases: []string{"b"}, Usage: "path to the root of the bundle directory, defaults to the current directory"},
				&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "output format: text or json"},
			},
			Action: func(c *cli.Context) error {
				if err := checkArgs(c, 0, 0); err != nil {
					return err
				}
				e, err := newRuntime(c).Explain(c.String("bundle"))
				if err != nil {
					return fmt.Errorf("policy explain: %w", err)
				}
				switch c.String("format") {
				case "text":
					return e.WriteText(os.Stdout)
				case "json":
					enc := json.NewEncoder(os.Stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(e)
				}
				return fmt.Errorf("policy explain: invalid --format %q: want text or json", c.String("format"))
			},
		},
	},
}
