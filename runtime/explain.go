package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"

	"github.com/google/go-cmp/cmp"

	"github.com/agentrt/agentrt/policy"
)

// Explanation is what `agentrt policy explain` prints: the effective
// policy of a bundle, where each part came from, and what hardening
// changed in the engine's spec. Nothing is created to compute it.
type Explanation struct {
	Profile       string                   `json:"profile"`
	ProfileOrigin policy.Origin            `json:"profileOrigin"`
	PolicyHash    string                   `json:"policyHash"`
	Policy        *policy.Policy           `json:"policy"`
	Origins       map[string]policy.Origin `json:"origins"`
	Report        *Report                  `json:"report"`
	SpecDiff      string                   `json:"specDiff"`
}

// Explain resolves and hardens the bundle's spec as create would, and
// describes the result without creating anything.
func (r *Runtime) Explain(bundle string) (*Explanation, error) {
	bundle, err := absBundle(bundle)
	if err != nil {
		return nil, err
	}
	s, err := loadBundle(bundle)
	if err != nil {
		return nil, err
	}
	cfg, _, err := policy.LoadConfigFromFlag(r.ConfigPath)
	if err != nil {
		return nil, fmt.Errorf("admin config: %w", err)
	}
	p, err := r.resolveAndHarden(bundle, s, cfg)
	if err != nil {
		return nil, err
	}
	return &Explanation{
		Profile:       p.result.Policy.Profile,
		ProfileOrigin: p.result.ProfileOrigin,
		PolicyHash:    p.result.Hash,
		Policy:        p.result.Policy,
		Origins:       p.result.Origins,
		Report:        p.report,
		SpecDiff:      specDiff(s, p.spec),
	}, nil
}

// specDiff is a readable diff of two specs, through their JSON form
// ("-" the engine's, "+" the hardened one).
func specDiff(engine, hardened any) string {
	return cmp.Diff(asJSONValue(engine), asJSONValue(hardened))
}

func asJSONValue(v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	json.Unmarshal(data, &out)
	return out
}

// WriteText prints the explanation for a person.
func (e *Explanation) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "profile:     %s (chosen by %s)\n", e.Profile, describeOrigin(e.ProfileOrigin))
	fmt.Fprintf(w, "policy hash: %s\n\n", e.PolicyHash)
	pol, err := json.MarshalIndent(e.Policy, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "effective policy:\n%s\n\n", pol)
	fmt.Fprintln(w, "where each part came from (the rest is the profile's default):")
	keys := make([]string, 0, len(e.Origins))
	for k := range e.Origins {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		fmt.Fprintln(w, "  (no requests: every part is the profile's default)")
	}
	for _, k := range keys {
		fmt.Fprintf(w, "  %-28s %s\n", k, describeOrigin(e.Origins[k]))
	}
	fmt.Fprintln(w, "\nlayers:")
	layers := make([]string, 0, len(e.Report.Layers))
	for l := range e.Report.Layers {
		layers = append(layers, l)
	}
	sort.Strings(layers)
	for _, l := range layers {
		fmt.Fprintf(w, "  %-20s %s\n", l, e.Report.Layers[l])
	}
	for _, warn := range e.Report.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	_, err = fmt.Fprintf(w, "\nspec changes (- engine, + hardened):\n%s", e.SpecDiff)
	return err
}

func describeOrigin(o policy.Origin) string {
	if o.Channel == "" {
		return "admin config " + o.Source
	}
	return fmt.Sprintf("%s %s", o.Channel, o.Source)
}
