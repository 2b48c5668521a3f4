package runtime

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/opencontainers/runc/libcontainer"

	"github.com/agentrt/agentrt/runtime/egress"
)

// ContainerState is the JSON that `state` prints and `list --format json`
// prints a list of, field for field as runc prints it.
type ContainerState struct {
	Version        string            `json:"ociVersion"`
	ID             string            `json:"id"`
	InitProcessPid int               `json:"pid"`
	Status         string            `json:"status"`
	Bundle         string            `json:"bundle"`
	Rootfs         string            `json:"rootfs"`
	Created        time.Time         `json:"created"`
	Annotations    map[string]string `json:"annotations,omitempty"`
	Owner          string            `json:"owner"`
}

// State returns the state of container id, with agentrt's enforcement
// report among its annotations.
func (r *Runtime) State(id string) (*ContainerState, error) {
	c, err := r.load(id)
	if err != nil {
		return nil, err
	}
	return r.containerState(c)
}

func (r *Runtime) containerState(c *libcontainer.Container) (*ContainerState, error) {
	status, err := c.Status()
	if err != nil {
		return nil, err
	}
	st, err := c.State()
	if err != nil {
		return nil, err
	}
	pid := st.BaseState.InitProcessPid
	if status == libcontainer.Stopped {
		pid = 0
	}
	bundle, annotations := bundleAndAnnotations(st.Config.Labels)
	if rep := r.reportJSON(c.ID()); rep != "" {
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[ReportAnnotation] = rep
	}
	return &ContainerState{
		Version:        st.BaseState.Config.Version,
		ID:             st.BaseState.ID,
		InitProcessPid: pid,
		Status:         status.String(),
		Bundle:         bundle,
		Rootfs:         st.BaseState.Config.Rootfs,
		Created:        st.BaseState.Created,
		Annotations:    annotations,
	}, nil
}

// reportJSON is the report of container id as one line of JSON, or "" when
// it has none.
func (r *Runtime) reportJSON(id string) string {
	rec, err := readRecord(r.stateDir(id))
	if err != nil || rec == nil || rec.Report == nil {
		return ""
	}
	if rec.Report.Egress != nil {
		rec.Report.EgressDenials, _ = egress.StateDenials(r.stateDir(id))
	}
	data, err := json.Marshal(rec.Report)
	if err != nil {
		return ""
	}
	return string(data)
}

// bundleAndAnnotations splits libcontainer's labels ("key=value") into the
// bundle path and the spec's annotations.
func bundleAndAnnotations(labels []string) (bundle string, annotations map[string]string) {
	for _, l := range labels {
		k, v, _ := strings.Cut(l, "=")
		if k == "bundle" {
			bundle = v
			continue
		}
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[k] = v
	}
	return bundle, annotations
}
