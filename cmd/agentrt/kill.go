package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"
)

var killCommand = &cli.Command{
	Name:      "kill",
	Usage:     "kill sends the specified signal (default: SIGTERM) to the container's init process",
	ArgsUsage: "<container-id> [signal]",
	Flags: []cli.Flag{
		&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "(obsoleted, do not use)", Hidden: true},
	},
	Action: func(c *cli.Context) error {
		if err := checkArgs(c, 1, 2); err != nil {
			return err
		}
		sig := "SIGTERM"
		if c.NArg() == 2 {
			sig = c.Args().Get(1)
		}
		s, err := parseSignal(sig)
		if err != nil {
			return err
		}
		return newRuntime(c).Kill(c.Args().First(), s, c.Bool("all"))
	},
}

// parseSignal accepts a signal number, or a name with or without "SIG" in
// any case ("9", "KILL", "sigterm").
func parseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		// 0 is valid: like kill(2), it checks that init exists without
		// signalling it, and runc accepts it.
		if n < 0 || n > 64 {
			return 0, fmt.Errorf("invalid signal %q", s)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}
