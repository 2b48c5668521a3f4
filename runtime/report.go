package runtime

// ReportAnnotation is the annotation under which `state` shows the
// enforcement report of a container.
const ReportAnnotation = "agentrt.io/report"

// Report is what agentrt found live after setting a container up: the
// policy it ran under and the status of every enforcement layer.
type Report struct {
	PolicyHash string            `json:"policyHash,omitempty"`
	Profile    string            `json:"profile,omitempty"`
	Mode       string            `json:"mode,omitempty"`
	Channels   []string          `json:"channels,omitempty"`
	Layers     map[string]string `json:"layers,omitempty"`
	Warnings   []string          `json:"warnings,omitempty"`
}
