package integration

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/integration/testenv"
	"github.com/agentrt/agentrt/runtime/egress/egresstest"
)

// Addresses of the egress tests' network, only ever configured inside the
// two namespaces each test creates: the documentation ranges, and none of
// the blocked ranges (those only appear in DNS answers, never as a
// destination the probe connects to).
var (
	egClient4  = netip.MustParseAddr("198.51.100.1")
	egServer4  = netip.MustParseAddr("198.51.100.2")
	egOther4   = netip.MustParseAddr("198.51.100.3")
	egDNS4     = netip.MustParseAddr("198.51.100.53")
	egRogue4   = netip.MustParseAddr("198.51.100.54")
	egOutside4 = netip.MustParseAddr("203.0.113.2")
	egClient6  = netip.MustParseAddr("2001:db8::1")
	egServer6  = netip.MustParseAddr("2001:db8::2")
	egOther6   = netip.MustParseAddr("2001:db8::3")
	egDNS6     = netip.MustParseAddr("2001:db8::53")
)

// egressZone is what the upstream DNS server of the container's
// resolv.conf answers; egRogueZone is another server the container must
// not be able to ask. It answers api.egress.test with another address,
// so that an answer shows who gave it.
var (
	egressZone = egresstest.Zone{
		"api.egress.test":     {{Addr: egServer4, TTL: 300}, {Addr: egServer6, TTL: 300}},
		"other.egress.test":   {{Addr: egOther4, TTL: 300}},
		"short.egress.test":   {{Addr: egServer4, TTL: 1}},
		"private.egress.test": {{Addr: netip.MustParseAddr("10.77.0.2"), TTL: 300}},
		"meta.egress.test":    {{Addr: netip.MustParseAddr("169.254.169.254"), TTL: 300}},
	}
	egRogueZone = egresstest.Zone{"api.egress.test": {{Addr: egOther4, TTL: 300}}}
)

// egressAllow is the agentrt.io/egress annotation of the allowlist tests:
// names through the DNS filter (TCP and UDP), a name with a short TTL,
// two names that resolve into blocked ranges, and a CIDR entry of each
// family.
const egressAllow = "api.egress.test:80/tcp,api.egress.test:5000/udp,short.egress.test:83/tcp," +
	"private.egress.test:80/tcp,meta.egress.test:80/tcp,198.51.100.3:8080/tcp,[2001:db8::3]:8080/tcp"

// egressCeiling widens the default profile's ceiling to what the tests
// ask for: any host name on any port, and the test network's CIDRs.
var egressCeiling = configEdit{"allow = ['*:80+443']",
	"allow = ['*', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32']"}

// httpBody is what the test HTTP servers answer.
const httpBody = "hello from the egress server netns"

// egressNet is one test's network: the netns the container joins by path
// (the client netns) and a server netns with the servers, joined by a
// veth pair. The client netns routes only the test ranges, so nothing can
// leave the two namespaces. Both are removed when the test ends.
type egressNet struct {
	*egresstest.Network
	upstream, rogue *egresstest.DNSServer
}

// newEgressNet builds the network and starts its servers: TCP echo on
// ports 80, 81 and 83, HTTP on 8080, UDP echo on 5000 and 5001, the
// upstream DNS server on egDNS4 and egDNS6 and the rogue one on egRogue4.
// It checks that every server answers from the client netns before any
// rule exists, so that a refusal later is the rules' doing.
func newEgressNet(t testing.TB) *egressNet {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "ip")
	id := randomHex(t, 4)
	n := &egressNet{Network: &egresstest.Network{
		Client: egresstest.Prefix + id + "-c", Server: egresstest.Prefix + id + "-s",
	}}
	n.ClientPath, n.ServerPath = "/run/netns/"+n.Client, "/run/netns/"+n.Server
	t.Cleanup(func() { n.remove(t) })
	for _, args := range n.buildSteps(id) {
		ipCommand(t, args...)
	}
	n.startServers(t)
	n.preflight(t)
	return n
}

func (n *egressNet) buildSteps(id string) [][]string {
	cif, sif := "agt"+id+"c", "agt"+id+"s"
	c, s := []string{"-n", n.Client}, []string{"-n", n.Server}
	steps := [][]string{
		{"netns", "add", n.Client}, {"netns", "add", n.Server},
		{"link", "add", cif, "netns", n.Client, "type", "veth", "peer", "name", sif, "netns", n.Server},
		append(c, "link", "set", "lo", "up"), append(c, "link", "set", cif, "up"),
		append(c, "addr", "add", egClient4.String()+"/24", "dev", cif),
		append(c, "addr", "add", egClient6.String()+"/64", "dev", cif, "nodad"),
		append(c, "route", "add", "203.0.113.0/24", "dev", cif),
		append(s, "link", "set", "lo", "up"), append(s, "link", "set", sif, "up"),
	}
	for _, a := range []netip.Addr{egServer4, egOther4, egDNS4, egRogue4} {
		steps = append(steps, append(s, "addr", "add", a.String()+"/24", "dev", sif))
	}
	steps = append(steps, append(s, "addr", "add", egOutside4.String()+"/24", "dev", sif))
	for _, a := range []netip.Addr{egServer6, egOther6, egDNS6} {
		steps = append(steps, append(s, "addr", "add", a.String()+"/64", "dev", sif, "nodad"))
	}
	return steps
}

// remove stops the servers and deletes both namespaces, which takes the
// veth pair with them.
func (n *egressNet) remove(t testing.TB) {
	if err := n.Close(); err != nil {
		t.Errorf("stop the egress test servers: %v", err)
	}
	for _, name := range []string{n.Client, n.Server} {
		if _, err := os.Stat("/run/netns/" + name); err != nil {
			continue
		}
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("remove netns %q: %v: %s", name, err, out)
		}
	}
}

func (n *egressNet) startServers(t testing.TB) {
	t.Helper()
	tcp := []netip.Addr{egServer4, egOther4, egServer6, egOther6}
	mustOK(t, n.ServeTCPEcho(80, append(tcp, egOutside4)...))
	mustOK(t, n.ServeTCPEcho(81, tcp...))
	mustOK(t, n.ServeTCPEcho(83, tcp...))
	for _, a := range []netip.Addr{egServer4, egOther4, egServer6, egOther6} {
		mustOK(t, n.ServeHTTP(netip.AddrPortFrom(a, 8080), httpBody))
	}
	mustOK(t, n.ServeUDPEcho(5000, egServer4, egServer6))
	mustOK(t, n.ServeUDPEcho(5001, egServer4, egServer6))
	var err error
	n.upstream, err = n.ServeDNS(n.ServerPath, egDNS4, egressZone)
	mustOK(t, err)
	_, err = n.ServeDNS(n.ServerPath, egDNS6, egressZone)
	mustOK(t, err)
	n.rogue, err = n.ServeDNS(n.ServerPath, egRogue4, egRogueZone)
	mustOK(t, err)
}

// preflight connects from the client netns to every server the tests
// expect to be refused or allowed.
func (n *egressNet) preflight(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, a := range []string{"198.51.100.2:80", "198.51.100.2:81", "198.51.100.2:83", "198.51.100.2:8080",
		"198.51.100.3:80", "198.51.100.3:8080", "203.0.113.2:80", "[2001:db8::2]:80", "[2001:db8::2]:81", "[2001:db8::2]:8080",
		"[2001:db8::3]:80", "[2001:db8::3]:8080", "198.51.100.53:53", "198.51.100.54:53"} {
		c, err := n.DialClient(ctx, "tcp", a)
		if err != nil {
			t.Fatalf("test network: %s does not answer from the client netns without rules: %v", a, err)
		}
		c.Close()
	}
}

// inode is the client netns's inode, which names its entry in agentrt's
// egress run dir.
func (n *egressNet) inode(t testing.TB) uint64 {
	t.Helper()
	fi, err := os.Stat(n.ClientPath)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// nft runs `ip netns exec CLIENT nft ARGS` and returns its output.
func (n *egressNet) nft(t testing.TB, args ...string) string {
	t.Helper()
	testenv.RequireCommand(t, "nft")
	out, err := exec.Command("ip", append([]string{"netns", "exec", n.Client, "nft"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("nft %s in %s: %v: %s", strings.Join(args, " "), n.Client, err, out)
	}
	return string(out)
}

// runDirEntry is the directory agentrt keeps for the client netns while
// it programs it.
func (n *egressNet) runDirEntry(t testing.TB) string {
	return filepath.Join("/run/agentrt-egress", strconv.FormatUint(n.inode(t), 10))
}

// filterProcesses lists the DNS filter processes serving the client
// netns: their command line names the netns's run dir entry. Filters of
// other tests' namespaces do not count.
func (n *egressNet) filterProcesses(t testing.TB) []string {
	t.Helper()
	entry := n.runDirEntry(t) + "/"
	out, _ := exec.Command("pgrep", "-a", "-f", "egress-dns-filter").Output()
	var found []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.Contains(line, entry) {
			found = append(found, line)
		}
	}
	return found
}

// assertNothingLeft checks that, with container id deleted, nothing of
// agentrt's egress remains for the client netns: no table, chain or set,
// no DNS filter process, no run dir entry, and nothing of the container
// (testenv.AssertNoLeaks).
func (n *egressNet) assertNothingLeft(t testing.TB, rt *testenv.Runtime, id string) {
	t.Helper()
	if out := n.nft(t, "list", "ruleset"); strings.Contains(out, "agentrt") {
		t.Errorf("nft list ruleset in %s after delete: got\n%s\nwant nothing of agentrt", n.Client, out)
	}
	deadline := time.Now().Add(testenv.LeakGrace)
	for len(n.filterProcesses(t)) > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if ps := n.filterProcesses(t); len(ps) > 0 {
		t.Errorf("dns filter processes after delete: got %q, want none", ps)
	}
	if _, err := os.Lstat(n.runDirEntry(t)); err == nil {
		t.Errorf("egress run dir entry %q after delete: still there, want it gone", n.runDirEntry(t))
	}
	testenv.AssertNoLeaks(t, rt.Root, id)
}

// deniedCounts reads the per-destination denial counters of agentrt's
// sets denied_v4 and denied_v6 in the client netns, with nft.
func (n *egressNet) deniedCounts(t testing.TB) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, set := range []string{"denied_v4", "denied_v6"} {
		text := n.nft(t, "list", "set", "inet", "agentrt", set)
		for _, m := range deniedElement.FindAllStringSubmatch(text, -1) {
			packets, err := strconv.ParseUint(m[2], 10, 64)
			if err != nil {
				t.Fatalf("nft set %s: element %q: %v", set, m[0], err)
			}
			out[m[1]] += packets
		}
	}
	return out
}

// deniedElement is one element of a denial set as nft lists it.
var deniedElement = regexp.MustCompile(`([0-9a-f:.]+) counter packets ([0-9]+) bytes`)

// egressBox is a running agent container in the test's client netns,
// whose init sleeps, for probes run with `agentrt exec`.
type egressBox struct {
	rt  *testenv.Runtime
	cfg policyConfig
	b   *testenv.Bundle
}

// egressBundle makes an agent bundle (busybox, the probe) running args,
// joined to the client netns by path, with a resolv.conf naming the
// upstream DNS server, the spec of permissiveEngine (CAP_NET_RAW and
// CAP_NET_ADMIN included: agentrt must take them away), and, unless
// empty, allow as its agentrt.io/egress annotation.
func egressBundle(t testing.TB, n *egressNet, allow string, args ...string) *testenv.Bundle {
	t.Helper()
	b := newAgentBundle(t, args...)
	writeRootfsFile(t, b.Rootfs, "etc/resolv.conf", "nameserver "+egDNS4.String()+"\n")
	s := b.Spec()
	permissiveEngine(s)
	joinNetns(s, n.ClientPath)
	if allow != "" {
		b.SetAnnotation("agentrt.io/egress", allow)
	}
	b.Save(t)
	return b
}

// joinNetns points the spec's network namespace at path.
func joinNetns(s *specs.Spec, path string) {
	for i, ns := range s.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace {
			s.Linux.Namespaces[i].Path = path
			return
		}
	}
	s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: path})
}

// startEgressBox creates and starts a container of egressBundle whose
// init sleeps. It is deleted when the test ends unless the test deleted
// it.
func startEgressBox(t testing.TB, rt *testenv.Runtime, cfg policyConfig, n *egressNet, allow string) *egressBox {
	t.Helper()
	x := &egressBox{rt: rt, cfg: cfg, b: egressBundle(t, n, allow, "sleep", "600")}
	cfg.mustRun(t, rt, "create", "--bundle", x.b.Dir, x.b.ID)
	cfg.mustRun(t, rt, "start", x.b.ID)
	waitStatus(t, rt, x.b.ID, "running")
	return x
}

// exec runs `agentrt exec ID ARGS` and returns the result and how long it
// took.
func (x *egressBox) exec(t testing.TB, args ...string) (testenv.Result, time.Duration) {
	t.Helper()
	start := time.Now()
	res := x.cfg.run(t, x.rt, append([]string{"exec", x.b.ID}, args...)...)
	return res, time.Since(start)
}

// refusedFast is how long a refused attempt may take, exec included: far
// below the probe's 2 s connect timeout and the resolver's 5 s, so that a
// silent drop (which would time out) cannot pass for a refusal.
const refusedFast = time.Second

// assertExec runs args in the container and checks the exit status and
// the whole standard output; a refusal (code 1) must also be fast.
func (x *egressBox) assertExec(t testing.TB, code int, want string, args ...string) {
	t.Helper()
	x.assertCheck(t, egressCheck{args: args, code: code, stdout: want})
}

// assertCheck is assertExec for one egressCheck, whose output may be
// either of its two.
func (x *egressBox) assertCheck(t testing.TB, c egressCheck) {
	t.Helper()
	res, took := x.exec(t, c.args...)
	out := strings.TrimSpace(res.Stdout)
	if res.ExitCode != c.code || (out != c.stdout && (c.orStdout == "" || out != c.orStdout)) {
		want := strconv.Quote(c.stdout)
		if c.orStdout != "" {
			want += " or " + strconv.Quote(c.orStdout)
		}
		t.Errorf("got %s\nwant exit %d, stdout %s", res, c.code, want)
	}
	if c.code != 0 && took > refusedFast {
		t.Errorf("%q took %v, want a refusal within %v (a drop would time out)", c.args, took, refusedFast)
	}
}

// delete deletes the container and checks that nothing of it, nor of its
// egress rules, is left.
func (x *egressBox) delete(t testing.TB, n *egressNet) {
	t.Helper()
	x.cfg.mustRun(t, x.rt, "kill", x.b.ID, "KILL")
	waitStatus(t, x.rt, x.b.ID, "stopped")
	x.cfg.mustRun(t, x.rt, "delete", x.b.ID)
	n.assertNothingLeft(t, x.rt, x.b.ID)
}

func ipCommand(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// podmanHost is a netns that plays the host for podman: podman runs in it
// (through nsenter, which leaves the mount namespace and so the cgroup
// mounts alone), so that the bridge, its gateway address, netavark's
// firewall rules and forwarding all stay inside it. Addresses of the
// documentation ranges may then serve as the bridge's subnet, which they
// could not on the real host. Its servers listen on every address of the
// netns, on the bridge's gateway once it exists.
type podmanHost struct {
	*egresstest.Network
	// wrapper is a podman command that runs podman in the netns with a
	// network config dir of the test's own.
	wrapper string
}

// Addresses of the podman test: the bridge network, and an address of the
// host netns outside it.
const (
	podmanSubnet4  = "198.51.100.0/24"
	podmanSubnet6  = "2001:db8:1::/64"
	podmanGateway4 = "198.51.100.1"
	podmanGateway6 = "2001:db8:1::1"
	podmanOther4   = "203.0.113.200"
)

func newPodmanHost(t testing.TB) *podmanHost {
	t.Helper()
	podmanBin := testenv.RequireCommand(t, "podman")
	nsenter := testenv.RequireCommand(t, "nsenter")
	name := egresstest.Prefix + randomHex(t, 4) + "-h"
	h := &podmanHost{Network: &egresstest.Network{Server: name, ServerPath: "/run/netns/" + name}}
	ipCommand(t, "netns", "add", name)
	t.Cleanup(func() {
		h.Close()
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("remove netns %q: %v: %s", name, err, out)
		}
	})
	ipCommand(t, "-n", name, "link", "set", "lo", "up")
	ipCommand(t, "-n", name, "addr", "add", podmanOther4+"/32", "dev", "lo")
	dir := t.TempDir()
	h.wrapper = filepath.Join(dir, "podman")
	script := fmt.Sprintf("#!/bin/sh\nexec %s --net=%s %s --network-config-dir %s \"$@\"\n",
		nsenter, h.ServerPath, podmanBin, filepath.Join(dir, "networks"))
	if err := os.WriteFile(h.wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// [::] takes IPv4 as well.
	any := netip.IPv6Unspecified()
	mustOK(t, h.ServeTCPEcho(8080, any))
	mustOK(t, h.ServeTCPEcho(8081, any))
	mustOK(t, h.ServeUDPEcho(5000, any))
	return h
}

// runBridge runs `podman run --rm` on network with allow as the egress
// annotation, and returns the result and the container id.
func (p *podman) runBridge(t testing.TB, network, allow, image string, args ...string) (testenv.Result, string) {
	t.Helper()
	cidfile := filepath.Join(t.TempDir(), "cid")
	// podman splits --annotation values at commas, as CSV, unless quoted.
	run := []string{"run", "--rm", "--cidfile", cidfile, "--network", network,
		"--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768",
		"--annotation", `"agentrt.io/egress=` + allow + `"`, image}
	res := p.run(t, append(run, args...)...)
	cid, err := os.ReadFile(cidfile)
	if err != nil || len(cid) == 0 {
		t.Fatalf("podman wrote no container id (%v)\n%s", err, res)
	}
	return res, string(cid)
}

// assertNetnsReleased checks that the netns the container named (as
// "net:[INODE]") has no egress run dir entry left, and that podman
// removed it.
func assertNetnsReleased(t *testing.T, link string) {
	t.Helper()
	var ino uint64
	if _, err := fmt.Sscanf(link, "net:[%d]", &ino); err != nil {
		t.Fatalf("container netns: got %q, want net:[INODE]", link)
	}
	entry := filepath.Join("/run/agentrt-egress", strconv.FormatUint(ino, 10))
	if _, err := os.Lstat(entry); err == nil {
		t.Errorf("egress run dir entry %q after podman run --rm: still there, want it gone", entry)
	}
	files, _ := filepath.Glob("/run/netns/*")
	for _, f := range files {
		var st syscall.Stat_t
		if syscall.Stat(f, &st) == nil && st.Ino == ino {
			t.Errorf("netns %q of the container after podman run --rm: still there, want it gone", f)
		}
	}
}
