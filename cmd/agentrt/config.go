package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/agentrt/agentrt/policy"
)

var configCommand = &cli.Command{
	Name:  "config",
	Usage: "print or check the admin config",
	Subcommands: []*cli.Command{
		{
			Name:  "default",
			Usage: "print the embedded default config, as TOML",
			Action: func(c *cli.Context) error {
				if err := checkArgs(c, 0, 0); err != nil {
					return err
				}
				_, err := os.Stdout.Write(policy.DefaultTOML())
				return err
			},
		},
		{
			Name:      "check",
			Usage:     "validate a config file (default: the one agentrt would use)",
			ArgsUsage: "[FILE]",
			Action: func(c *cli.Context) error {
				if err := checkArgs(c, 0, 1); err != nil {
					return err
				}
				return checkConfig(c)
			},
		},
	},
}

func checkConfig(c *cli.Context) error {
	path := c.Args().First()
	if path == "" {
		p, explicit := policy.ResolveConfigPath(c.String("config"))
		if _, err := os.Stat(p); os.IsNotExist(err) && !explicit {
			fmt.Printf("%s does not exist: the embedded default applies\n", p)
			return nil
		}
		path = p
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config check: %w", err)
	}
	if err := policy.CheckConfig(data, path); err != nil {
		return err
	}
	fmt.Printf("%s: ok\n", path)
	return nil
}
