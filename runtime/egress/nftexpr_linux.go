package egress

import (
	"net/netip"

	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"

	"github.com/agentrt/agentrt/policy"
)

// The expressions below are the building blocks of agentrt's rules. Each
// returns the expressions of one match; a rule is a list of matches and a
// verdict. All of them use register 1.

const reg = 1

func compare(op expr.CmpOp, data []byte) *expr.Cmp {
	return &expr.Cmp{Op: op, Register: reg, Data: data}
}

// matchFamily matches IPv4 (v6 false) or IPv6 packets of the inet table.
func matchFamily(v6 bool) []expr.Any {
	f := byte(unix.NFPROTO_IPV4)
	if v6 {
		f = unix.NFPROTO_IPV6
	}
	return []expr.Any{&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: reg}, compare(expr.CmpOpEq, []byte{f})}
}

// protoNumbers are the layer 4 protocols of policy destinations.
var protoNumbers = map[string]byte{"tcp": unix.IPPROTO_TCP, "udp": unix.IPPROTO_UDP}

func matchL4(proto byte) []expr.Any {
	return []expr.Any{&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: reg}, compare(expr.CmpOpEq, []byte{proto})}
}

// daddrLoad loads the destination address of the packet's family.
func daddrLoad(v6 bool) *expr.Payload {
	if v6 {
		return &expr.Payload{DestRegister: reg, Base: expr.PayloadBaseNetworkHeader, Offset: 24, Len: 16}
	}
	return &expr.Payload{DestRegister: reg, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4}
}

// matchDaddr matches (op eq) or excludes (op neq) a destination prefix.
// The family must already be matched. A /0 matches everything and needs
// no expression.
func matchDaddr(p netip.Prefix, op expr.CmpOp) []expr.Any {
	if p.Bits() == 0 && op == expr.CmpOpEq {
		return nil
	}
	load := daddrLoad(p.Addr().Is6())
	net := p.Masked().Addr().AsSlice()
	if p.Bits() == p.Addr().BitLen() {
		return []expr.Any{load, compare(op, net)}
	}
	mask := prefixMask(p)
	return []expr.Any{
		load,
		&expr.Bitwise{SourceRegister: reg, DestRegister: reg, Len: uint32(len(mask)), Mask: mask, Xor: make([]byte, len(mask))},
		compare(op, net),
	}
}

func prefixMask(p netip.Prefix) []byte {
	mask := make([]byte, p.Addr().BitLen()/8)
	for i := 0; i < p.Bits(); i++ {
		mask[i/8] |= 0x80 >> (i % 8)
	}
	return mask
}

// matchDaddrSet matches destination addresses in a named set.
func matchDaddrSet(v6 bool, set string) []expr.Any {
	return []expr.Any{daddrLoad(v6), &expr.Lookup{SourceRegister: reg, SetName: set}}
}

// matchDport matches a destination port range; the protocol must already
// be matched (the port is at the same offset for TCP and UDP).
func matchDport(r policy.PortRange) []expr.Any {
	load := &expr.Payload{DestRegister: reg, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2}
	if r.First == r.Last {
		return []expr.Any{load, compare(expr.CmpOpEq, binaryutil.BigEndian.PutUint16(r.First))}
	}
	return []expr.Any{load, &expr.Range{Op: expr.CmpOpEq, Register: reg,
		FromData: binaryutil.BigEndian.PutUint16(r.First), ToData: binaryutil.BigEndian.PutUint16(r.Last)}}
}

// matchEstablished matches packets of connections already accepted, and
// the ICMP errors that belong to them.
func matchEstablished() []expr.Any {
	bits := binaryutil.NativeEndian.PutUint32(expr.CtStateBitESTABLISHED | expr.CtStateBitRELATED)
	return []expr.Any{
		&expr.Ct{Register: reg, Key: expr.CtKeySTATE},
		&expr.Bitwise{SourceRegister: reg, DestRegister: reg, Len: 4, Mask: bits, Xor: make([]byte, 4)},
		compare(expr.CmpOpNeq, make([]byte, 4)),
	}
}

// matchMark matches the packet mark the DNS filter puts on its sockets.
func matchMark(mark uint32) []expr.Any {
	return []expr.Any{&expr.Meta{Key: expr.MetaKeyMARK, Register: reg}, compare(expr.CmpOpEq, binaryutil.NativeEndian.PutUint32(mark))}
}

// loopbackIndex is the ifindex of lo in every netns.
const loopbackIndex = 1

func matchIface(key expr.MetaKey, index uint32) []expr.Any {
	return []expr.Any{&expr.Meta{Key: key, Register: reg}, compare(expr.CmpOpEq, binaryutil.NativeEndian.PutUint32(index))}
}

// matchICMPv6Types matches ICMPv6 types first..last.
func matchICMPv6Types(first, last byte) []expr.Any {
	load := &expr.Payload{DestRegister: reg, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 1}
	out := append(matchFamily(true), matchL4(unix.IPPROTO_ICMPV6)...)
	if first == last {
		return append(out, load, compare(expr.CmpOpEq, []byte{first}))
	}
	return append(out, load, &expr.Range{Op: expr.CmpOpEq, Register: reg, FromData: []byte{first}, ToData: []byte{last}})
}

func accept() expr.Any { return &expr.Verdict{Kind: expr.VerdictAccept} }

func jump(chain string) expr.Any { return &expr.Verdict{Kind: expr.VerdictJump, Chain: chain} }

// join concatenates matches and a verdict into one rule's expressions.
func join(parts ...[]expr.Any) []expr.Any {
	var out []expr.Any
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
