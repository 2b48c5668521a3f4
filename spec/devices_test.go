package spec

import (
	"errors"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestCheckDevices(t *testing.T) {
	tests := []struct {
		name    string
		dev     specs.LinuxDevice
		allow   []string
		refused bool
	}{
		{"null", specs.LinuxDevice{Path: "/dev/null", Type: "c", Major: 1, Minor: 3}, nil, false},
		{"ptmx", specs.LinuxDevice{Path: "/dev/ptmx", Type: "c", Major: 5, Minor: 2}, nil, false},
		{"pts node", specs.LinuxDevice{Path: "/dev/pts/3", Type: "c", Major: 136, Minor: 3}, nil, false},
		{"null path, disk numbers", specs.LinuxDevice{Path: "/dev/null", Type: "b", Major: 8, Minor: 0}, nil, true},
		{"zero path, mem numbers", specs.LinuxDevice{Path: "/dev/zero", Type: "c", Major: 1, Minor: 1}, nil, true},
		{"fuse", specs.LinuxDevice{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}, nil, true},
		{"disk", specs.LinuxDevice{Path: "/dev/sda", Type: "b", Major: 8, Minor: 0}, nil, true},
		{"pts path, other numbers", specs.LinuxDevice{Path: "/dev/pts/0", Type: "c", Major: 4, Minor: 0}, nil, true},
		{"admin allows fuse", specs.LinuxDevice{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}, []string{"/dev/fuse"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := enforcePolicy()
			p.Isolation.MountSources = tt.allow
			s := &specs.Spec{Linux: &specs.Linux{Devices: []specs.LinuxDevice{tt.dev}}}
			_, err := runStep(t, checkDevices, s, p)
			if got := err != nil; got != tt.refused {
				t.Fatalf("refused: got %v (%v), want %v", got, err, tt.refused)
			}
			var re *RefusalError
			if err != nil && (!errors.As(err, &re) || re.Field != "linux.devices[0].path") {
				t.Errorf("got %v, want a RefusalError for linux.devices[0].path", err)
			}
		})
	}
	if _, err := runStep(t, checkDevices, &specs.Spec{}, enforcePolicy()); err != nil {
		t.Errorf("spec without linux: got %v, want nil", err)
	}
}
