package spec

import (
	"fmt"
	"path"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/agentrt/agentrt/policy"
)

// device is a character device by its numbers.
type device struct{ major, minor int64 }

// standardDevices are the device nodes every container has: runc creates
// them itself, so an engine listing them in linux.devices is harmless.
// The pts nodes (major 136-143) are checked separately.
var standardDevices = map[string]device{
	"/dev/null":    {1, 3},
	"/dev/zero":    {1, 5},
	"/dev/full":    {1, 7},
	"/dev/random":  {1, 8},
	"/dev/urandom": {1, 9},
	"/dev/tty":     {5, 0},
	"/dev/console": {5, 1},
	"/dev/ptmx":    {5, 2},
}

// checkDevices refuses device nodes in linux.devices beyond the standard
// set, unless the admin lists the device path in isolation.mount_sources.
// A node is judged by its numbers, not only its path: "/dev/null" with
// the numbers of a disk is that disk.
func checkDevices(s *specs.Spec, p *policy.Policy, plan *Plan) error {
	if s.Linux == nil {
		return nil
	}
	var errs []error
	for i, d := range s.Linux.Devices {
		reason := deviceReason(d)
		if reason == "" || allowedSource(p, d.Path) {
			continue
		}
		errs = append(errs, &RefusalError{Field: fmt.Sprintf("linux.devices[%d].path", i),
			Value: d.Path, Reason: reason, Key: keyMountSources})
	}
	return refuse(p, plan, errs)
}

// deviceReason says why a device node is refused, or returns "".
func deviceReason(d specs.LinuxDevice) string {
	p := path.Clean(d.Path)
	char := d.Type == "c" || d.Type == "u"
	nums := fmt.Sprintf("%s %d:%d", d.Type, d.Major, d.Minor)
	if std, ok := standardDevices[p]; ok {
		if char && (device{d.Major, d.Minor}) == std {
			return ""
		}
		return "a standard device path with the numbers of another device (" + nums + ")"
	}
	if strings.HasPrefix(p, "/dev/pts/") && char && d.Major >= 136 && d.Major <= 143 {
		return ""
	}
	return "a host device beyond the standard set (" + nums + ")"
}
