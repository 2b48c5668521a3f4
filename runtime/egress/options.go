package egress

import (
	"time"

	"github.com/agentrt/agentrt/policy"
)

// DefaultRunDir holds one directory per programmed netns, named by the
// netns inode, with the users (containers) of that netns and its DNS
// filter. It is outside the runtime's --root so that no container id can
// collide with it.
const DefaultRunDir = "/run/agentrt-egress"

// TableName is the nftables table agentrt owns in a container's netns,
// in the inet family (IPv4 and IPv6 alike).
const TableName = "agentrt"

// Options are the inputs of Setup.
type Options struct {
	// ContainerID names the container in logs and the audit log.
	ContainerID string
	// NetnsPath is the netns to program: /proc/<init>/ns/net for a netns
	// of the container's own, or the spec's linux.namespaces path when it
	// joins an existing one (Teardown opens it again to remove the rules
	// once the last container using it is gone).
	NetnsPath string
	// InitPID is the container's init. The DNS filter ends once no
	// container using the netns has a live init; 0 (unknown) keeps it
	// until Teardown.
	InitPID int
	// Network is the effective policy's network section.
	Network policy.Network
	// ResolvConf is the host path of the container's resolv.conf (the
	// bind-mount source the engine gave, else the rootfs /etc/resolv.conf);
	// its nameservers are the filter's upstreams. Missing or without a
	// nameserver: 127.0.0.1 and ::1 in the container's netns, as glibc.
	ResolvConf string
	// Upstreams, when set, replaces the nameservers of ResolvConf
	// ("10.0.0.2", "[fd00::53]:53").
	Upstreams []string
	// StateDir is the container's state directory; Setup writes its
	// egress state there and Teardown removes it.
	StateDir string
	// AuditLog receives the DNS filter's denials as JSON lines
	// (rate-limited); empty: the filter only logs them to its log file.
	AuditLog string
	// RunDir overrides DefaultRunDir.
	RunDir string
	// MinTTL overrides the floor of the time an address answered by the
	// filter stays allowed (dnsfilter.DefaultMinTTL, 30 s). Tests set it
	// low to watch addresses expire.
	MinTTL time.Duration
	// Executable is the binary re-executed as the DNS filter; it must call
	// MaybeRunDNSFilter first thing in main. Default: /proc/self/exe.
	Executable string
}

// Status says what Setup put in place, for the enforcement report.
type Status struct {
	// Applicable is false for egress open: no rules exist.
	Applicable bool `json:"applicable"`
	// Mode is the enforced mode: none or allowlist (an empty allowlist
	// is none).
	Mode policy.EgressMode `json:"mode"`
	// Table is the nftables table, "inet agentrt".
	Table string `json:"table,omitempty"`
	// NetnsInode identifies the programmed netns.
	NetnsInode uint64 `json:"netnsInode,omitempty"`
	// Shared is true when the netns already carried agentrt's rules for
	// the same policy, installed for another container.
	Shared bool `json:"shared,omitempty"`
	// DNS is filter or static when host entries exist, else empty.
	DNS policy.DNSMode `json:"dns,omitempty"`
	// FilterPID is the DNS filter process, 0 when there is none.
	FilterPID int `json:"filterPid,omitempty"`
	// FilterAddr is where the filter listens in the netns; every DNS
	// question on port 53 is redirected there.
	FilterAddr string `json:"filterAddr,omitempty"`
	// Upstreams are the resolvers the filter or static resolution asks.
	Upstreams []string `json:"upstreams,omitempty"`
	// Sets are the named sets of host entries.
	Sets []string `json:"sets,omitempty"`
	// PlanHash identifies the compiled rules.
	PlanHash string `json:"planHash,omitempty"`
	// Warnings are degradations worth reporting, such as a host that
	// resolved to nothing in static mode.
	Warnings []string `json:"warnings,omitempty"`
}
