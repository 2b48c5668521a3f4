package policy

import (
	"fmt"
	"slices"
)

func applyReadable(s *resolver, r *Request) []violation {
	got, vs := clampPaths(*r.Filesystem.Readable, s.def.Filesystem.Readable,
		s.ceil.Filesystem.Readable, "ceiling.filesystem.readable")
	s.pol.Filesystem.Readable = got
	return vs
}

func applyWritable(s *resolver, r *Request) []violation {
	got, vs := clampPaths(*r.Filesystem.Writable, s.def.Filesystem.Writable,
		s.ceil.Filesystem.Writable, "ceiling.filesystem.writable")
	s.pol.Filesystem.Writable = got
	return vs
}

func applyExecutable(s *resolver, r *Request) []violation {
	got, vs := clampPaths(*r.Filesystem.Executable, s.def.Filesystem.Executable,
		s.ceil.Filesystem.Executable, "ceiling.filesystem.executable")
	s.pol.Filesystem.Executable = got
	return vs
}

func applyWritableExecutable(s *resolver, r *Request) []violation {
	got, vs := clampPaths(*r.Filesystem.WritableExecutable, s.def.Filesystem.WritableExecutable,
		s.ceil.Filesystem.WritableExecutable, "ceiling.filesystem.writable_executable")
	s.pol.Filesystem.WritableExecutable = got
	return vs
}

func applyMountSources(s *resolver, r *Request) []violation {
	got, vs := clampPaths(*r.Isolation.MountSources, s.def.Isolation.MountSources,
		s.ceil.Isolation.MountSources, "ceiling.isolation.mount_sources")
	s.pol.Isolation.MountSources = got
	return vs
}

// applyHidden adds to the profile's hidden paths: hiding more is always
// narrower, and nothing can un-hide.
func applyHidden(s *resolver, r *Request) []violation {
	s.pol.Filesystem.Hidden = cleanPaths(append(slices.Clone(s.def.Filesystem.Hidden), *r.Filesystem.Hidden...))
	return nil
}

// clampPaths keeps the asked paths that the defaults or the ceiling
// cover; the list replaces the default one.
func clampPaths(want, def, ceil []string, key string) ([]string, []violation) {
	var got []string
	var vs []violation
	for _, p := range cleanPaths(want) {
		if pathCovered(p, def) || pathCovered(p, ceil) {
			got = append(got, p)
			continue
		}
		vs = append(vs, violation{p, key})
	}
	return got, vs
}

func applyCapabilities(s *resolver, r *Request) []violation {
	var got []string
	var vs []violation
	for _, c := range normalizeCapabilities(*r.Process.Capabilities) {
		if slices.Contains(s.def.Process.Capabilities, c) || slices.Contains(s.ceil.Process.Capabilities, c) {
			got = append(got, c)
			continue
		}
		vs = append(vs, violation{c, "ceiling.process.capabilities"})
	}
	s.pol.Process.Capabilities = got
	return vs
}

// applyRlimits replaces the defaults' limits of the asked types. Adding
// a limit the defaults lack is narrowing; raising one must stay within
// the ceiling's limit of that type.
func applyRlimits(s *resolver, r *Request) []violation {
	byType := map[string]Rlimit{}
	for _, d := range s.def.Process.Rlimits {
		byType[d.Type] = d
	}
	var vs []violation
	for _, want := range normalizeRlimits(*r.Process.Rlimits) {
		got, v := clampRlimit(want, s.def.Process.Rlimits, s.ceil.Process.Rlimits)
		byType[want.Type] = got
		vs = append(vs, v...)
	}
	out := make([]Rlimit, 0, len(byType))
	for _, rl := range byType {
		out = append(out, rl)
	}
	s.pol.Process.Rlimits = normalizeRlimits(out)
	return vs
}

func clampRlimit(want Rlimit, def, ceil []Rlimit) (Rlimit, []violation) {
	d, hasDef := findRlimit(def, want.Type)
	if !hasDef || within(want, d) {
		return want, nil
	}
	bound := d
	if c, ok := findRlimit(ceil, want.Type); ok {
		if within(want, c) {
			return want, nil
		}
		bound = Rlimit{Type: d.Type, Soft: max(d.Soft, c.Soft), Hard: max(d.Hard, c.Hard)}
	}
	got := Rlimit{Type: want.Type, Soft: min(want.Soft, bound.Soft), Hard: min(want.Hard, bound.Hard)}
	got.Soft = min(got.Soft, got.Hard)
	v := violation{fmt.Sprintf("%s=%d:%d", want.Type, want.Soft, want.Hard), "ceiling.process.rlimits"}
	return got, []violation{v}
}

func findRlimit(list []Rlimit, typ string) (Rlimit, bool) {
	for _, r := range list {
		if r.Type == typ {
			return r, true
		}
	}
	return Rlimit{}, false
}

func within(r, bound Rlimit) bool { return r.Soft <= bound.Soft && r.Hard <= bound.Hard }
