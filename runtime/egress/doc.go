// Package egress is agentrt's egress firewall: default-deny nftables rules
// in a container's network namespace, allowlists by CIDR and by host name,
// and a filtering DNS resolver that turns allowed names into allowed
// addresses. Rules are programmed over netlink (github.com/google/nftables);
// no nft binary is needed at run time.
//
// The runtime calls Setup once the container's init exists and waits on
// the exec fifo (no container code has run yet), then Verify before it
// reports egress as enforced, and Teardown on delete. Denials reads the
// per-destination counters. MaybeRunDNSFilter must be called first thing
// in main: the DNS filter is agentrt re-executed with FilterArg.
//
// # Rules
//
// One table, "inet agentrt", covers IPv4 and IPv6 alike:
//
//   - output (filter, priority 0, policy drop): replies of accepted
//     connections; the DNS filter's questions to the upstream resolvers;
//     the filter itself; loopback; ICMPv6 neighbor discovery and MLD; DNS
//     over TLS (port 853) refused; the CIDR entries; the host entries;
//     everything else refused.
//   - dns_guard (filter, priority -160, before any NAT, policy accept):
//     every packet to port 53 goes to the filter, or is refused when no
//     filter runs (egress none, allowlists without host names), loopback
//     included: Docker's resolver on 127.0.0.11 would forward any name.
//     With static DNS the container may ask its upstreams directly.
//   - dns_redirect (nat, priority -150, ahead of engines' DNAT at -100):
//     port 53, TCP and UDP, any address, redirected to the filter, which
//     listens on 127.0.0.1 and ::1 in the netns.
//   - input (filter, policy drop): replies, loopback and the ICMPv6 that
//     IPv6 needs. New inbound connections are dropped: a peer that could
//     connect in could be sent data past the allowlist.
//   - deny: counts the destination in the dynamic sets denied_v4 and
//     denied_v6 (one counter per address, up to 65535 addresses), then
//     refuses visibly: TCP with a reset (ECONNREFUSED at once), anything
//     else with ICMP/ICMPv6 administratively prohibited (the send fails
//     with EPERM). Nothing is dropped silently.
//
// Destinations allow TCP and UDP only (Protocol "" is both); a CIDR entry
// without ports allows every port. A host entry gets two sets, host<i>_v4
// and host<i>_v6, fed by the filter with per-element timeouts, or once
// and without timeouts with DNS mode static. Connections established
// while an address was allowed outlive its timeout.
//
// Special ranges are blocked unless a CIDR entry names them: private
// (10/8, 172.16/12, 192.168/16), shared (100.64/10), loopback, link-local
// (169.254/16, fe80::/10), cloud metadata (169.254.169.254, fd00:ec2::254,
// 168.63.129.16), ULA (fc00::/7), multicast (224/4, ff00::/8), reserved,
// and the transition ranges that embed IPv4 (6to4, Teredo, IPv4-mapped).
// A CIDR entry inside or equal to a blocked range opens exactly that
// prefix; a wider one ("0.0.0.0/0:443") keeps every blocked range inside
// it shut, and "169.254.0.0/16" keeps the metadata address shut. The
// documentation ranges are not blocked; tests build networks from them.
//
// # DNS
//
// With host entries and DNS mode filter (the default), Setup starts the
// filter: a process of its own (pid in the state dir's dns-filter.pid)
// that asks the upstreams of the container's resolv.conf, from inside the
// netns (so a resolver on the container's loopback works) with sockets
// marked 0x61677274, the only packets the redirect skips and the output
// chain lets reach the upstreams. Names outside the allowlist get
// NXDOMAIN for every type and are never forwarded. Allowed answers feed
// the sets with each record's TTL, raised to a floor of 30 s
// (dnsfilter.DefaultMinTTL; Options.MinTTL lowers it for tests) and
// capped at 24 h, before the client gets its answer. Addresses in blocked
// ranges are removed from answers (DNS rebinding); when none is left the
// answer is REFUSED, see package dnsfilter for why. Denials and rebinding
// go to the audit log, rate-limited. The filter ends when no container
// using the netns has a live init, or when Teardown stops it. It is built
// on golang.org/x/net/dns/dnsmessage, no new dependency.
//
// DNS mode static resolves the host entries once in Setup (wildcards are
// refused: ErrWildcardStatic) and runs no process; the container then
// asks its upstreams itself, and nobody else.
//
// # Shared network namespaces
//
// Each programmed netns has an entry in the run dir (DefaultRunDir),
// named by the netns inode, listing its users (containers, with their
// init) under a per-entry lock. The first container programs the netns;
// a later one with the same plan checks that the rules and the filter are
// live, and programs them again (in one batch, never removing the old
// table first) if not; one with another plan is refused with a
// *SharedNetnsError. The last Teardown stops the filter and removes the
// table, which matters for a netns joined by path: it outlives the
// containers.
//
// # Limits
//
// A container keeping CAP_NET_RAW could set the filter's mark on its own
// sockets and reach the upstream resolvers (only those, only their DNS
// port) without the filter; CAP_NET_ADMIN would let it remove the rules.
// Neither may be kept with egress rules.
package egress
