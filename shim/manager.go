package shim

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/containerd/containerd/api/types"
	cshim "github.com/containerd/containerd/v2/pkg/shim"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// maxInfoOptions bounds the runtime options containerd sends to -info.
const maxInfoOptions = 1 << 20

// manager is the runc shim's manager (start, delete), which works for
// agentrt unchanged: it reads the runtime binary and root that create
// stored in the bundle. Only Info is agentrt's, so that the features
// containerd learns are agentrt's, not those of a runc on PATH.
type manager struct {
	cshim.Shim
}

// Info answers `containerd-shim-agentrt-v2 -info`: the runtime info and
// features of the binary a container with these options would get.
func (m *manager) Info(ctx context.Context, optionsR io.Reader) (*types.RuntimeInfo, error) {
	data, err := io.ReadAll(io.LimitReader(optionsR, maxInfoOptions))
	if err != nil {
		return nil, fmt.Errorf("read runtime options: %w", err)
	}
	var v anypb.Any
	if err := proto.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%w: decode: %w", ErrBadOptions, err)
	}
	opts, err := decodeOptions(&v)
	if err != nil {
		return nil, err
	}
	binary, _, err := newBinaryPolicy().resolve(opts.BinaryName)
	if err != nil {
		return nil, err
	}
	encoded, err := marshalOptions(agentrtOptions(opts, binary))
	if err != nil {
		return nil, err
	}
	raw, err := proto.Marshal(encoded)
	if err != nil {
		return nil, fmt.Errorf("encode runtime options: %w", err)
	}
	return m.Shim.Info(ctx, bytes.NewReader(raw))
}
