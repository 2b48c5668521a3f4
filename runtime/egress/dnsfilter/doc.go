// Package dnsfilter is the filtering DNS resolver of agentrt's egress
// firewall. It answers only names that the allowlist names, forwards those
// questions to the container's own upstream resolvers, and reports the
// addresses of each answer so that the firewall can allow them for the
// record's TTL.
//
// # Decisions
//
//   - A name no allowlist entry matches gets NXDOMAIN, whatever the type
//     of the question. It is never forwarded, so it never reaches an
//     upstream resolver (no tunnelling through the resolver chain).
//   - An allowed name is forwarded with a fresh message id. Questions of
//     every type are forwarded; only A and AAAA records (following the
//     CNAME chain from the question name) feed the firewall.
//   - Addresses in a blocked range (private, loopback, link-local,
//     metadata, multicast and other special ranges, unless an allowlist
//     CIDR names them) are removed from the answer: this defeats DNS
//     rebinding. When no address is left, the answer is REFUSED rather
//     than an empty NOERROR: REFUSED says "policy", is not cached as a
//     fact about the name (RFC 2308 caches only NXDOMAIN and NODATA), and
//     makes clients fail at once instead of trying other record types.
//   - The firewall is fed before the client gets its answer, so a client
//     that connects right after resolving finds its address allowed. When
//     the firewall cannot be fed, the answer is SERVFAIL.
//
// A CHAOS-class TXT question for "id.agentrt." is answered by the filter
// itself; agentrt uses it to check that the filter is live.
//
// The package depends only on golang.org/x/net/dns/dnsmessage: it knows
// nothing of nftables or namespaces, which are given to it as functions.
package dnsfilter
