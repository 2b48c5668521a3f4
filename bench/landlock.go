package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// landlockCaseName names the Landlock case. The runner prints its two
// columns as "agentrt" and "runc"; in this case both are agentrt, the
// first with Landlock and the second without.
const landlockCaseName = "run true, landlock on (agentrt) vs off (runc column)"

func init() {
	cases = append(cases, benchCase{name: landlockCaseName, unit: "ms", runs: 60, prepare: prepareLandlock})
}

// prepareLandlock times `agentrt run ID` of a busybox container running
// true under the default policy, against the same agentrt and bundle
// under an admin config whose profile sets landlock.disabled. Both keep
// the rootfs writable, so that only Landlock differs. The slot the runner
// calls runc runs agentrt without Landlock, under a state root of its own.
func prepareLandlock(e *env, dir string) (trial, error) {
	if err := e.newBundle(filepath.Join(dir, "bundle"), "true"); err != nil {
		return nil, err
	}
	on, err := writeLandlockConfig(e, filepath.Join(dir, "on.toml"), false)
	if err != nil {
		return nil, err
	}
	off, err := writeLandlockConfig(e, filepath.Join(dir, "off.toml"), true)
	if err != nil {
		return nil, err
	}
	variants := map[string]landlockVariant{
		e.agentrt.name: newLandlockVariant(e.agentrt, dir, "on", on),
		e.runc.name:    newLandlockVariant(e.agentrt, dir, "off", off),
	}
	fmt.Printf("%s: agentrt column: the default policy; runc column: agentrt, the same policy with landlock.disabled (%s)\n", landlockCaseName, off)
	bundle := filepath.Join(dir, "bundle")
	return func(rt *runtimeUnderTest, i int) (float64, error) {
		v := variants[rt.name]
		id := fmt.Sprintf("bench-%s-%d", v.rt.name, i)
		return timeCommand(v.rt, id, "--config", v.config, "run", "--bundle", bundle, id)
	}, nil
}

// landlockVariant is agentrt under a state root of its own, run with an
// admin config.
type landlockVariant struct {
	rt     *runtimeUnderTest
	config string
}

func newLandlockVariant(agentrt *runtimeUnderTest, dir, name, config string) landlockVariant {
	rt := &runtimeUnderTest{
		name:    "landlock-" + name,
		bin:     agentrt.bin,
		root:    filepath.Join(dir, "root-"+name),
		version: agentrt.version,
	}
	return landlockVariant{rt: rt, config: config}
}

// landlockEdits turn agentrt's embedded default config into the two
// configs of the case; each applies to its first occurrence, in the
// default profile's defaults.
var (
	landlockCommonEdits = [][2]string{{"read_only_rootfs = true", "read_only_rootfs = false"}}
	landlockOffEdits    = [][2]string{{"disabled = false", "disabled = true"}}
)

// writeLandlockConfig writes the default admin config, with its audit log
// in the scratch directory, a writable rootfs, and without Landlock when
// off is set.
func writeLandlockConfig(e *env, path string, off bool) (string, error) {
	edits := landlockCommonEdits
	if off {
		edits = append(edits, landlockOffEdits...)
	}
	return writeAdminConfig(e, path, edits)
}

// writeAdminConfig writes agentrt's embedded default admin config, with
// its audit log in the scratch directory and edits applied, each to its
// first occurrence.
func writeAdminConfig(e *env, path string, edits [][2]string) (string, error) {
	out, err := e.agentrt.command("config", "default").Output()
	if err != nil {
		return "", fmt.Errorf("agentrt config default: %w", err)
	}
	edits = append([][2]string{{"audit_log = '/var/log/agentrt/audit.jsonl'",
		"audit_log = '" + filepath.Join(e.workDir, "audit.jsonl") + "'"}}, edits...)
	text := string(out)
	for _, ed := range edits {
		if !strings.Contains(text, ed[0]) {
			return "", fmt.Errorf("the default admin config has no %q to edit", ed[0])
		}
		text = strings.Replace(text, ed[0], ed[1], 1)
	}
	return path, os.WriteFile(path, []byte(text), 0o644)
}
