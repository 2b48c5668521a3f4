package shim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/containerd/api/types/runc/options"
	runtimeoptions "github.com/containerd/containerd/api/types/runtimeoptions/v1"
	"github.com/containerd/typeurl/v2"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/emptypb"
)

func mustAny(t *testing.T, v any) *anypb.Any {
	t.Helper()
	a, err := typeurl.MarshalAnyToProto(v)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestDecodeOptions(t *testing.T) {
	file := filepath.Join(t.TempDir(), "options.toml")
	if err := os.WriteFile(file, []byte("BinaryName = '/opt/a/agentrt'\nSystemdCgroup = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      *anypb.Any
		want    *options.Options
		wantErr string
	}{
		{"none", nil, &options.Options{}, ""},
		{"runc options", mustAny(t, &options.Options{BinaryName: "/usr/bin/x", Root: "/r"}),
			&options.Options{BinaryName: "/usr/bin/x", Root: "/r"}, ""},
		{"generic body, as CRI sends it", mustAny(t, &runtimeoptions.Options{
			ConfigBody: []byte("BinaryName = '/usr/local/bin/runc'\nRoot = '/run/x'\nNoPivotRoot = true\n")}),
			&options.Options{BinaryName: "/usr/local/bin/runc", Root: "/run/x", NoPivotRoot: true}, ""},
		{"generic body with TypeUrl", mustAny(t, &runtimeoptions.Options{
			ConfigBody: []byte("TypeUrl = 'io.containerd.runc.v1.Options'\nShimCgroup = '/shim'\n")}),
			&options.Options{ShimCgroup: "/shim"}, ""},
		{"generic empty body", mustAny(t, &runtimeoptions.Options{}), &options.Options{}, ""},
		{"generic config path", mustAny(t, &runtimeoptions.Options{ConfigPath: file}),
			&options.Options{BinaryName: "/opt/a/agentrt", SystemdCgroup: true}, ""},
		{"generic unknown key", mustAny(t, &runtimeoptions.Options{ConfigBody: []byte("BinaryPath = '/x'\n")}),
			nil, `invalid runtime options: options: unknown key "BinaryPath"`},
		{"generic missing file", mustAny(t, &runtimeoptions.Options{ConfigPath: file + ".nope"}),
			nil, "invalid runtime options: open "},
		{"generic bad TOML", mustAny(t, &runtimeoptions.Options{ConfigBody: []byte("BinaryName = \n")}),
			nil, "invalid runtime options: options: "},
		{"other type", mustAny(t, &emptypb.Empty{}), nil, `invalid runtime options: type "google.protobuf.Empty"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeOptions(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrBadOptions) {
					t.Fatalf("got error %v, want ErrBadOptions containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAgentrtOptions(t *testing.T) {
	tests := []struct {
		name string
		in   *options.Options
		want *options.Options
	}{
		{"default root", &options.Options{BinaryName: "/usr/bin/other", NoPivotRoot: true},
			&options.Options{BinaryName: "/bin/agentrt", Root: DefaultRoot, NoPivotRoot: true}},
		{"root kept", &options.Options{Root: "/run/mine", ShimCgroup: "/s"},
			&options.Options{BinaryName: "/bin/agentrt", Root: "/run/mine", ShimCgroup: "/s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := agentrtOptions(tt.in, "/bin/agentrt")
			if diff := cmp.Diff(tt.want, got, protocmp.Transform()); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}
