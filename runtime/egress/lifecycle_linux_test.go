package egress

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/agentrt/agentrt/policy"
	"github.com/agentrt/agentrt/runtime/egress/egresstest"
)

// assertNothingLeft checks that no rule, set, process or file of agentrt
// remains for the env's container.
func (e *env) assertNothingLeft(filterPID int) {
	e.t.Helper()
	if out := e.nft("list", "tables"); strings.Contains(out, TableName) {
		e.t.Errorf("tables after Teardown: got %q, want no %q", out, TableName)
	}
	if filterPID != 0 {
		if running(filterPID) {
			e.t.Errorf("dns filter %d after Teardown: still there, want it gone", filterPID)
		}
	}
	for _, dir := range []string{e.opts.RunDir, e.opts.StateDir} {
		var left []string
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && p != dir {
				left = append(left, p)
			}
			return nil
		})
		if len(left) > 0 {
			e.t.Errorf("files after Teardown: got %v, want none under %q", left, dir)
		}
	}
}

// running reports whether pid is a process that has not exited (a zombie
// has).
func running(pid int) bool {
	_, state, err := procStat(pid)
	return err == nil && state != "Z"
}

func TestTeardownRemovesEverything(t *testing.T) {
	e := newEnv(t, "api.test:80/tcp")
	st := e.setup()
	e.lookup(dns4, "api.test", dnsmessage.TypeA)
	if err := Teardown(e.opts.StateDir); err != nil {
		t.Fatalf("Teardown: %v", err)
	}
	e.assertNothingLeft(st.FilterPID)
	if err := Verify(e.opts.NetnsPath, e.opts.Network); !errors.Is(err, ErrNotEnforced) {
		t.Errorf("Verify after Teardown: got %v, want ErrNotEnforced", err)
	}
	e.assertTCPWorks(addr(srv4, 81)) // no rules: everything passes again
	if err := Teardown(e.opts.StateDir); err != nil {
		t.Errorf("second Teardown: got %v, want nil", err)
	}
}

func TestModes(t *testing.T) {
	tests := []struct {
		name       string
		egress     policy.EgressMode
		allow      []string
		applicable bool
		wantMode   policy.EgressMode
	}{
		{name: "none", egress: policy.EgressNone, applicable: true, wantMode: policy.EgressNone},
		{name: "empty allowlist is none", egress: policy.EgressAllowlist, applicable: true, wantMode: policy.EgressNone},
		{name: "none ignores the allowlist", egress: policy.EgressNone, allow: []string{"192.0.2.2:80"}, applicable: true, wantMode: policy.EgressNone},
		{name: "open", egress: policy.EgressOpen, allow: []string{"192.0.2.3:80"}, wantMode: policy.EgressOpen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.opts.Network = policy.Network{Egress: tt.egress, Allow: destinations(t, tt.allow...)}
			st := e.setup()
			if st.Applicable != tt.applicable || st.Mode != tt.wantMode || st.FilterPID != 0 {
				t.Fatalf("Status: got %+v, want applicable %v, mode %q, no filter", st, tt.applicable, tt.wantMode)
			}
			if err := Verify(e.opts.NetnsPath, e.opts.Network); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !tt.applicable {
				if out := e.nft("list", "tables"); strings.Contains(out, TableName) {
					t.Fatalf("egress open: got tables %q, want none of agentrt", out)
				}
				e.assertTCPWorks(addr(srv4, 80))
				return
			}
			e.assertTCPRefused(addr(srv4, 80))
			e.assertTCPRefused(addr(srv6, 80))
			e.assertUDPRefused(addr(dns4, 53))
			e.assertLoopbackWorks()
		})
	}
}

// assertLoopbackWorks connects to a server on the client netns's own
// loopback.
func (e *env) assertLoopbackWorks() {
	e.t.Helper()
	for _, a := range []string{"127.0.0.1:7000", "[::1]:7000"} {
		l, err := e.net.Listen(e.net.ClientPath, "tcp", a)
		must(e.t, err)
		go func() {
			c, err := l.Accept()
			if err == nil {
				defer c.Close()
				buf := make([]byte, 4)
				c.Read(buf)
				c.Write(buf)
			}
		}()
		e.assertTCPWorks(a)
	}
}

func TestBlockedRanges(t *testing.T) {
	tests := []struct {
		name    string
		allow   []string
		works   []string
		refused []string
	}{{
		name:    "wide cidrs do not open blocked ranges",
		allow:   []string{"0.0.0.0/0:80", "[::/0]:80"},
		works:   []string{addr(srv4, 80), addr(srv6, 80)},
		refused: []string{addr(egresstest.PrivateV4, 80), addr(egresstest.MetadataV4, 80), addr(egresstest.ULAV6, 80)},
	}, {
		name:    "a cidr inside a blocked range opens exactly it",
		allow:   []string{"10.77.0.0/24:80", "169.254.169.254:80", "[fd00:77::/64]:80"},
		works:   []string{addr(egresstest.PrivateV4, 80), addr(egresstest.MetadataV4, 80), addr(egresstest.ULAV6, 80)},
		refused: []string{addr(srv4, 80), addr(egresstest.PrivateV4, 81)},
	}, {
		name:    "link-local does not open metadata",
		allow:   []string{"169.254.0.0/16:80"},
		refused: []string{addr(egresstest.MetadataV4, 80)},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.allow...)
			e.setup()
			for _, a := range tt.works {
				e.assertTCPWorks(a)
			}
			for _, a := range tt.refused {
				e.assertTCPRefused(a)
			}
		})
	}
}

func TestStaticDNS(t *testing.T) {
	e := newEnv(t, "api.test:80/tcp", "evil.test:80/tcp")
	e.opts.Network.DNS = policy.DNSStatic
	st := e.setup()
	if st.DNS != policy.DNSStatic || st.FilterPID != 0 {
		t.Fatalf("Status: got %+v, want static dns and no filter process", st)
	}
	if len(st.Warnings) == 0 || !strings.Contains(strings.Join(st.Warnings, " "), "evil.test") {
		t.Errorf("warnings: got %q, want one about evil.test", st.Warnings)
	}
	if err := Verify(e.opts.NetnsPath, e.opts.Network); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	for set, want := range map[string]string{"host0_v4": srv4.String(), "host0_v6": srv6.String()} {
		if got := e.setElements(set); len(got) != 1 || got[0] != want {
			t.Errorf("set %s: got %v, want [%s]", set, got, want)
		}
	}
	if got := e.setElements("host1_v4"); len(got) != 0 {
		t.Errorf("set of evil.test: got %v, want empty (blocked addresses)", got)
	}
	e.assertTCPWorks(addr(srv4, 80))
	e.assertTCPWorks(addr(srv6, 80))
	e.assertTCPRefused(addr(srv4, 81))
	// The container asks the upstream itself, and nobody else.
	if r := e.lookup(dns4, "api.test", dnsmessage.TypeA); len(r.Addrs) != 1 {
		t.Errorf("container's own question to the upstream: got %v, want one address", addrsOf(r))
	}
	e.assertUDPRefused(addr(egresstest.RogueDNSV4, 53))
}

func TestStaticDNSRefusesWildcards(t *testing.T) {
	e := newEnv(t, "*.wild.test:80")
	e.opts.Network.DNS = policy.DNSStatic
	if _, err := Setup(context.Background(), e.opts); !errors.Is(err, ErrWildcardStatic) {
		t.Fatalf("Setup: got %v, want ErrWildcardStatic", err)
	}
	e.assertNothingLeft(0)
}

// TestLoopbackUpstream uses a resolver on the container's own loopback,
// as Docker's 127.0.0.11: the filter's marked questions reach it, the
// container's do not.
func TestLoopbackUpstream(t *testing.T) {
	e := newEnv(t, "api.test:80/tcp")
	local, err := e.net.ServeDNS(e.net.ClientPath, netip.MustParseAddr("127.0.0.11"), testZone)
	must(t, err)
	e.opts.Upstreams = []string{"127.0.0.11"}
	st := e.setup()
	if len(st.Upstreams) != 1 || st.Upstreams[0] != "127.0.0.11:53" {
		t.Fatalf("upstreams: got %v, want [127.0.0.11:53]", st.Upstreams)
	}
	if got := addrsOf(e.lookup(dns4, "api.test", dnsmessage.TypeA)); len(got) != 1 || got[0] != srv4.String() {
		t.Fatalf("A api.test: got %v, want [%s]", got, srv4)
	}
	e.assertTCPWorks(addr(srv4, 80))
	n := local.Queries.Load()
	if n == 0 {
		t.Fatalf("questions at 127.0.0.11: got 0, want the filter's")
	}
	if r := e.lookup(netip.MustParseAddr("127.0.0.11"), "other.test", dnsmessage.TypeA); r.RCode != dnsmessage.RCodeNameError {
		t.Fatalf("A other.test at 127.0.0.11: got %v, want NXDOMAIN from the filter", r.RCode)
	}
	if got := local.Queries.Load(); got != n {
		t.Fatalf("questions at 127.0.0.11 after a denied one: got %d, want %d", got, n)
	}
}

func TestSharedNetns(t *testing.T) {
	e := newEnv(t, "api.test:80/tcp")
	first := e.setup()
	second := e.opts
	second.ContainerID, second.StateDir, second.InitPID = "c2", mkdir(t, t.TempDir(), "state2"), e.startInit().Process.Pid
	st2, err := Setup(context.Background(), second)
	if err != nil {
		t.Fatalf("Setup of the second container: %v", err)
	}
	if !st2.Shared || st2.FilterPID != first.FilterPID || len(st2.Warnings) != 0 {
		t.Fatalf("second Status: got %+v, want shared with filter %d, no warnings", st2, first.FilterPID)
	}

	other := second
	other.ContainerID, other.StateDir = "c3", mkdir(t, t.TempDir(), "state3")
	other.Network = policy.Network{Egress: policy.EgressNone}
	var se *SharedNetnsError
	if _, err := Setup(context.Background(), other); !errors.As(err, &se) {
		t.Fatalf("Setup with another policy: got %v, want *SharedNetnsError", err)
	}

	e.nft("delete", "table", "inet", TableName)
	third := second
	third.ContainerID, third.StateDir = "c4", mkdir(t, t.TempDir(), "state4")
	st3, err := Setup(context.Background(), third)
	if err != nil {
		t.Fatalf("Setup after the rules vanished: %v", err)
	}
	if len(st3.Warnings) == 0 || st3.FilterPID == first.FilterPID {
		t.Fatalf("Status after repair: got %+v, want a warning and a new filter", st3)
	}
	if err := Verify(e.opts.NetnsPath, e.opts.Network); err != nil {
		t.Fatalf("Verify after repair: %v", err)
	}

	for _, dir := range []string{e.opts.StateDir, second.StateDir} {
		if err := Teardown(dir); err != nil {
			t.Fatal(err)
		}
		if err := Verify(e.opts.NetnsPath, e.opts.Network); err != nil {
			t.Fatalf("Verify with a user left: %v", err)
		}
	}
	if err := Teardown(third.StateDir); err != nil {
		t.Fatal(err)
	}
	if out := e.nft("list", "tables"); strings.Contains(out, TableName) {
		t.Fatalf("tables after the last Teardown: got %q, want none of agentrt", out)
	}
	e.assertNothingLeft(st3.FilterPID)
}

func TestFilterEndsWithInit(t *testing.T) {
	e := newEnv(t, "api.test:80/tcp")
	st := e.setup()
	e.init.Process.Kill()
	e.init.Wait()
	deadline := time.Now().Add(3 * time.Second)
	defer reap(st.FilterPID)
	for running(st.FilterPID) {
		if time.Now().After(deadline) {
			t.Fatalf("dns filter %d: still running 3 s after init ended", st.FilterPID)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestFailedSetupLeavesNothing(t *testing.T) {
	e := newEnv(t, "api.test:80/tcp")
	e.opts.Executable = "/bin/false"
	_, err := Setup(context.Background(), e.opts)
	if err == nil || !strings.Contains(err.Error(), "dns filter did not start") {
		t.Fatalf("Setup with a broken filter binary: got %v, want the filter's failure", err)
	}
	e.assertNothingLeft(0)
}

// TestConcurrentSetup races two containers joining one netns: one
// programs it, the other joins, and both end in one consistent ruleset.
func TestConcurrentSetup(t *testing.T) {
	e := newEnv(t, "api.test:80/tcp")
	opts := []Options{e.opts, e.opts}
	opts[1].ContainerID, opts[1].StateDir, opts[1].InitPID = "c2", mkdir(t, t.TempDir(), "state2"), e.startInit().Process.Pid
	type result struct {
		st  *Status
		err error
	}
	results := make(chan result, 2)
	for _, o := range opts {
		go func() {
			st, err := Setup(context.Background(), o)
			results <- result{st, err}
		}()
	}
	var shared int
	pids := map[int]bool{}
	for range opts {
		r := <-results
		if r.err != nil {
			t.Fatalf("Setup: %v", r.err)
		}
		if r.st.Shared {
			shared++
		}
		pids[r.st.FilterPID] = true
	}
	if shared != 1 || len(pids) != 1 {
		t.Fatalf("got %d shared and filters %v, want one shared and one filter", shared, pids)
	}
	if err := Verify(e.opts.NetnsPath, e.opts.Network); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	for _, o := range opts {
		if err := Teardown(o.StateDir); err != nil {
			t.Fatal(err)
		}
	}
	for pid := range pids {
		e.assertNothingLeft(pid)
	}
}

func TestSetupRefusesTheHostNetns(t *testing.T) {
	requireNetAdmin(t)
	dir := t.TempDir()
	o := Options{ContainerID: "c1", NetnsPath: "/proc/thread-self/ns/net", StateDir: dir, RunDir: filepath.Join(dir, "run"),
		Network: policy.Network{Egress: policy.EgressNone}}
	if _, err := Setup(context.Background(), o); !errors.Is(err, ErrHostNetns) {
		t.Fatalf("Setup on the host netns: got %v, want ErrHostNetns", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "run")); err == nil {
		t.Error("run dir: got created, want nothing")
	}
}
