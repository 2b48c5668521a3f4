package main

import (
	"bytes"
	"fmt"
	"time"
)

// benchCase is one named comparison of agentrt with runc. Cases to add
// next: Landlock on against off (agentrt with a policy that has no
// filesystem rules) and the shim's RSS; each is a prepare function that
// sets up once and returns a trial. The egress cases are in egress.go.
type benchCase struct {
	name string
	// unit is what a trial's value measures, such as "ms" or "MB/s".
	unit string
	// runs is how many measured runs each runtime gets unless -n says.
	runs int
	// prepare sets up what the case needs in dir (bundles, networks)
	// once, and returns the trial to repeat.
	prepare func(e *env, dir string) (trial, error)
	// verdict, when set, says whether the two columns' summaries meet the
	// case's target, in one line printed under the result.
	verdict func(agentrt, runc summary) string
}

// trial measures one run of the case on rt; i numbers the runs so that
// every run can use a fresh container id.
type trial func(rt *runtimeUnderTest, i int) (float64, error)

// cases are all the benchmarks, in the order they run.
var cases = []benchCase{
	{name: "run true", unit: "ms", runs: 100, prepare: prepareRunTrue},
}

// prepareRunTrue times `RUNTIME run ID` of a busybox container running
// true: the whole create, start, wait and delete an engine pays for a
// short-lived container.
func prepareRunTrue(e *env, dir string) (trial, error) {
	if err := e.newBundle(dir, "true"); err != nil {
		return nil, err
	}
	return func(rt *runtimeUnderTest, i int) (float64, error) {
		id := fmt.Sprintf("bench-run-true-%s-%d", rt.name, i)
		return timeCommand(rt, id, "run", "--bundle", dir, id)
	}, nil
}

// timeCommand runs `rt ARGS` and returns its wall time in milliseconds. A
// failure also force-deletes container id, so that the next run starts
// clean.
func timeCommand(rt *runtimeUnderTest, id string, args ...string) (float64, error) {
	var out bytes.Buffer
	cmd := rt.command(args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		_ = rt.command("delete", "--force", id).Run()
		return 0, fmt.Errorf("%s: %w: %s", cmd.Args, err, bytes.TrimSpace(out.Bytes()))
	}
	return float64(elapsed.Microseconds()) / 1000, nil
}
