package shim

import (
	"context"
	"errors"
	"strings"
	"testing"

	runc "github.com/containerd/go-runc"
)

func TestReadReport(t *testing.T) {
	tests := []struct {
		name     string
		state    *runc.Container
		stateErr error
		wantHash string
		wantErr  string
	}{
		{"agentrt", &runc.Container{Annotations: map[string]string{reportAnnotation: `{"policyHash":"sha256:1","mode":"enforce"}`}},
			nil, "sha256:1", ""},
		{"runc: no report", &runc.Container{Annotations: map[string]string{"other": "x"}}, nil, "",
			`/bin/rt created container "c1" without agentrt.io/report in its state; it is not agentrt`},
		{"report without hash", &runc.Container{Annotations: map[string]string{reportAnnotation: `{}`}}, nil, "",
			"holds no report with a policy hash"},
		{"report not JSON", &runc.Container{Annotations: map[string]string{reportAnnotation: `yes`}}, nil, "",
			"holds no report with a policy hash"},
		{"state fails", nil, errors.New("exit status 1"), "", `/bin/rt state "c1": exit status 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := func(context.Context, string) (*runc.Container, error) { return tt.state, tt.stateErr }
			rep, err := readReport(context.Background(), state, "/bin/rt", "c1")
			if tt.wantErr != "" {
				if !errors.Is(err, ErrNoReport) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want ErrNoReport containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || rep.PolicyHash != tt.wantHash || rep.raw == "" {
				t.Errorf("got %+v, %v; want hash %q", rep, err, tt.wantHash)
			}
		})
	}
}

func TestToGRPC(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"refused", ErrBinaryRefused, "PermissionDenied"},
		{"options", ErrBadOptions, "InvalidArgument"},
		{"image", &ImageError{Ref: "r", Err: errors.New("x")}, "InvalidArgument"},
		{"not agentrt", ErrNoReport, "FailedPrecondition"},
		{"other", errors.New("boom"), "Unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := toGRPC(tt.err)
			if !strings.Contains(got.Error(), "code = "+tt.want) || !strings.Contains(got.Error(), tt.err.Error()) {
				t.Errorf("got %v, want code %s and the message kept", got, tt.want)
			}
		})
	}
}
