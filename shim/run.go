package shim

import (
	"context"

	runcmanager "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2/manager"
	cshim "github.com/containerd/containerd/v2/pkg/shim"
	"github.com/containerd/containerd/v2/pkg/shutdown"
	"github.com/containerd/containerd/v2/plugins"
	"github.com/containerd/plugin"
	"github.com/containerd/plugin/registry"
)

// RuntimeName is the runtime type containerd knows the shim by; containerd
// runs it as containerd-shim-agentrt-v2.
const RuntimeName = "io.containerd.agentrt.v2"

// Option configures the shim.
type Option func(*settings)

type settings struct {
	denials EgressDenials
}

// WithEgressDenials makes the shim publish each container's egress denial
// counters, read with f, on TopicEgressDenied while the container runs.
// Without it the shim publishes none.
func WithEgressDenials(f EgressDenials) Option {
	return func(s *settings) { s.denials = f }
}

// Run is the shim binary's whole main: it serves containerd as the runc
// shim does (start, delete and the task service), with agentrt as the
// runtime binary and the image policy lookup before each create. It
// returns only by ending the process.
func Run(ctx context.Context, opts ...Option) {
	var s settings
	for _, o := range opts {
		o(&s)
	}
	registerTaskService(s)
	cshim.RunShim(ctx, &manager{Shim: runcmanager.NewShimManager(RuntimeName)})
}

// registerTaskService registers agentrt's task service, in the place the
// runc shim's own registration takes in its binary.
func registerTaskService(s settings) {
	registry.Register(&plugin.Registration{
		Type: plugins.TTRPCPlugin,
		ID:   "task",
		Requires: []plugin.Type{
			plugins.EventPlugin,
			plugins.InternalPlugin,
		},
		InitFn: func(ic *plugin.InitContext) (any, error) {
			pp, err := ic.GetByID(plugins.EventPlugin, "publisher")
			if err != nil {
				return nil, err
			}
			sd, err := ic.GetByID(plugins.InternalPlugin, "shutdown")
			if err != nil {
				return nil, err
			}
			return newService(ic.Context, pp.(cshim.Publisher), sd.(shutdown.Service),
				ic.Properties[plugins.PropertyGRPCAddress], s)
		},
	})
}
