package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentrt/agentrt/integration/testenv"
)

// egressCheck is one thing the agent tries on the network, with the
// probe's verdict that the policy must give.
type egressCheck struct {
	name   string
	args   []string
	code   int
	stdout string
	// orStdout, when set, is another output as good as stdout.
	orStdout string
}

func probeArgs(args ...string) []string { return append([]string{"probe"}, args...) }

// The refusals the probe reports: TCP reset by the rules
// (ECONNREFUSED), other packets refused with ICMP administratively
// prohibited (the send fails with EPERM), a TCP port outside every entry
// refused by Landlock before any packet (EACCES).
func refusedTCP(addr string) string {
	return "blocked: dial tcp " + addr + ": connect: connection refused"
}
func landlockTCP(addr string) string {
	return "blocked: dial tcp " + addr + ": connect: permission denied"
}
func refusedUDP(from, to string) string {
	return "blocked: write udp " + from + "->" + to + ": write: operation not permitted"
}

// allowlistChecks are what the agent of egressAllow may and may not do.
// Every refused TCP attempt has a server behind it (preflight checked).
var allowlistChecks = []egressCheck{
	{name: "probe resolve api.egress.test", args: probeArgs("resolve", "api.egress.test"),
		stdout: "[2001:db8::2 198.51.100.2]\nallowed"},
	{name: "probe connect api.egress.test:80", args: probeArgs("connect", "api.egress.test:80"), stdout: "allowed"},
	{name: "probe connect 198.51.100.3:8080 (cidr entry)", args: probeArgs("connect", "198.51.100.3:8080"), stdout: "allowed"},
	{name: "wget http://198.51.100.3:8080/", args: shellArgs("wget -q -O - http://198.51.100.3:8080/"), stdout: httpBody},
	{name: "probe connect 198.51.100.2:8080 (port of another entry)", args: probeArgs("connect", "198.51.100.2:8080"),
		code: 1, stdout: refusedTCP("198.51.100.2:8080")},
	{name: "probe connect 198.51.100.2:81 (port of no entry, Landlock)", args: probeArgs("connect", "198.51.100.2:81"),
		code: 1, stdout: landlockTCP("198.51.100.2:81")},
	{name: "probe connect 198.51.100.3:80 (address not allowed)", args: probeArgs("connect", "198.51.100.3:80"),
		code: 1, stdout: refusedTCP("198.51.100.3:80")},
	{name: "probe connect 203.0.113.2:80 (outside every entry)", args: probeArgs("connect", "203.0.113.2:80"),
		code: 1, stdout: refusedTCP("203.0.113.2:80")},
	{name: "probe connect other.egress.test:80 (name not allowed)", args: probeArgs("connect", "other.egress.test:80"),
		code: 1, stdout: "blocked: dial tcp: lookup other.egress.test on 198.51.100.53:53: no such host"},
	{name: "probe connect [2001:db8::2]:80 (address of api.egress.test)",
		args: shellArgs("probe resolve api.egress.test >/dev/null && probe connect '[2001:db8::2]:80'"), stdout: "allowed"},
	{name: "probe connect [2001:db8::3]:8080 (cidr entry)", args: probeArgs("connect", "[2001:db8::3]:8080"), stdout: "allowed"},
	{name: "wget http://[2001:db8::3]:8080/", args: shellArgs("wget -q -O - 'http://[2001:db8::3]:8080/'"), stdout: httpBody},
	{name: "probe connect [2001:db8::2]:8080 (port of another entry)", args: probeArgs("connect", "[2001:db8::2]:8080"),
		code: 1, stdout: refusedTCP("[2001:db8::2]:8080")},
	{name: "probe connect [2001:db8::3]:80 (address not allowed)", args: probeArgs("connect", "[2001:db8::3]:80"),
		code: 1, stdout: refusedTCP("[2001:db8::3]:80")},
	{name: "probe udp api.egress.test:5000", args: probeArgs("udp", "api.egress.test:5000"), stdout: "allowed"},
	{name: "probe udp [2001:db8::2]:5000 (address of api.egress.test)",
		args: shellArgs("probe resolve api.egress.test >/dev/null && probe udp '[2001:db8::2]:5000'"), stdout: "allowed"},
	{name: "probe udp 198.51.100.2:5001 (port not allowed)",
		args:   shellArgs("probe udp 198.51.100.2:5001 | sed 's/:[0-9]*->/:PORT->/'"),
		stdout: refusedUDP("198.51.100.1:PORT", "198.51.100.2:5001")},
	{name: "probe udp [2001:db8::2]:5001 (port not allowed)",
		args:   shellArgs("probe udp '[2001:db8::2]:5001' | sed 's/:[0-9]*->/:PORT->/'"),
		stdout: refusedUDP("[2001:db8::1]:PORT", "[2001:db8::2]:5001")},
	{name: "probe resolve other.egress.test", args: probeArgs("resolve", "other.egress.test"),
		code: 1, stdout: "blocked: lookup other.egress.test on 198.51.100.53:53: no such host"},
	// The rogue server would answer api.egress.test with 198.51.100.3:
	// the filter answers instead, with the upstream's address.
	{name: "probe dns 198.51.100.54:53 api.egress.test (another server)",
		args: probeArgs("dns", "198.51.100.54:53", "api.egress.test"), stdout: "[198.51.100.2]\nallowed"},
	{name: "probe dns 198.51.100.54:53 other.egress.test (another server)",
		args: probeArgs("dns", "198.51.100.54:53", "other.egress.test"), code: 1, stdout: "blocked: answer RCodeNameError"},
	{name: "probe dns [2001:db8::53]:53 other.egress.test", args: probeArgs("dns", "[2001:db8::53]:53", "other.egress.test"),
		code: 1, stdout: "blocked: answer RCodeNameError"},
	// The Go resolver asks for A and AAAA at once and reports the
	// REFUSED A answer, or the AAAA answer without records, by which
	// comes first.
	{name: "probe resolve private.egress.test (answered 10.77.0.2)", args: probeArgs("resolve", "private.egress.test"),
		code: 1, stdout: "blocked: lookup private.egress.test on 198.51.100.53:53: server misbehaving",
		orStdout: "blocked: lookup private.egress.test on 198.51.100.53:53: no such host"},
	{name: "probe dns 198.51.100.53:53 private.egress.test (answered 10.77.0.2)",
		args: probeArgs("dns", "198.51.100.53:53", "private.egress.test"), code: 1, stdout: "blocked: answer RCodeRefused"},
	{name: "probe dns 198.51.100.53:53 meta.egress.test (answered 169.254.169.254)",
		args: probeArgs("dns", "198.51.100.53:53", "meta.egress.test"), code: 1, stdout: "blocked: answer RCodeRefused"},
	{name: "probe rawsock", args: probeArgs("rawsock"), code: 1, stdout: blockedEPERM},
	{name: "probe nft-flush", args: probeArgs("nft-flush"), code: 1, stdout: "blocked: socket: operation not permitted"},
}

// egressDenied are the destinations allowlistChecks has the rules refuse,
// each of which must have its denial counter.
var egressDenied = []string{"198.51.100.2", "198.51.100.3", "203.0.113.2", "2001:db8::2", "2001:db8::3"}

// TestEgressAllowlist is `agentrt create`, `start` and `exec` of an agent
// container joined by path to the test's netns, with an
// agentrt.io/egress allowlist of names and CIDRs: what the list names
// works, everything else is refused at once, DNS is the filter's, the
// agent can change none of it, denials are counted and logged, and
// `agentrt delete` leaves nothing behind.
func TestEgressAllowlist(t *testing.T) {
	n := newEgressNet(t)
	rt := testenv.Agentrt(t)
	cfg := newPolicyConfig(t, rt, egressCeiling)
	x := startEgressBox(t, rt, cfg, n, egressAllow)
	t.Run("agentrt state ID: egress report", func(t *testing.T) {
		assertEgressReport(t, rt, x.b.ID, map[string]string{
			"mode": "allowlist", "table": "inet agentrt", "dns": "filter"})
	})
	t.Run("the dns filter serves the netns", func(t *testing.T) {
		if ps := n.filterProcesses(t); len(ps) != 1 {
			t.Errorf("dns filter processes of the netns: got %q, want one", ps)
		}
		if _, err := os.Stat(n.runDirEntry(t)); err != nil {
			t.Errorf("egress run dir entry of the netns: %v", err)
		}
	})
	for _, c := range allowlistChecks {
		t.Run("agentrt exec ID "+c.name, func(t *testing.T) {
			x.assertCheck(t, c)
		})
	}
	t.Run("no question reached the rogue dns server", func(t *testing.T) {
		if got := n.rogue.Queries.Load(); got != 0 {
			t.Errorf("questions at %s: got %d, want 0 (the filter answers them)", egRogue4, got)
		}
	})
	t.Run("a denied name is never forwarded", func(t *testing.T) {
		before := n.upstream.Queries.Load()
		x.assertExec(t, 1, "blocked: answer RCodeNameError", probeArgs("dns", "198.51.100.53:53", "other.egress.test")...)
		if got := n.upstream.Queries.Load() - before; got != 0 {
			t.Errorf("upstream questions for other.egress.test: got %d, want 0", got)
		}
	})
	t.Run("the rules are intact after probe nft-flush", func(t *testing.T) {
		if out := n.nft(t, "list", "chain", "inet", "agentrt", "output"); !strings.Contains(out, "policy drop") {
			t.Errorf("chain output after nft-flush: got\n%s\nwant it with policy drop", out)
		}
		x.assertExec(t, 1, refusedTCP("198.51.100.3:80"), probeArgs("connect", "198.51.100.3:80")...)
	})
	t.Run("denials counted per destination", func(t *testing.T) { assertDenials(t, n, x) })
	t.Run("audit log", func(t *testing.T) { assertDNSAudit(t, cfg, x.b.ID) })
	t.Run("audit log is rate-limited", func(t *testing.T) { assertAuditRateLimited(t, cfg, x) })
	t.Run("agentrt delete ID", func(t *testing.T) { x.delete(t, n) })
}

// assertDenials checks that nft counts a denial for every destination the
// checks had refused, and that `agentrt events --stats ID` shows the same
// counts.
func assertDenials(t *testing.T, n *egressNet, x *egressBox) {
	counts := n.deniedCounts(t)
	for _, a := range egressDenied {
		if counts[a] == 0 {
			t.Errorf("nft denied_v4/denied_v6 counter of %s: got 0, want > 0 (all: %v)", a, counts)
		}
	}
	if counts["198.51.100.53"]+counts["198.51.100.54"]+counts["2001:db8::53"] != 0 {
		t.Errorf("nft counted denials of dns servers: got %v, want none (questions go to the filter)", counts)
	}
	res := x.cfg.mustRun(t, x.rt, "events", "--stats", x.b.ID)
	var ev struct {
		Type          string            `json:"type"`
		ID            string            `json:"id"`
		Data          json.RawMessage   `json:"data"`
		EgressDenials map[string]uint64 `json:"egressDenials"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &ev); err != nil {
		t.Fatalf("decode events --stats: %v\n%s", err, res)
	}
	if ev.Type != "stats" || ev.ID != x.b.ID || len(ev.Data) == 0 {
		t.Errorf("events --stats: got type %q id %q data %s, want a stats event of %q", ev.Type, ev.ID, ev.Data, x.b.ID)
	}
	for _, a := range egressDenied {
		if ev.EgressDenials[a] < counts[a] {
			t.Errorf("events --stats egressDenials[%s]: got %d, want at least nft's %d (all: %v)", a, ev.EgressDenials[a], counts[a], ev.EgressDenials)
		}
	}
}

// assertDNSAudit checks the audit log's denied records of the DNS filter:
// a name outside the allowlist, and answers in blocked ranges.
func assertDNSAudit(t *testing.T, cfg policyConfig, id string) {
	var reasons []string
	for _, rec := range cfg.records(t, id) {
		if rec.Event == "denied" {
			reasons = append(reasons, rec.Reason)
		}
	}
	for _, name := range []string{`"other.egress.test"`, `"private.egress.test"`, `"meta.egress.test"`} {
		if !slices.ContainsFunc(reasons, func(r string) bool { return strings.Contains(r, name) }) {
			t.Errorf("audit log denied records: got %q, want one about %s", reasons, name)
		}
	}
}

// assertAuditRateLimited asks for denied names in a loop and checks that
// the audit log got fewer records than questions, and that the next
// record after a pause counts what was left out.
func assertAuditRateLimited(t *testing.T, cfg policyConfig, x *egressBox) {
	const asked = 100
	loop := fmt.Sprintf("for i in $(seq %d); do probe dns 198.51.100.53:53 flood$i.egress.test >/dev/null; done; true", asked)
	if res, _ := x.exec(t, shellArgs(loop)...); res.ExitCode != 0 {
		t.Fatalf("ask %d denied names: %s", asked, res)
	}
	time.Sleep(1500 * time.Millisecond) // the bucket refills at 5 records a second
	x.assertExec(t, 1, "blocked: answer RCodeNameError", probeArgs("dns", "198.51.100.53:53", "after.egress.test")...)
	flood, after := 0, ""
	for _, rec := range cfg.records(t, x.b.ID) {
		switch {
		case strings.Contains(rec.Reason, `"flood`):
			flood++
		case strings.Contains(rec.Reason, `"after.egress.test"`):
			after = rec.Reason
		}
	}
	if flood == 0 || flood >= asked {
		t.Errorf("audit records of %d denied questions: got %d, want some, and fewer than the questions", asked, flood)
	}
	if !strings.Contains(after, "earlier records suppressed") {
		t.Errorf("audit record after the flood: got %q, want it to count the suppressed records", after)
	}
}

// assertEgressReport checks the egress part of the container's
// enforcement report in `agentrt state`.
func assertEgressReport(t *testing.T, rt *testenv.Runtime, id string, want map[string]string) {
	res := rt.MustRun(t, "state", id)
	var st struct {
		Annotations map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal([]byte(res.Stdout), &st); err != nil {
		t.Fatalf("decode state: %v\n%s", err, res)
	}
	var rep struct {
		Layers map[string]string `json:"layers"`
		Egress map[string]string `json:"egress"`
	}
	if err := json.Unmarshal([]byte(st.Annotations[testenv.ReportAnnotation]), &rep); err != nil {
		t.Fatalf("decode report: %v\n%s", err, res)
	}
	for k, v := range want {
		if rep.Egress[k] != v {
			t.Errorf("report egress[%q]: got %q, want %q (report egress %v)", k, rep.Egress[k], v, rep.Egress)
		}
	}
	for _, l := range []string{"egress", "dns"} {
		if !strings.HasPrefix(rep.Layers[l], "enforced") {
			t.Errorf("report layer %s: got %q, want enforced", l, rep.Layers[l])
		}
	}
}

// TestEgressNone is the default policy in the test's netns: no
// destination, no DNS, loopback only.
func TestEgressNone(t *testing.T) {
	n := newEgressNet(t)
	rt := testenv.Agentrt(t)
	cfg := newPolicyConfig(t, rt)
	x := startEgressBox(t, rt, cfg, n, "")
	t.Run("agentrt state ID: egress report", func(t *testing.T) {
		assertEgressReport(t, rt, x.b.ID, map[string]string{"mode": "none", "table": "inet agentrt"})
	})
	checks := []egressCheck{
		{name: "probe connect 198.51.100.2:80", args: probeArgs("connect", "198.51.100.2:80"),
			code: 1, stdout: refusedTCP("198.51.100.2:80")},
		{name: "probe connect [2001:db8::2]:80", args: probeArgs("connect", "[2001:db8::2]:80"),
			code: 1, stdout: refusedTCP("[2001:db8::2]:80")},
		{name: "probe udp 198.51.100.2:5000", args: shellArgs("probe udp 198.51.100.2:5000 | sed 's/:[0-9]*->/:PORT->/'"),
			stdout: refusedUDP("198.51.100.1:PORT", "198.51.100.2:5000")},
		{name: "probe dns 198.51.100.53:53 api.egress.test", args: shellArgs("probe dns 198.51.100.53:53 api.egress.test | sed 's/:[0-9]*->/:PORT->/'"),
			stdout: refusedUDP("198.51.100.1:PORT", "198.51.100.53:53")},
		{name: "probe dns 198.51.100.54:53 api.egress.test", args: shellArgs("probe dns 198.51.100.54:53 api.egress.test | sed 's/:[0-9]*->/:PORT->/'"),
			stdout: refusedUDP("198.51.100.1:PORT", "198.51.100.54:53")},
		{name: "probe connect 198.51.100.53:53 (dns over tcp)", args: probeArgs("connect", "198.51.100.53:53"),
			code: 1, stdout: refusedTCP("198.51.100.53:53")},
		{name: "probe connect 127.0.0.1:9000 (loopback)",
			args:   shellArgs("nc -l -p 9000 </dev/null >/dev/null & sleep 0.2; probe connect 127.0.0.1:9000"),
			stdout: "allowed"},
		{name: "probe rawsock", args: probeArgs("rawsock"), code: 1, stdout: blockedEPERM},
	}
	for _, c := range checks {
		t.Run("agentrt exec ID "+c.name, func(t *testing.T) {
			x.assertCheck(t, c)
		})
	}
	t.Run("no question reached a dns server", func(t *testing.T) {
		if got := n.upstream.Queries.Load() + n.rogue.Queries.Load(); got != 0 {
			t.Errorf("dns questions: got %d, want 0", got)
		}
	})
	t.Run("agentrt delete ID", func(t *testing.T) { x.delete(t, n) })
}

// TestEgressRun is `agentrt run` of one agent process in the test's
// netns: the allowlist is in force from the process's first instruction,
// and the run leaves nothing behind in the netns, which outlives it.
func TestEgressRun(t *testing.T) {
	n := newEgressNet(t)
	rt := testenv.Agentrt(t)
	cfg := newPolicyConfig(t, rt, egressCeiling)
	script := "probe connect api.egress.test:80; probe connect 198.51.100.3:80; probe connect '[2001:db8::3]:8080'"
	b := egressBundle(t, n, egressAllow, shellArgs(script)...)
	res := cfg.run(t, rt, "run", "--bundle", b.Dir, b.ID)
	assertRun(t, res, 0, "allowed\n"+refusedTCP("198.51.100.3:80")+"\nallowed")
	n.assertNothingLeft(t, rt, b.ID)
	// Without agentrt's rules, the netns lets everything through again.
	assertDialFromClient(t, n, "198.51.100.3:80")
}

// TestEgressCapabilitiesAlone runs the agent with seccomp unconfined, as
// an admin may set: without the seccomp layer, the dropped capabilities
// alone keep the agent from raw sockets and from the rules (the kernel
// answers the nftables request itself, with EPERM).
func TestEgressCapabilitiesAlone(t *testing.T) {
	n := newEgressNet(t)
	rt := testenv.Agentrt(t)
	cfg := newPolicyConfig(t, rt, egressCeiling, configEdit{"seccomp = 'agent'", "seccomp = 'unconfined'"})
	x := startEgressBox(t, rt, cfg, n, egressAllow)
	t.Run("probe nft-flush in the server netns as root (control)", func(t *testing.T) {
		probeAsRoot(t, n, "allowed")
	})
	checks := []egressCheck{
		{name: "probe nft-flush", args: probeArgs("nft-flush"), code: 1,
			stdout: "blocked: netlink receive: operation not permitted"},
		{name: "probe rawsock", args: probeArgs("rawsock"), code: 1, stdout: blockedEPERM},
		{name: "probe connect 198.51.100.3:80", args: probeArgs("connect", "198.51.100.3:80"),
			code: 1, stdout: refusedTCP("198.51.100.3:80")},
	}
	for _, c := range checks {
		t.Run("agentrt exec ID "+c.name, func(t *testing.T) {
			x.assertCheck(t, c)
		})
	}
	t.Run("nft list table inet agentrt", func(t *testing.T) {
		if out := n.nft(t, "list", "table", "inet", "agentrt"); !strings.Contains(out, "chain output") {
			t.Errorf("table after nft-flush: got\n%s\nwant its chains", out)
		}
	})
	t.Run("agentrt delete ID", func(t *testing.T) { x.delete(t, n) })
}

// probeAsRoot adds a table inet agentrt to the server netns and has the
// probe delete it as root there, which shows that nft-flush does what
// the agent is denied.
func probeAsRoot(t *testing.T, n *egressNet, want string) {
	testenv.RequireCommand(t, "nft")
	if out, err := exec.Command("ip", "netns", "exec", n.Server, "nft", "add", "table", "inet", "agentrt").CombinedOutput(); err != nil {
		t.Fatalf("add a table to the server netns: %v: %s", err, out)
	}
	out, err := exec.Command("ip", "netns", "exec", n.Server, testenv.ProbeBinary(t), "nft-flush").CombinedOutput()
	if got := strings.TrimSpace(string(out)); err != nil || got != want {
		t.Fatalf("probe nft-flush as root: got %q (%v), want %q", got, err, want)
	}
	tables, _ := exec.Command("ip", "netns", "exec", n.Server, "nft", "list", "tables").CombinedOutput()
	if strings.Contains(string(tables), "agentrt") {
		t.Errorf("tables after probe nft-flush as root: got %q, want none", tables)
	}
}

// TestEgressTTLExpiry checks, in a container, that an address answered by
// the DNS filter stays allowed for the filter's floor of 30 s
// (dnsfilter.DefaultMinTTL) although its record's TTL is 1 s, and is
// refused after it. agentrt has no setting to lower the floor, so the
// test waits it out; runtime/egress tests the floor lowered.
func TestEgressTTLExpiry(t *testing.T) {
	t.Parallel()
	const floor = 30 * time.Second
	n := newEgressNet(t)
	rt := testenv.Agentrt(t)
	cfg := newPolicyConfig(t, rt, egressCeiling)
	x := startEgressBox(t, rt, cfg, n, egressAllow)
	x.assertExec(t, 1, refusedTCP("198.51.100.2:83"), probeArgs("connect", "198.51.100.2:83")...)
	x.assertExec(t, 0, "[198.51.100.2]\nallowed", probeArgs("resolve", "short.egress.test")...)
	answered := time.Now()
	time.Sleep(floor - 5*time.Second)
	x.assertExec(t, 0, "allowed", probeArgs("connect", "198.51.100.2:83")...)
	time.Sleep(time.Until(answered.Add(floor + 2*time.Second)))
	x.assertExec(t, 1, refusedTCP("198.51.100.2:83"), probeArgs("connect", "198.51.100.2:83")...)
	x.delete(t, n)
}

// assertDialFromClient connects from the client netns, which must work.
func assertDialFromClient(t *testing.T, n *egressNet, addr string) {
	t.Helper()
	c, err := n.DialClient(t.Context(), "tcp", addr)
	if err != nil {
		t.Fatalf("connect to %s from the client netns after the container: %v", addr, err)
	}
	c.Close()
}

// TestEgressPodmanBridge is `podman run --network BRIDGE` with agentrt as
// the runtime, on a podman bridge network (netavark) whose host side is a
// netns of the test's (see podmanHost): the destination the annotation
// allows, served from the host side on the bridge's gateway address,
// works; every other address, port and protocol is refused. A second run
// allowing the whole subnets shows that everything refused is there to
// be reached.
func TestEgressPodmanBridge(t *testing.T) {
	testenv.RequireRoot(t)
	rt := testenv.Agentrt(t)
	cfg := newPolicyConfig(t, rt, egressCeiling)
	h := newPodmanHost(t)
	t.Cleanup(removeNewLibpodCgroups(t, existingLibpodCgroups()))
	t.Cleanup(removeIfNew(t, agentrtDefaultRoot))
	p := newPodman(t, rt, cfg)
	p.bin = h.wrapper
	plain, _ := agentImages(t, p)
	network := "agentrt-test-" + randomHex(t, 4)
	if res := p.run(t, "network", "create", "--subnet", podmanSubnet4, "--subnet", podmanSubnet6, "--disable-dns", network); res.ExitCode != 0 {
		t.Fatalf("create the bridge network: %s", res)
	}
	t.Cleanup(func() { p.run(t, "network", "rm", "--force", network) })
	script := strings.Join([]string{
		"readlink /proc/self/ns/net",
		"probe connect 198.51.100.1:8080", "probe connect 198.51.100.1:8081", "probe connect 203.0.113.200:8080",
		"probe connect '[2001:db8:1::1]:8081'", "probe connect '[2001:db8:1::1]:8080'",
		"probe udp 198.51.100.1:5000 | sed -E 's/udp [^ ]+->/udp SRC->/'", "true",
	}, "; ")
	tests := []struct {
		name, allow string
		want        []string
	}{
		{"podman run --network BRIDGE --annotation agentrt.io/egress=198.51.100.1:8080/tcp,[2001:db8:1::1]:8081/tcp IMAGE",
			"198.51.100.1:8080/tcp,[2001:db8:1::1]:8081/tcp", []string{
				"allowed", refusedTCP("198.51.100.1:8081"), refusedTCP("203.0.113.200:8080"),
				"allowed", refusedTCP("[2001:db8:1::1]:8080"), refusedUDP("SRC", "198.51.100.1:5000")}},
		{"podman run --network BRIDGE --annotation agentrt.io/egress=198.51.100.0/24,203.0.113.0/24,[2001:db8:1::/64] IMAGE (control)",
			"198.51.100.0/24,203.0.113.0/24,[2001:db8:1::/64]", []string{"allowed", "allowed", "allowed", "allowed", "allowed", "allowed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, cid := p.runBridge(t, network, tc.allow, plain, shellArgs(script)...)
			lines := strings.Split(strings.TrimSpace(res.Stdout), "\n")
			if res.ExitCode != 0 || len(lines) != len(tc.want)+1 || !slices.Equal(lines[1:], tc.want) {
				t.Fatalf("got %s\nwant exit 0 and, after the netns, %q", res, tc.want)
			}
			testenv.AssertNoLeaks(t, agentrtDefaultRoot, cid)
			assertNetnsReleased(t, lines[0])
		})
	}
}
