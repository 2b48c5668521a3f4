package main

import (
	"context"
	"fmt"

	"github.com/agentrt/agentrt/runtime/egress/egressbench"
)

// The egress cases measure agentrt's egress firewall against no firewall
// on a private network of two namespaces (package egressbench, which
// needs root and removes what it builds). The runner prints its two
// columns as "agentrt" and "runc"; here both are agentrt's egress layer:
// the first column with the nftables rules and the DNS filter, the second
// without, measured in the same round, on the same network.
const (
	egressTCPCaseName = "egress tcp throughput, rules (agentrt column) vs no rules (runc column)"
	egressDNSCaseName = "egress dns latency, through the filter (agentrt column) vs direct (runc column)"
)

// Targets of the egress cases: the rules cost at most 5 % of TCP
// throughput, and the filter adds at most 0.3 ms to a DNS question at the
// median.
const (
	egressMinThroughputRatio = 0.95
	egressMaxDNSOverheadUS   = 300
)

// egressOptions size one round: big enough that a round's throughput is
// not mostly connection setup, small enough for ten rounds in seconds.
var egressOptions = egressbench.Options{Bytes: 128 << 20, Rounds: 2, Queries: 300}

func init() {
	cases = append(cases,
		benchCase{name: egressTCPCaseName, unit: "MB/s", runs: 10, prepare: prepareEgressThroughput, verdict: throughputVerdict},
		benchCase{name: egressDNSCaseName, unit: "µs", runs: 10, prepare: prepareEgressDNS, verdict: dnsVerdict},
	)
}

// prepareEgressThroughput gives, per round, the TCP throughput to an
// allowed destination (resolved through the DNS filter) with agentrt's
// rules and without them. The filter is the agentrt binary under test.
func prepareEgressThroughput(e *env, _ string) (trial, error) {
	o := egressOptions
	o.Executable = e.agentrt.bin
	return pairedTrial(e, func() (float64, float64, error) {
		r, err := egressbench.BenchThroughput(context.Background(), o)
		if err != nil {
			return 0, 0, err
		}
		return r.WithRules / 1e6, r.WithoutRules / 1e6, nil
	}), nil
}

// prepareEgressDNS gives, per round, the median latency of a DNS question
// redirected through the filter and of the same question asked directly.
func prepareEgressDNS(e *env, _ string) (trial, error) {
	o := egressOptions
	o.Executable = e.agentrt.bin
	return pairedTrial(e, func() (float64, float64, error) {
		r, err := egressbench.BenchDNS(context.Background(), o)
		if err != nil {
			return 0, 0, err
		}
		return float64(r.Filtered.Median.Nanoseconds()) / 1e3, float64(r.Direct.Median.Nanoseconds()) / 1e3, nil
	}), nil
}

// pairedTrial runs measure once per round and hands its first value to
// the agentrt column and its second to the runc column, whichever of the
// two the runner asks first.
func pairedTrial(e *env, measure func() (on, off float64, err error)) trial {
	round := -1
	var on, off float64
	return func(rt *runtimeUnderTest, i int) (float64, error) {
		if i != round {
			var err error
			if on, off, err = measure(); err != nil {
				return 0, err
			}
			round = i
		}
		if rt == e.agentrt {
			return on, nil
		}
		return off, nil
	}
}

func throughputVerdict(rules, none summary) string {
	ratio := rules.median / none.median
	return fmt.Sprintf("target: throughput with rules >= %.2f x without; median ratio %.3f: %s",
		egressMinThroughputRatio, ratio, met(ratio >= egressMinThroughputRatio))
}

func dnsVerdict(filtered, direct summary) string {
	more := filtered.median - direct.median
	return fmt.Sprintf("target: the filter adds <= %d µs at the median; it adds %.1f µs: %s",
		egressMaxDNSOverheadUS, more, met(more <= egressMaxDNSOverheadUS))
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}
