package egressbench

import (
	"context"
	"os"
	"testing"

	"github.com/agentrt/agentrt/runtime/egress"
)

func TestMain(m *testing.M) {
	egress.MaybeRunDNSFilter()
	os.Exit(m.Run())
}

func requireRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() == 0 {
		return
	}
	reason := "needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) to create network namespaces and program nftables"
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s; CI=true does not allow skipping", reason)
	}
	tb.Skip(reason)
}

// TestBenchmarksRun runs both benchmarks small, so that `go test` keeps
// them working.
func TestBenchmarksRun(t *testing.T) {
	requireRoot(t)
	o := Options{Bytes: 8 << 20, Rounds: 1, Queries: 50}
	tr, err := BenchThroughput(context.Background(), o)
	if err != nil {
		t.Fatalf("BenchThroughput: %v", err)
	}
	if tr.WithRules <= 0 || tr.WithoutRules <= 0 {
		t.Fatalf("throughput: got %+v, want both rates above 0", tr)
	}
	t.Log(tr)
	dr, err := BenchDNS(context.Background(), o)
	if err != nil {
		t.Fatalf("BenchDNS: %v", err)
	}
	if dr.Direct.Median <= 0 || dr.Filtered.Median <= 0 {
		t.Fatalf("dns: got %+v, want both latencies above 0", dr)
	}
	t.Log(dr)
}

func BenchmarkThroughput(b *testing.B) {
	requireRoot(b)
	for b.Loop() {
		r, err := BenchThroughput(context.Background(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(r.WithoutRules/1e6, "MB/s-no-rules")
		b.ReportMetric(r.WithRules/1e6, "MB/s-rules")
		b.ReportMetric(r.Ratio(), "ratio")
	}
}

func BenchmarkDNS(b *testing.B) {
	requireRoot(b)
	for b.Loop() {
		r, err := BenchDNS(context.Background(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.Direct.Median.Microseconds()), "µs-direct")
		b.ReportMetric(float64(r.Filtered.Median.Microseconds()), "µs-filtered")
		b.ReportMetric(r.Ratio(), "ratio")
	}
}
