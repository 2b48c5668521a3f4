// Command bench compares agentrt with the reference runc 1.5.3 in one
// invocation: each case runs both runtimes on the same bundle many times,
// interleaved (agentrt, runc, agentrt, runc …) so that drift in the
// machine's speed cancels, and prints per runtime the median, p10 and p90
// and the ratio of the medians:
//
//	run true: agentrt 41.8 ms, runc 39.9 ms, ratio 1.05
//
// Usage:
//
//	go run ./bench [-n N] [-warmup N] [-agentrt PATH] [-runc PATH] [-case REGEXP]
//
// Each case has its own default number of runs, chosen so that the whole
// benchmark stays under a minute and the ratio is stable to a few per cent
// (measured runc against runc on 2 cores: ±15 % at 30 runs of `run true`,
// ±5 % at 100); -n sets one number for all cases. A 90 % bootstrap
// confidence interval of the ratio is printed under each result.
//
// It needs root. Passing runc as -agentrt (-agentrt /usr/local/bin/runc)
// measures the noise floor: the ratio should come out near 1.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// options are the command-line settings.
type options struct {
	n       int
	warmup  int
	agentrt string
	runc    string
	filter  *regexp.Regexp
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := run(opts); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	var pattern string
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.IntVar(&o.n, "n", 0, "measured runs per runtime and case (0: each case's default)")
	fs.IntVar(&o.warmup, "warmup", 2, "unmeasured runs per runtime before each case")
	fs.StringVar(&o.agentrt, "agentrt", "bin/agentrt", "agentrt binary to measure")
	fs.StringVar(&o.runc, "runc", "/usr/local/bin/runc", "reference runc 1.5.3 binary")
	fs.StringVar(&pattern, "case", "", "run only the cases whose name matches this regular expression")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.n < 0 || o.warmup < 0 {
		return o, fmt.Errorf("-n and -warmup must not be negative, got %d and %d", o.n, o.warmup)
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return o, fmt.Errorf("-case %q: %w", pattern, err)
	}
	o.filter = re
	return o, nil
}

func run(o options) error {
	if os.Geteuid() != 0 {
		return errors.New("needs root to create containers")
	}
	e, err := newEnv(o)
	if err != nil {
		return err
	}
	defer e.close()
	fmt.Printf("bench: agentrt %s (%s)\n", e.agentrt.bin, e.agentrt.version)
	fmt.Printf("bench: runc %s (%s)\n", e.runc.bin, e.runc.version)
	fmt.Printf("bench: %d warm-up runs, then runs interleaved A B B A …\n", o.warmup)
	failed := 0
	for _, c := range cases {
		if !o.filter.MatchString(c.name) {
			continue
		}
		if err := runCase(e, c, o); err != nil {
			fmt.Printf("%s: error: %v\n", c.name, err)
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d case(s) failed", failed)
	}
	return nil
}

// runCase prepares c, runs its trial interleaved on both runtimes and
// prints the comparison.
func runCase(e *env, c benchCase, o options) error {
	dir := filepath.Join(e.workDir, caseDir(c.name))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	trial, err := c.prepare(e, dir)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	n := c.runs
	if o.n > 0 {
		n = o.n
	}
	rts := []*runtimeUnderTest{e.agentrt, e.runc}
	samples := make([][]float64, len(rts))
	for i := 0; i < o.warmup+n; i++ {
		for _, j := range runOrder(i, len(rts)) {
			rt := rts[j]
			v, err := trial(rt, i)
			if err != nil {
				return fmt.Errorf("%s, run %d: %w", rt.name, i, err)
			}
			if i >= o.warmup {
				samples[j] = append(samples[j], v)
			}
		}
	}
	printCase(c, rts, samples)
	return nil
}

// runOrder returns the order of the runtimes in round i: A B, then B A,
// then A B … (ABBA), so that neither runtime always runs right after the
// other one's clean-up.
func runOrder(i, n int) []int {
	order := make([]int, n)
	for j := range order {
		order[j] = j
		if i%2 == 1 {
			order[j] = n - 1 - j
		}
	}
	return order
}

func printCase(c benchCase, rts []*runtimeUnderTest, samples [][]float64) {
	a, r := summarize(samples[0]), summarize(samples[1])
	fmt.Printf("%s: agentrt %.1f %s, runc %.1f %s, ratio %.2f\n",
		c.name, a.median, c.unit, r.median, c.unit, a.median/r.median)
	for i, rt := range rts {
		s := summarize(samples[i])
		fmt.Printf("    %-8s p10 %.1f  median %.1f  p90 %.1f %s  (n=%d)\n",
			rt.name, s.p10, s.median, s.p90, c.unit, s.n)
	}
	lo, hi := ratioInterval(samples[0], samples[1], 0.90)
	fmt.Printf("    ratio    90%% interval %.2f-%.2f (bootstrap)\n", lo, hi)
	if c.verdict != nil {
		fmt.Printf("    %s\n", c.verdict(a, r))
	}
}

// caseDir turns a case name into a directory name.
func caseDir(name string) string {
	return regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(name, "-")
}
