package shim

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2/process"
	runc "github.com/containerd/go-runc"

	"github.com/agentrt/agentrt/annotations"
)

// reportAnnotation is where `agentrt state` shows the enforcement report,
// the key the annotations package refuses as input.
const reportAnnotation = annotations.KeyReport

// report is the part of agentrt's enforcement report the shim reads; raw
// is the whole report, as published.
type report struct {
	PolicyHash string            `json:"policyHash"`
	Profile    string            `json:"profile"`
	Mode       string            `json:"mode"`
	Layers     map[string]string `json:"layers"`
	raw        string
}

// stateReader returns the state of a container as the runtime reports it.
type stateReader func(ctx context.Context, id string) (*runc.Container, error)

// runtimeState reads state the way the runc shim runs its runtime:
// binary --root ROOT/NAMESPACE state ID.
func runtimeState(binary, root, ns, bundle string, systemd bool) stateReader {
	r := process.NewRunc(root, bundle, ns, binary, systemd)
	return r.State
}

// readReport returns the report in the state of a container that was
// just created: the proof that agentrt, and not some other runtime,
// created it. A state without one, or with one that does not decode, is
// an ErrNoReport error.
func readReport(ctx context.Context, state stateReader, binary, id string) (*report, error) {
	st, err := state(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("%w: %s state %q: %w", ErrNoReport, binary, id, err)
	}
	raw, ok := st.Annotations[reportAnnotation]
	if !ok {
		return nil, fmt.Errorf("%w: %s created container %q without %s in its state; it is not agentrt",
			ErrNoReport, binary, id, reportAnnotation)
	}
	rep := &report{raw: raw}
	if err := json.Unmarshal([]byte(raw), rep); err != nil || rep.PolicyHash == "" {
		return nil, fmt.Errorf("%w: %s state of container %q: %s holds no report with a policy hash: %q",
			ErrNoReport, binary, id, reportAnnotation, raw)
	}
	return rep, nil
}
