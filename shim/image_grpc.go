package shim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	containersapi "github.com/containerd/containerd/api/services/containers/v1"
	contentapi "github.com/containerd/containerd/api/services/content/v1"
	imagesapi "github.com/containerd/containerd/api/services/images/v1"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/errdefs/pkg/errgrpc"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// imageLookupTimeout bounds the whole image lookup of one create; a
// containerd that does not answer must not hold create forever.
const imageLookupTimeout = 10 * time.Second

// grpcStore reads container records, images and content from containerd
// over its gRPC API, in one namespace.
type grpcStore struct {
	conn *grpc.ClientConn
	ns   string
}

// dialContainerd connects to containerd's gRPC socket. The connection is
// made for one create and closed after it, so that an idle shim holds no
// client.
func dialContainerd(address, ns string) (*grpcStore, error) {
	if address == "" {
		return nil, errors.New("no containerd address given to the shim")
	}
	conn, err := grpc.NewClient("unix://"+address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("connect to containerd at %q: %w", address, err)
	}
	return &grpcStore{conn: conn, ns: ns}, nil
}

func (s *grpcStore) close() { s.conn.Close() }

func (s *grpcStore) withNamespace(ctx context.Context) context.Context {
	return namespaces.WithNamespace(ctx, s.ns)
}

func (s *grpcStore) container(ctx context.Context, id string) (containerRecord, error) {
	resp, err := containersapi.NewContainersClient(s.conn).Get(s.withNamespace(ctx), &containersapi.GetContainerRequest{ID: id})
	if err != nil {
		return containerRecord{}, errgrpc.ToNative(err)
	}
	c := resp.GetContainer()
	return containerRecord{Image: c.GetImage(), Labels: c.GetLabels()}, nil
}

func (s *grpcStore) image(ctx context.Context, name string) (ocispec.Descriptor, error) {
	resp, err := imagesapi.NewImagesClient(s.conn).Get(s.withNamespace(ctx), &imagesapi.GetImageRequest{Name: name})
	if err != nil {
		return ocispec.Descriptor{}, errgrpc.ToNative(err)
	}
	t := resp.GetImage().GetTarget()
	return ocispec.Descriptor{
		MediaType:   t.GetMediaType(),
		Digest:      digest.Digest(t.GetDigest()),
		Size:        t.GetSize(),
		Annotations: t.GetAnnotations(),
	}, nil
}

// readBlob streams one blob, refusing it before reading when the
// descriptor or the content store says it is larger than limit.
func (s *grpcStore) readBlob(ctx context.Context, desc ocispec.Descriptor, limit int64) ([]byte, error) {
	ctx = s.withNamespace(ctx)
	client := contentapi.NewContentClient(s.conn)
	info, err := client.Info(ctx, &contentapi.InfoRequest{Digest: desc.Digest.String()})
	if err != nil {
		return nil, errgrpc.ToNative(err)
	}
	if size := info.GetInfo().GetSize(); size > limit || desc.Size > limit {
		return nil, fmt.Errorf("blob of %d bytes, at most %d", max(size, desc.Size), limit)
	}
	stream, err := client.Read(ctx, &contentapi.ReadContentRequest{Digest: desc.Digest.String()})
	if err != nil {
		return nil, errgrpc.ToNative(err)
	}
	var data []byte
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errgrpc.ToNative(err)
		}
		if data = append(data, resp.GetData()...); int64(len(data)) > limit {
			return nil, fmt.Errorf("blob larger than %d bytes", limit)
		}
	}
	if got := desc.Digest.Algorithm().FromBytes(data); got != desc.Digest {
		return nil, fmt.Errorf("blob has digest %s, want %s", got, desc.Digest)
	}
	return data, nil
}
