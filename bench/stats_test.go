package main

import (
	"math"
	"testing"
)

func TestPercentile(t *testing.T) {
	tests := []struct {
		name   string
		sorted []float64
		p      float64
		want   float64
	}{
		{"median of odd", []float64{1, 2, 3}, 50, 2},
		{"median of even", []float64{1, 2, 3, 4}, 50, 2.5},
		{"p10 interpolates", []float64{0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100}, 10, 10},
		{"p90 of two", []float64{0, 10}, 90, 9},
		{"one sample", []float64{7}, 90, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.p); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("percentile(%v, %v) = %v, want %v", tc.sorted, tc.p, got, tc.want)
			}
		})
	}
	if got := percentile(nil, 50); !math.IsNaN(got) {
		t.Errorf("percentile(nil, 50) = %v, want NaN", got)
	}
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr bool
	}{
		{"defaults", nil, false},
		{"n and case", []string{"-n", "5", "-case", "^run"}, false},
		{"negative runs", []string{"-n", "-1"}, true},
		{"bad regexp", []string{"-case", "("}, true},
		{"stray argument", []string{"extra"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags(tc.args)
			if (err != nil) != tc.wantErr {
				t.Errorf("parseFlags(%q) error = %v, want error %v", tc.args, err, tc.wantErr)
			}
		})
	}
}

func TestRatioInterval(t *testing.T) {
	a := []float64{10, 11, 12, 13, 14, 15, 16, 17, 18, 19}
	b := []float64{20, 22, 24, 26, 28, 30, 32, 34, 36, 38}
	lo, hi := ratioInterval(a, b, 0.90)
	if !(lo <= 0.5 && 0.5 <= hi) || lo <= 0 || hi >= 1 {
		t.Errorf("ratioInterval: got %.3f-%.3f, want an interval around 0.5 inside (0, 1)", lo, hi)
	}
	if lo2, hi2 := ratioInterval(a, b, 0.90); lo2 != lo || hi2 != hi {
		t.Errorf("ratioInterval is not repeatable: %v-%v then %v-%v", lo, hi, lo2, hi2)
	}
	same := []float64{5, 5, 5}
	if lo, hi := ratioInterval(same, same, 0.90); lo != 1 || hi != 1 {
		t.Errorf("ratioInterval of constant samples: got %v-%v, want 1-1", lo, hi)
	}
}
