package policy

import (
	"errors"
	"testing"
)

func TestCheckPath(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string
		wantErr error
	}{
		{"clean", "/workspace", "/workspace", nil},
		{"cleaned", "/workspace//out/./", "/workspace/out", nil},
		{"root", "/", "/", nil},
		{"empty", "", "", ErrEmptyPath},
		{"relative", "workspace", "", ErrRelativePath},
		{"dot relative", "./workspace", "", ErrRelativePath},
		{"dot dot", "/workspace/../etc", "", ErrDotDot},
		{"trailing dot dot", "/workspace/..", "", ErrDotDot},
		{"NUL", "/work\x00space", "", ErrNULByte},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckPath(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CheckPath(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("CheckPath(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCheckPathTooLong(t *testing.T) {
	long := "/"
	for len(long) < maxPathLen {
		long += "aaaaaaaa/"
	}
	if _, err := CheckPath(long); !errors.Is(err, ErrPathTooLong) {
		t.Errorf("CheckPath of %d bytes: got %v, want %v", len(long), err, ErrPathTooLong)
	}
}

func TestPathCovered(t *testing.T) {
	tests := []struct {
		path string
		list []string
		want bool
	}{
		{"/workspace", []string{"/workspace"}, true},
		{"/workspace/out", []string{"/workspace"}, true},
		{"/workspacex", []string{"/workspace"}, false},
		{"/etc", []string{"/"}, true},
		{"/etc", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := pathCovered(tt.path, tt.list); got != tt.want {
				t.Errorf("pathCovered(%q, %q) = %v, want %v", tt.path, tt.list, got, tt.want)
			}
		})
	}
}
