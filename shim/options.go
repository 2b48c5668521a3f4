package shim

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/containerd/containerd/api/types/runc/options"
	runtimeoptions "github.com/containerd/containerd/api/types/runtimeoptions/v1"
	"github.com/containerd/typeurl/v2"
	"github.com/pelletier/go-toml/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// DefaultRoot is the state root the shim gives agentrt; the runc shim
// adds one directory per containerd namespace below it, as it does for
// runc under /run/containerd/runc.
const DefaultRoot = "/run/containerd/agentrt"

// maxOptionsFile bounds a runtime options file named by ConfigPath.
const maxOptionsFile = 1 << 20

// decodeOptions returns the runc options in a create request's (or an
// info request's) runtime options: runc's own, or CRI's generic options
// with runc's fields in TOML. No options give empty ones.
func decodeOptions(v *anypb.Any) (*options.Options, error) {
	if v.GetValue() == nil && v.GetTypeUrl() == "" {
		return &options.Options{}, nil
	}
	decoded, err := typeurl.UnmarshalAny(v)
	if err != nil {
		return nil, fmt.Errorf("%w: decode %q: %w", ErrBadOptions, v.GetTypeUrl(), err)
	}
	switch o := decoded.(type) {
	case *options.Options:
		return o, nil
	case *runtimeoptions.Options:
		return decodeGeneric(o)
	}
	return nil, fmt.Errorf("%w: type %q; want runc options (%s) or generic options (%s)",
		ErrBadOptions, v.GetTypeUrl(), typeURL(&options.Options{}), typeURL(&runtimeoptions.Options{}))
}

func typeURL(v any) string {
	u, _ := typeurl.TypeURL(v)
	return u
}

// genericOptions are the keys a generic options TOML may hold: runc's
// options by their Go names, and TypeUrl, which CRI copies along.
type genericOptions struct {
	TypeUrl        string
	NoPivotRoot    bool
	NoNewKeyring   bool
	ShimCgroup     string
	IoUid          uint32
	IoGid          uint32
	BinaryName     string
	Root           string
	SystemdCgroup  bool
	CriuImagePath  string
	CriuWorkPath   string
	TaskApiAddress string
	TaskApiVersion uint32
}

// decodeGeneric reads the TOML of generic options, from ConfigPath when
// set (CRI then sends no body), else from ConfigBody.
func decodeGeneric(o *runtimeoptions.Options) (*options.Options, error) {
	body, name := o.ConfigBody, "options"
	if o.ConfigPath != "" {
		var err error
		if body, err = readOptionsFile(o.ConfigPath); err != nil {
			return nil, err
		}
		name = fmt.Sprintf("options file %q", o.ConfigPath)
	}
	var g genericOptions
	dec := toml.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrBadOptions, name, describeTOMLError(err))
	}
	return &options.Options{
		NoPivotRoot:    g.NoPivotRoot,
		NoNewKeyring:   g.NoNewKeyring,
		ShimCgroup:     g.ShimCgroup,
		IoUid:          g.IoUid,
		IoGid:          g.IoGid,
		BinaryName:     g.BinaryName,
		Root:           g.Root,
		SystemdCgroup:  g.SystemdCgroup,
		CriuImagePath:  g.CriuImagePath,
		CriuWorkPath:   g.CriuWorkPath,
		TaskApiAddress: g.TaskApiAddress,
		TaskApiVersion: g.TaskApiVersion,
	}, nil
}

func readOptionsFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxOptionsFile+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read %q: %w", ErrBadOptions, path, err)
	}
	if len(data) > maxOptionsFile {
		return nil, fmt.Errorf("%w: options file %q is larger than %d bytes", ErrBadOptions, path, maxOptionsFile)
	}
	return data, nil
}

// describeTOMLError names the unknown keys of a strict decode, which
// go-toml reports only in its detailed error.
func describeTOMLError(err error) string {
	var strict *toml.StrictMissingError
	if !errors.As(err, &strict) {
		return err.Error()
	}
	var keys []string
	for _, e := range strict.Errors {
		keys = append(keys, fmt.Sprintf("%q", strings.Join(e.Key(), ".")))
	}
	return fmt.Sprintf("unknown key %s; known keys are runc's options (BinaryName, Root, SystemdCgroup, NoPivotRoot, ShimCgroup ...)",
		strings.Join(keys, ", "))
}

// agentrtOptions returns a copy of opts with BinaryName and Root set for
// agentrt, as the runc shim reads them: it runs BinaryName with --root
// Root/NAMESPACE.
func agentrtOptions(opts *options.Options, binary string) *options.Options {
	out := proto.Clone(opts).(*options.Options)
	out.BinaryName = binary
	if out.Root == "" {
		out.Root = DefaultRoot
	}
	return out
}

// marshalOptions encodes runc options for the runc shim's task service.
func marshalOptions(opts *options.Options) (*anypb.Any, error) {
	v, err := typeurl.MarshalAnyToProto(opts)
	if err != nil {
		return nil, fmt.Errorf("encode runtime options: %w", err)
	}
	return v, nil
}
