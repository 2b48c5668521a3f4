package seccomp

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func arg(idx uint, op specs.LinuxSeccompOperator, v uint64) specs.LinuxSeccompArg {
	return specs.LinuxSeccompArg{Index: idx, Op: op, Value: v}
}

func TestSimplify(t *testing.T) {
	tests := []struct {
		name      string
		in        clause
		want      clause
		wantState clauseState
	}{
		{"empty is true", nil, nil, clauseOK},
		{"different arguments stay", clause{eq(1, 2), eq(0, 1)}, clause{eq(0, 1), eq(1, 2)}, clauseOK},
		{"equality pins", clause{eq(0, 1), arg(0, specs.OpNotEqual, 16)}, clause{eq(0, 1)}, clauseOK},
		{"equality contradicts", clause{eq(0, 16), arg(0, specs.OpNotEqual, 16)}, nil, clauseFalse},
		{"two equalities", clause{eq(0, 1), eq(0, 2)}, nil, clauseFalse},
		{"masks fold", clause{masked(1, 0xf, 1), masked(1, 0x2, 0)}, clause{masked(1, 0xf, 1)}, clauseOK},
		{"masks conflict", clause{masked(0, 0x1, 1), masked(0, 0x3, 0)}, nil, clauseFalse},
		{"full mask is equality", clause{masked(0, math.MaxUint64, 5), eq(0, 5)}, clause{eq(0, 5)}, clauseOK},
		{"mask never holds", clause{masked(0, 0x1, 2)}, nil, clauseFalse},
		{"mask zero always holds", clause{masked(0, 0, 0)}, nil, clauseOK},
		{"bounds same direction", clause{arg(0, specs.OpLessThan, 10), arg(0, specs.OpLessEqual, 4)},
			clause{arg(0, specs.OpLessEqual, 4)}, clauseOK},
		{"bounds empty", clause{arg(0, specs.OpGreaterThan, 10), arg(0, specs.OpLessThan, 11)}, nil, clauseFalse},
		{"bounds one value", clause{arg(0, specs.OpGreaterThan, 10), arg(0, specs.OpLessThan, 12)},
			clause{eq(0, 11)}, clauseOK},
		{"range is inexpressible", clause{arg(0, specs.OpGreaterEqual, 10), arg(0, specs.OpLessEqual, 20)},
			nil, clauseInexpressible},
		{"not-equal outside range drops", clause{arg(0, specs.OpLessThan, 5), arg(0, specs.OpNotEqual, 9)},
			clause{arg(0, specs.OpLessThan, 5)}, clauseOK},
		{"two not-equals", clause{arg(2, specs.OpNotEqual, 0), arg(2, specs.OpNotEqual, 9)},
			nil, clauseInexpressible},
		{"not-equal excluded by mask", clause{masked(0, 0xf, 1), arg(0, specs.OpNotEqual, 2)},
			clause{masked(0, 0xf, 1)}, clauseOK},
		{"duplicate", clause{eq(0, 3), eq(0, 3)}, clause{eq(0, 3)}, clauseOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, st := simplify(tt.in)
			if st != tt.wantState {
				t.Fatalf("state: got %v, want %v", st, tt.wantState)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("clause (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNegate checks negations against direct evaluation on sample values.
func TestNegate(t *testing.T) {
	conds := []specs.LinuxSeccompArg{
		eq(0, 5), arg(0, specs.OpNotEqual, 5), arg(0, specs.OpLessThan, 5),
		arg(0, specs.OpLessEqual, 5), arg(0, specs.OpGreaterThan, 5),
		arg(0, specs.OpGreaterEqual, 5), masked(0, 0xf, 3), masked(0, 0x7e020000, 0),
		masked(0, 0x1, 2), masked(0, 0, 0),
	}
	samples := []uint64{0, 1, 3, 4, 5, 6, 0x13, 0xf3, 0x20000, 0x10000011, math.MaxUint64}
	for _, c := range conds {
		t.Run(string(c.Op), func(t *testing.T) {
			neg := negate(c)
			for _, x := range samples {
				var args [6]uint64
				args[0] = x
				got := false
				for _, cl := range neg {
					got = got || clauseHolds(cl, args)
				}
				if want := !holds(c, x); got != want {
					t.Errorf("not %v at %#x: got %v, want %v", c, x, got, want)
				}
			}
		})
	}
}

func TestAbsorb(t *testing.T) {
	in := formula{{eq(0, 1), arg(2, specs.OpNotEqual, 9)}, {eq(0, 1)}, {eq(0, 1)}, {masked(1, 0xf, 1)}}
	want := formula{{eq(0, 1)}, {masked(1, 0xf, 1)}}
	if diff := cmp.Diff(want, absorb(in)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestAndTooComplex(t *testing.T) {
	// Each negated 64-bit mask is 64 clauses; three multiply past maxClauses.
	var denies []clause
	for i := uint(0); i < 3; i++ {
		denies = append(denies, clause{masked(i, math.MaxUint64>>1, 0)})
	}
	if _, _, ok := andNot(truth(), denies); ok {
		t.Errorf("got ok, want the clause limit to trip")
	}
}
