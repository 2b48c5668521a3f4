package main

import (
	"fmt"
	"path/filepath"
)

// modeOffCaseName names the case that measures agentrt's own runtime
// core against runc: agentrt under an admin config in mode off, which
// applies no policy layer and behaves as runc.
const modeOffCaseName = "run true, agentrt in mode off vs runc"

func init() {
	cases = append(cases, benchCase{name: modeOffCaseName, unit: "ms", runs: 100, prepare: prepareModeOff})
}

// prepareModeOff times `run ID` of a busybox container running true: runc
// as is, agentrt with `--config` naming a profile in mode off.
func prepareModeOff(e *env, dir string) (trial, error) {
	bundle := filepath.Join(dir, "bundle")
	if err := e.newBundle(bundle, "true"); err != nil {
		return nil, err
	}
	cfg, err := writeAdminConfig(e, filepath.Join(dir, "off.toml"), [][2]string{{"mode = 'enforce'", "mode = 'off'"}})
	if err != nil {
		return nil, err
	}
	return func(rt *runtimeUnderTest, i int) (float64, error) {
		id := fmt.Sprintf("bench-mode-off-%s-%d", rt.name, i)
		if rt.name == e.agentrt.name {
			return timeCommand(rt, id, "--config", cfg, "run", "--bundle", bundle, id)
		}
		return timeCommand(rt, id, "run", "--bundle", bundle, id)
	}, nil
}
