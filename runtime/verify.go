package runtime

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// liveProcess is what the kernel says about a process' confinement, read
// from /proc/PID/status and /proc/PID/ns.
type liveProcess struct {
	seccompMode int    // 0 disabled, 1 strict, 2 filter
	noNewPrivs  bool   // NoNewPrivs
	capEff      uint64 // effective capabilities
	capPrm      uint64
	capBnd      uint64
	capAmb      uint64
	namespaces  map[string]string // "net" -> "net:[4026531840]"
}

// readLiveProcess reads the confinement of pid.
func readLiveProcess(pid int) (*liveProcess, error) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	lp := &liveProcess{namespaces: map[string]string{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		if err := lp.set(key, strings.TrimSpace(val)); err != nil {
			return nil, fmt.Errorf("parse %s field %s: %w", path, key, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	for _, ns := range namespaceKinds {
		if link, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns)); err == nil {
			lp.namespaces[ns] = link
		}
	}
	return lp, nil
}

func (lp *liveProcess) set(key, val string) error {
	var err error
	switch key {
	case "Seccomp":
		lp.seccompMode, err = strconv.Atoi(val)
	case "NoNewPrivs":
		lp.noNewPrivs = val == "1"
	case "CapEff":
		lp.capEff, err = strconv.ParseUint(val, 16, 64)
	case "CapPrm":
		lp.capPrm, err = strconv.ParseUint(val, 16, 64)
	case "CapBnd":
		lp.capBnd, err = strconv.ParseUint(val, 16, 64)
	case "CapAmb":
		lp.capAmb, err = strconv.ParseUint(val, 16, 64)
	}
	return err
}

// namespaceKinds are the namespaces readLiveProcess records.
var namespaceKinds = []string{"cgroup", "ipc", "mnt", "net", "pid", "user", "uts"}

// ownNamespaces records agentrt's own namespaces. It must be called
// before libcontainer starts the container: to prepare mount sources
// libcontainer moves a locked thread into the container's mount namespace,
// and when that is the main thread it stays there, so /proc/self/ns/mnt
// names the container's namespace from then on.
func ownNamespaces() map[string]string {
	out := map[string]string{}
	for _, ns := range namespaceKinds {
		if link, err := os.Readlink("/proc/thread-self/ns/" + ns); err == nil {
			out[ns] = link
		}
	}
	return out
}

// sharesNamespace reports whether the process is in the namespace of kind
// ns that own (from ownNamespaces) names.
func (lp *liveProcess) sharesNamespace(own map[string]string, ns string) bool {
	return own[ns] != "" && lp.namespaces[ns] == own[ns]
}
