package seccomp

import (
	"math"
	"math/bits"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A clause is a conjunction of argument conditions, as in one runtime-spec
// syscall rule; the empty clause is true. A formula is a disjunction of
// clauses; the empty formula is false.
type (
	clause  []specs.LinuxSeccompArg
	formula []clause
)

// maxClauses bounds the formulas built while merging, so that a hostile
// profile cannot make Harden run for ever. Real profiles stay far below.
const maxClauses = 1024

// truth is the formula that is always true.
func truth() formula { return formula{clause{}} }

// holds reports whether the condition c is true for the argument value x.
// For SCMP_CMP_MASKED_EQ, Value is the mask and ValueTwo the datum.
func holds(c specs.LinuxSeccompArg, x uint64) bool {
	switch c.Op {
	case specs.OpEqualTo:
		return x == c.Value
	case specs.OpNotEqual:
		return x != c.Value
	case specs.OpLessThan:
		return x < c.Value
	case specs.OpLessEqual:
		return x <= c.Value
	case specs.OpGreaterThan:
		return x > c.Value
	case specs.OpGreaterEqual:
		return x >= c.Value
	case specs.OpMaskedEqual:
		return x&c.Value == c.ValueTwo
	}
	return false
}

// negate returns the formula that holds exactly where c does not. A masked
// comparison has no negated operator; it fails where any one masked bit
// differs from the datum, so its negation is one clause per mask bit.
func negate(c specs.LinuxSeccompArg) formula {
	one := func(op specs.LinuxSeccompOperator, v uint64) formula {
		return formula{{{Index: c.Index, Op: op, Value: v}}}
	}
	switch c.Op {
	case specs.OpEqualTo:
		return one(specs.OpNotEqual, c.Value)
	case specs.OpNotEqual:
		return one(specs.OpEqualTo, c.Value)
	case specs.OpLessThan:
		return one(specs.OpGreaterEqual, c.Value)
	case specs.OpLessEqual:
		return one(specs.OpGreaterThan, c.Value)
	case specs.OpGreaterThan:
		return one(specs.OpLessEqual, c.Value)
	case specs.OpGreaterEqual:
		return one(specs.OpLessThan, c.Value)
	}
	mask, datum := c.Value, c.ValueTwo
	if datum&^mask != 0 {
		return truth() // the condition can never hold
	}
	var f formula
	for m := mask; m != 0; m &= m - 1 {
		b := uint64(1) << bits.TrailingZeros64(m)
		f = append(f, clause{{Index: c.Index, Op: specs.OpMaskedEqual, Value: b, ValueTwo: ^datum & b}})
	}
	return f
}

// negateClause returns the formula that holds exactly where cl does not.
func negateClause(cl clause) formula {
	var f formula
	for _, c := range cl {
		f = append(f, negate(c)...)
	}
	return f
}

// and returns the conjunction of two formulas, simplified. dropped counts
// the clauses that could not be written as one rule and were left out.
func and(f, g formula) (out formula, dropped int, ok bool) {
	for _, a := range f {
		for _, b := range g {
			cl, st := simplify(append(slices.Clone(a), b...))
			switch st {
			case clauseOK:
				out = append(out, cl)
			case clauseInexpressible:
				dropped++
			}
			if len(out) > maxClauses {
				return nil, dropped, false
			}
		}
	}
	return absorb(out), dropped, true
}

// andNot returns f minus every clause of denies.
func andNot(f formula, denies []clause) (formula, int, bool) {
	total := 0
	for _, d := range denies {
		var dropped int
		var ok bool
		f, dropped, ok = and(f, negateClause(d))
		total += dropped
		if !ok {
			return nil, total, false
		}
	}
	return f, total, true
}

// clauseState is the outcome of simplifying one clause.
type clauseState int

const (
	clauseOK            clauseState = iota
	clauseFalse                     // no argument values satisfy it
	clauseInexpressible             // needs two conditions on one argument
)

// simplify reduces a clause to at most one condition per argument, sorted
// by argument index.
func simplify(cl clause) (clause, clauseState) {
	byIndex := map[uint][]specs.LinuxSeccompArg{}
	for _, c := range cl {
		byIndex[c.Index] = append(byIndex[c.Index], c)
	}
	var out clause
	for _, idx := range sortedKeys(byIndex) {
		c, st := reduceArg(byIndex[idx])
		if st != clauseOK {
			return nil, st
		}
		out = append(out, c...)
	}
	return out, clauseOK
}

// reduceArg reduces the conditions on one argument to zero or one.
func reduceArg(cs []specs.LinuxSeccompArg) ([]specs.LinuxSeccompArg, clauseState) {
	cs = dedupe(cs)
	if len(cs) == 1 {
		return trivial(cs[0])
	}
	for _, c := range cs {
		if c.Op == specs.OpEqualTo {
			return pinned(c, cs)
		}
	}
	mask, rest, st := foldMasks(cs)
	if st != clauseOK {
		return nil, st
	}
	if mask != nil && mask.Value == math.MaxUint64 {
		return pinned(specs.LinuxSeccompArg{Index: mask.Index, Op: specs.OpEqualTo, Value: mask.ValueTwo}, rest)
	}
	b, rest, st := foldBounds(rest)
	if st != clauseOK {
		return nil, st
	}
	if b.lo == b.hi {
		eq := specs.LinuxSeccompArg{Index: cs[0].Index, Op: specs.OpEqualTo, Value: b.lo}
		return pinned(eq, append(rest, maskList(mask)...))
	}
	return assemble(cs[0].Index, mask, b, rest)
}

// assemble writes the folded conditions on one argument, dropping the
// not-equal conditions that the others already imply, and reports a
// result that needs more than one condition as inexpressible.
func assemble(idx uint, mask *specs.LinuxSeccompArg, b bounds, nes []specs.LinuxSeccompArg) ([]specs.LinuxSeccompArg, clauseState) {
	out := append(maskList(mask), b.conds(idx)...)
	for _, ne := range nes {
		if b.contains(ne.Value) && (mask == nil || holds(*mask, ne.Value)) {
			out = append(out, ne) // the value is not yet excluded
		}
	}
	switch len(out) {
	case 0:
		return nil, clauseOK
	case 1:
		return trivial(out[0])
	}
	return nil, clauseInexpressible
}

// trivial drops a lone condition that always holds and reports one that
// never does.
func trivial(c specs.LinuxSeccompArg) ([]specs.LinuxSeccompArg, clauseState) {
	switch {
	case c.Op == specs.OpMaskedEqual && c.ValueTwo&^c.Value != 0,
		c.Op == specs.OpLessThan && c.Value == 0,
		c.Op == specs.OpGreaterThan && c.Value == math.MaxUint64:
		return nil, clauseFalse
	case c.Op == specs.OpMaskedEqual && c.Value == 0,
		c.Op == specs.OpLessEqual && c.Value == math.MaxUint64,
		c.Op == specs.OpGreaterEqual && c.Value == 0:
		return nil, clauseOK
	}
	return []specs.LinuxSeccompArg{c}, clauseOK
}

// pinned handles an equality: it fixes the value, so the other conditions
// either all hold for it or the clause is false.
func pinned(eq specs.LinuxSeccompArg, cs []specs.LinuxSeccompArg) ([]specs.LinuxSeccompArg, clauseState) {
	for _, c := range cs {
		if !holds(c, eq.Value) {
			return nil, clauseFalse
		}
	}
	return []specs.LinuxSeccompArg{eq}, clauseOK
}

// foldMasks folds every masked comparison into one: x&m1 == v1 and
// x&m2 == v2 is x&(m1|m2) == v1|v2 when the data agree on shared bits.
// It returns the folded comparison (nil if there was none) and the other
// conditions.
func foldMasks(cs []specs.LinuxSeccompArg) (*specs.LinuxSeccompArg, []specs.LinuxSeccompArg, clauseState) {
	var rest []specs.LinuxSeccompArg
	var m *specs.LinuxSeccompArg
	for _, c := range cs {
		if c.Op != specs.OpMaskedEqual {
			rest = append(rest, c)
			continue
		}
		if c.ValueTwo&^c.Value != 0 {
			return nil, nil, clauseFalse
		}
		if m == nil {
			m = &c
			continue
		}
		if m.ValueTwo&c.Value != c.ValueTwo&m.Value {
			return nil, nil, clauseFalse
		}
		m = &specs.LinuxSeccompArg{Index: c.Index, Op: specs.OpMaskedEqual,
			Value: m.Value | c.Value, ValueTwo: m.ValueTwo | c.ValueTwo}
	}
	return m, rest, clauseOK
}

// maskList returns the folded masked comparison as a list.
func maskList(m *specs.LinuxSeccompArg) []specs.LinuxSeccompArg {
	if m == nil {
		return nil
	}
	return []specs.LinuxSeccompArg{*m}
}

// bounds is the inclusive range [lo, hi] that the ordered comparisons on
// one argument leave, with the comparisons it was folded from.
type bounds struct {
	lo, hi uint64
	from   []specs.LinuxSeccompArg
}

// foldBounds folds the ordered comparisons into one range and returns it
// with the remaining (not-equal) conditions.
func foldBounds(cs []specs.LinuxSeccompArg) (bounds, []specs.LinuxSeccompArg, clauseState) {
	b := bounds{lo: 0, hi: math.MaxUint64}
	var rest []specs.LinuxSeccompArg
	for _, c := range cs {
		lo, hi, ok := limits(c)
		if !ok {
			rest = append(rest, c)
			continue
		}
		if lo > hi {
			return b, nil, clauseFalse
		}
		b.lo, b.hi = max(b.lo, lo), min(b.hi, hi)
		b.from = append(b.from, c)
	}
	if b.lo > b.hi {
		return b, nil, clauseFalse
	}
	return b, rest, clauseOK
}

// limits returns the inclusive range of an ordered comparison; lo > hi
// means the comparison never holds. ok is false for other operators.
func limits(c specs.LinuxSeccompArg) (lo, hi uint64, ok bool) {
	lo, hi = 0, math.MaxUint64
	switch c.Op {
	case specs.OpLessThan:
		if c.Value == 0 {
			return 1, 0, true
		}
		hi = c.Value - 1
	case specs.OpLessEqual:
		hi = c.Value
	case specs.OpGreaterThan:
		if c.Value == math.MaxUint64 {
			return 1, 0, true
		}
		lo = c.Value + 1
	case specs.OpGreaterEqual:
		lo = c.Value
	default:
		return 0, 0, false
	}
	return lo, hi, true
}

// contains reports whether x is in the range.
func (b bounds) contains(x uint64) bool { return b.lo <= x && x <= b.hi }

// conds writes the range as conditions, reusing the comparisons it was
// folded from where one gives a bound: none, one, or two when bounded on
// both sides (which the caller then finds inexpressible).
func (b bounds) conds(idx uint) []specs.LinuxSeccompArg {
	var out []specs.LinuxSeccompArg
	if b.lo > 0 {
		out = append(out, b.pick(idx, specs.OpGreaterEqual, b.lo, func(lo, _ uint64) bool { return lo == b.lo }))
	}
	if b.hi < math.MaxUint64 {
		out = append(out, b.pick(idx, specs.OpLessEqual, b.hi, func(_, hi uint64) bool { return hi == b.hi }))
	}
	return out
}

// pick returns the first original comparison whose limits match, or a
// new comparison op v.
func (b bounds) pick(idx uint, op specs.LinuxSeccompOperator, v uint64, match func(lo, hi uint64) bool) specs.LinuxSeccompArg {
	for _, c := range b.from {
		lo, hi, _ := limits(c)
		if (op == specs.OpGreaterEqual) == (lo > 0) && match(lo, hi) {
			return c
		}
	}
	return specs.LinuxSeccompArg{Index: idx, Op: op, Value: v}
}

// dedupe removes repeated conditions, keeping the first of each.
func dedupe(cs []specs.LinuxSeccompArg) []specs.LinuxSeccompArg {
	var out []specs.LinuxSeccompArg
	for _, c := range cs {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// sortedKeys returns the argument indexes of m in increasing order.
func sortedKeys(m map[uint][]specs.LinuxSeccompArg) []uint {
	keys := make([]uint, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// absorb removes clauses implied by another clause of the formula (they
// add nothing to the disjunction) and repeated clauses.
func absorb(f formula) formula {
	var out formula
	for i, c := range f {
		redundant := false
		for j, d := range f {
			if i == j {
				continue
			}
			// Of two equivalent clauses keep the first.
			if implies(c, d) && (!implies(d, c) || j < i) {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, c)
		}
	}
	return out
}

// implies reports whether clause c implies clause d: every condition of d
// follows from a condition of c on the same argument. It may answer false
// for an implication it cannot see, which only keeps a redundant clause.
func implies(c, d clause) bool {
	for _, want := range d {
		found := false
		for _, have := range c {
			if have.Index == want.Index && condImplies(have, want) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// condImplies reports whether condition a implies condition b on the same
// argument, for the cases that matter when simplifying profiles.
func condImplies(a, b specs.LinuxSeccompArg) bool {
	switch {
	case a == b:
		return true
	case a.Op == specs.OpEqualTo:
		return holds(b, a.Value)
	case a.Op == specs.OpMaskedEqual && b.Op == specs.OpMaskedEqual:
		return b.Value&^a.Value == 0 && a.ValueTwo&b.Value == b.ValueTwo
	}
	ra, okA := asBounds(a)
	rb, okB := asBounds(b)
	return okA && okB && rb.lo <= ra.lo && ra.hi <= rb.hi
}

// asBounds returns the range of an ordered comparison.
func asBounds(c specs.LinuxSeccompArg) (bounds, bool) {
	lo, hi, ok := limits(c)
	return bounds{lo: lo, hi: hi}, ok && lo <= hi
}
