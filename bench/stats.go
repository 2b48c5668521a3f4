package main

import (
	"math"
	"math/rand/v2"
	"sort"
)

// bootstrapRounds is how many resamples ratioInterval draws.
const bootstrapRounds = 2000

// summary is the spread of one runtime's samples.
type summary struct {
	n                int
	p10, median, p90 float64
}

func summarize(samples []float64) summary {
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	return summary{
		n:      len(s),
		p10:    percentile(s, 10),
		median: percentile(s, 50),
		p90:    percentile(s, 90),
	}
}

// percentile returns the p-th percentile of sorted, interpolating linearly
// between the two nearest ranks; NaN for no samples.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	rank := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(rank))
	hi := int(math.Ceil(rank))
	frac := rank - float64(lo)
	return sorted[lo] + (sorted[hi]-sorted[lo])*frac
}

// ratioInterval returns the central conf interval (0.90 for 90 %) of the
// ratio median(a)/median(b), by resampling both with replacement. The
// seed is fixed, so the same samples give the same interval.
func ratioInterval(a, b []float64, conf float64) (lo, hi float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	ratios := make([]float64, bootstrapRounds)
	ra, rb := make([]float64, len(a)), make([]float64, len(b))
	for i := range ratios {
		resample(rng, a, ra)
		resample(rng, b, rb)
		ratios[i] = summarize(ra).median / summarize(rb).median
	}
	sort.Float64s(ratios)
	tail := (1 - conf) / 2 * 100
	return percentile(ratios, tail), percentile(ratios, 100-tail)
}

func resample(rng *rand.Rand, from, to []float64) {
	for i := range to {
		to[i] = from[rng.IntN(len(from))]
	}
}
