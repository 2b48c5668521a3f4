// Command containerd-shim-agentrt-v2 is agentrt's containerd shim, runtime
// type io.containerd.agentrt.v2: containerd's runc shim running agentrt,
// with the image policy lookup and the egress denial events (see package
// shim).
package main

import (
	"context"

	"github.com/agentrt/agentrt/runtime/egress"
	"github.com/agentrt/agentrt/shim"
)

func main() { shim.Run(context.Background(), shim.WithEgressDenials(egress.Denials)) }
