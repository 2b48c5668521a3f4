package seccomp

import (
	"fmt"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Merge returns the profile that allows a system call only where both
// agent and engine allow it, and the required (Landlock) calls always;
// the package documentation describes the semantics. Neither input is modified. The notes say where the result is
// stricter than both sides or where a setting of the engine's was dropped.
// Errors name fields under "linux.seccomp" (the engine's profile) or
// "agent" and wrap ErrInvalidProfile or ErrTooComplex.
func Merge(agent, engine *specs.LinuxSeccomp) (*specs.LinuxSeccomp, []string, error) {
	if agent == nil {
		return nil, nil, fmt.Errorf("merge seccomp profiles: %w: no agent profile", ErrInvalidProfile)
	}
	if err := Validate(agent, "agent"); err != nil {
		return nil, nil, err
	}
	if engine == nil {
		return clone(agent), nil, nil
	}
	if err := Validate(engine, "linux.seccomp"); err != nil {
		return nil, nil, err
	}
	m := newMerger(agent, engine)
	for _, name := range names(m.a, m.b) {
		if err := m.mergeCall(name); err != nil {
			return nil, nil, fmt.Errorf("merge seccomp profiles: %w", err)
		}
	}
	out := &specs.LinuxSeccomp{
		DefaultAction:    m.def.action,
		DefaultErrnoRet:  m.def.errnoRet(),
		Architectures:    mergeArches(agent.Architectures, engine.Architectures),
		ListenerPath:     engine.ListenerPath,
		ListenerMetadata: engine.ListenerMetadata,
		Syscalls:         m.rules(),
	}
	out.Flags, m.notes = mergeFlags(agent.Flags, engine.Flags, m.notes)
	out, required := AllowRequired(out)
	return out, append(m.notes, required...), nil
}

// newMerger reads both profiles. The merged default is the engine's, so
// its answer for calls neither side allows survives, unless the engine's
// default permits (a denylist).
func newMerger(agent, engine *specs.LinuxSeccomp) *merger {
	m := &merger{a: newTable(agent), b: newTable(engine)}
	m.def = m.b.def
	if m.b.def.permits() {
		m.def = m.a.def
	}
	return m
}

// merger holds the state of one Merge.
type merger struct {
	a, b    *table
	def     verdict
	out     []entry
	notes   []string
	dropped map[string]int
}

// entry is one rule of the merged profile for one system call.
type entry struct {
	name    string
	args    []specs.LinuxSeccompArg
	verdict verdict
}

// mergeCall writes the merged rules for one system call: the permits both
// sides share, the engine's denials unchanged, the agent's denials where
// the engine has none, and the agent's default answer where the engine
// permits a call the agent profile does not mention.
func (m *merger) mergeCall(name string) error {
	ra, da, err := m.a.permitted(name)
	if err != nil {
		return err
	}
	rb, db, err := m.b.permitted(name)
	if err != nil {
		return err
	}
	m.drop(name, da+db)
	if err := m.addPermits(name, ra, rb); err != nil {
		return err
	}
	for _, r := range m.b.denies[name] {
		m.add(name, r.args, r.verdict)
	}
	if err := m.addAgentDenials(name); err != nil {
		return err
	}
	return m.addAgentDefault(name, rb)
}

// addPermits writes the pairwise conjunctions of both sides' permits,
// one absorbed formula per verdict.
func (m *merger) addPermits(name string, ra, rb []region) error {
	var verdicts []verdict
	byVerdict := map[verdict]formula{}
	for _, a := range ra {
		for _, b := range rb {
			f, dropped, ok := and(a.f, b.f)
			m.drop(name, dropped)
			if !ok {
				return tooComplex(name)
			}
			v := combine(a.verdict, b.verdict)
			if _, seen := byVerdict[v]; !seen {
				verdicts = append(verdicts, v)
			}
			byVerdict[v] = append(byVerdict[v], f...)
			if len(byVerdict[v]) > maxClauses {
				return tooComplex(name)
			}
		}
	}
	for _, v := range verdicts {
		m.addFormula(name, absorb(byVerdict[v]), v)
	}
	return nil
}

// addAgentDenials writes the agent's explicit denials minus the engine's,
// whose errnoRet values take precedence.
func (m *merger) addAgentDenials(name string) error {
	engine := clauses(m.b.denies[name])
	for _, d := range m.a.denies[name] {
		if d.verdict == m.def {
			continue // the default already answers this way
		}
		f, dropped, ok := andNot(formula{d.clause}, engine)
		m.drop(name, dropped)
		if !ok {
			return tooComplex(name)
		}
		m.addFormula(name, f, d.verdict)
	}
	return nil
}

// addAgentDefault writes the agent default's answer where the engine
// permits a call that the agent profile neither permits nor denies
// explicitly, when the merged default (the engine's) answers differently.
func (m *merger) addAgentDefault(name string, rb []region) error {
	if m.a.def.permits() || m.a.def == m.def || len(m.a.permits[name]) > 0 {
		return nil
	}
	var engine formula
	for _, r := range rb {
		engine = append(engine, r.f...)
	}
	f, dropped, ok := andNot(absorb(engine), clauses(m.a.denies[name]))
	m.drop(name, dropped)
	if !ok {
		return tooComplex(name)
	}
	m.addFormula(name, f, m.a.def)
	return nil
}

// addFormula writes one rule per clause of f.
func (m *merger) addFormula(name string, f formula, v verdict) {
	for _, cl := range f {
		m.add(name, cl, v)
	}
}

// add writes one rule unless the default already gives its answer.
func (m *merger) add(name string, args []specs.LinuxSeccompArg, v verdict) {
	if v == m.def {
		return
	}
	m.out = append(m.out, entry{name: name, args: slices.Clone(args), verdict: v})
}

// drop records clauses left out of the result because runc cannot express
// them; the result is stricter there than either profile.
func (m *merger) drop(name string, n int) {
	if n == 0 {
		return
	}
	if m.dropped == nil {
		m.dropped = map[string]int{}
	}
	if m.dropped[name] == 0 {
		m.notes = append(m.notes, fmt.Sprintf("system call %q: argument conditions of the "+
			"two profiles cannot be combined into runc rules; those cases are denied", name))
	}
	m.dropped[name] += n
}

// combine returns the verdict for a call both sides permit: ALLOW yields
// to the other side's action, so a LOG, TRACE or NOTIFY of either is kept.
func combine(a, b verdict) verdict {
	switch {
	case a.action == specs.ActAllow:
		return b
	case b.action == specs.ActAllow:
		return a
	case b.rank() > a.rank():
		return b
	}
	return a
}
