package shim

import (
	"context"
	"errors"
	"sync"

	taskAPI "github.com/containerd/containerd/api/runtime/task/v3"
	"github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2/task"
	"github.com/containerd/containerd/v2/core/events"
	cshim "github.com/containerd/containerd/v2/pkg/shim"
	"github.com/containerd/containerd/v2/pkg/shutdown"
	"github.com/containerd/errdefs/pkg/errgrpc"
	"github.com/containerd/ttrpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// service is the runc shim's task service with agentrt's create around
// it; every other call goes to the runc shim unchanged.
type service struct {
	taskAPI.TTRPCTaskService

	publisher events.Publisher
	binaries  *binaryPolicy
	// address is containerd's gRPC socket, for the image lookup.
	address string
	denials EgressDenials

	mu sync.Mutex
	// watchers are the egress counter watches, by container id.
	watchers map[string]egressWatch
}

// egressWatch is the egress counter watch of one container.
type egressWatch struct {
	netns string
	stop  context.CancelFunc
}

var _ taskAPI.TTRPCTaskService = (*service)(nil)

func newService(ctx context.Context, publisher cshim.Publisher, sd shutdown.Service, address string, s settings) (*service, error) {
	runc, err := task.NewTaskService(ctx, publisher, sd)
	if err != nil {
		return nil, err
	}
	return &service{
		TTRPCTaskService: runc,
		publisher:        publisher,
		binaries:         newBinaryPolicy(),
		address:          address,
		denials:          s.denials,
		watchers:         map[string]egressWatch{},
	}, nil
}

// RegisterTTRPC serves the task API through s, so that create reaches
// agentrt's steps.
func (s *service) RegisterTTRPC(server *ttrpc.Server) error {
	taskAPI.RegisterTTRPCTaskService(server, s)
	return nil
}

// Delete stops the container's egress watch, then deletes as the runc
// shim does.
func (s *service) Delete(ctx context.Context, r *taskAPI.DeleteRequest) (*taskAPI.DeleteResponse, error) {
	if r.ExecID == "" {
		s.stopWatch(r.ID)
	}
	return s.TTRPCTaskService.Delete(ctx, r)
}

func (s *service) stopWatch(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w, ok := s.watchers[id]; ok {
		w.stop()
		delete(s.watchers, id)
	}
}

// toGRPC converts an error of agentrt's create steps to a gRPC error, once,
// at the handler boundary: the code tells containerd and CRI what kind of
// failure it is, the message is the error's own.
func toGRPC(err error) error {
	var code codes.Code
	switch {
	case errors.Is(err, ErrBinaryRefused):
		code = codes.PermissionDenied
	case errors.Is(err, ErrBadOptions), errors.Is(err, ErrImagePolicy):
		code = codes.InvalidArgument
	case errors.Is(err, ErrNoReport), errors.Is(err, ErrAgentrtNotFound):
		code = codes.FailedPrecondition
	default:
		return errgrpc.ToGRPC(err)
	}
	return status.Error(code, err.Error())
}
