package policy

import (
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// lineIndex maps dotted keys of a TOML document to the line they are
// written on. Elements of arrays and of arrays of tables are indexed:
// "images[1].profile", "profiles.agent.ceiling.network.allow[0]".
type lineIndex map[string]int

// keyLines indexes a document that go-toml has already decoded without
// error. It relies on go-toml's unstable parser API, pinned by go.mod.
func keyLines(data []byte) lineIndex {
	idx := lineIndex{}
	tables := map[string]int{} // array-of-tables path -> elements seen
	var p unstable.Parser
	p.Reset(data)
	prefix := ""
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table:
			prefix = resolveTablePath(e, tables, false)
			idx.add(&p, prefix, e.Key())
		case unstable.ArrayTable:
			prefix = resolveTablePath(e, tables, true)
			idx.add(&p, prefix, e.Key())
		case unstable.KeyValue:
			key := joinKey(prefix, keyParts(e.Key()))
			idx.add(&p, key, e.Key())
			idx.addValue(&p, key, e.Value())
		}
	}
	return idx
}

// resolveTablePath turns a header's dotted key into an indexed path: a
// part naming an array of tables refers to its latest element.
func resolveTablePath(e *unstable.Node, tables map[string]int, array bool) string {
	parts := keyParts(e.Key())
	path := ""
	for i, part := range parts {
		path = joinKey(path, []string{part})
		last := i == len(parts)-1
		if last && array {
			n := tables[path]
			tables[path] = n + 1
			return indexed(path, n)
		}
		if n, ok := tables[path]; ok {
			path = indexed(path, n-1)
		}
	}
	return path
}

func keyParts(it unstable.Iterator) []string {
	var parts []string
	for it.Next() {
		parts = append(parts, string(it.Node().Data))
	}
	return parts
}

func joinKey(prefix string, parts []string) string {
	key := strings.Join(parts, ".")
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// add records the line of the first key part under key.
func (idx lineIndex) add(p *unstable.Parser, key string, it unstable.Iterator) {
	if it.Next() {
		idx.addNode(p, key, it.Node())
	}
}

func (idx lineIndex) addNode(p *unstable.Parser, key string, n *unstable.Node) {
	if _, seen := idx[key]; seen || n.Raw.Length == 0 {
		return
	}
	idx[key] = p.Shape(n.Raw).Start.Line
}

// addValue indexes the elements of arrays and inline tables.
func (idx lineIndex) addValue(p *unstable.Parser, key string, v *unstable.Node) {
	switch v.Kind {
	case unstable.Array:
		i := 0
		for it := v.Children(); it.Next(); i++ {
			el := indexed(key, i)
			idx.addNode(p, el, it.Node())
			idx.addValue(p, el, it.Node())
		}
	case unstable.InlineTable:
		for it := v.Children(); it.Next(); {
			kv := it.Node()
			if kv.Kind != unstable.KeyValue {
				continue
			}
			sub := joinKey(key, keyParts(kv.Key()))
			idx.add(p, sub, kv.Key())
			idx.addValue(p, sub, kv.Value())
		}
	}
}

// find returns the line of key, or of its nearest indexed parent, or 0.
func (idx lineIndex) find(key string) int {
	for key != "" {
		if line, ok := idx[key]; ok {
			return line
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return 0
}
