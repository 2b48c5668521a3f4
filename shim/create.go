package shim

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	taskAPI "github.com/containerd/containerd/api/runtime/task/v3"
	"github.com/containerd/containerd/api/types/runc/options"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/log"
	"golang.org/x/sys/unix"
)

// createPlan is what agentrt's steps decided before the runc shim creates
// the container.
type createPlan struct {
	ns     string
	binary string
	opts   *options.Options
	image  *imageInfo
	spec   *bundleSpec
}

// Create sets the container up for agentrt (runtime binary, image
// channel), has the runc shim create it, and keeps it only if agentrt's
// report is in its state.
func (s *service) Create(ctx context.Context, r *taskAPI.CreateTaskRequest) (*taskAPI.CreateTaskResponse, error) {
	plan, err := s.prepare(ctx, r)
	if err != nil {
		return nil, toGRPC(fmt.Errorf("create %q: %w", r.ID, err))
	}
	resp, err := s.TTRPCTaskService.Create(ctx, r)
	if err != nil {
		return nil, err
	}
	state := runtimeState(plan.binary, plan.opts.Root, plan.ns, r.Bundle, plan.opts.SystemdCgroup)
	rep, err := readReport(ctx, state, plan.binary, r.ID)
	if err != nil {
		s.deleteRefused(ctx, r.ID)
		return nil, toGRPC(fmt.Errorf("create %q: %w; the container was deleted", r.ID, err))
	}
	log.G(ctx).WithFields(log.Fields{"id": r.ID, "namespace": plan.ns, "policy": rep.PolicyHash}).
		Info("created under agent policy")
	publish(ctx, s.publisher, TopicReport, reportEvent(r.ID, rep, plan.image))
	s.maybeWatchEgress(ctx, r.ID, int(resp.Pid), plan, rep)
	return resp, nil
}

// prepare runs agentrt's steps before create: it chooses the runtime
// binary and root, and writes the image channel into the bundle's spec.
func (s *service) prepare(ctx context.Context, r *taskAPI.CreateTaskRequest) (*createPlan, error) {
	ns, err := namespaces.NamespaceRequired(ctx)
	if err != nil {
		return nil, err
	}
	plan := &createPlan{ns: ns}
	if err := s.chooseRuntime(ctx, r, plan); err != nil {
		return nil, err
	}
	if plan.spec, err = readBundleSpec(r.Bundle); err != nil {
		return nil, err
	}
	if plan.image, err = s.lookupImage(ctx, ns, r.ID, plan.spec.annotations); err != nil {
		return nil, err
	}
	return plan, s.writeImageChannel(ctx, r.ID, plan)
}

// chooseRuntime resolves the runtime binary from the request's options
// and rewrites them for the runc shim: agentrt, under agentrt's root.
func (s *service) chooseRuntime(ctx context.Context, r *taskAPI.CreateTaskRequest, plan *createPlan) error {
	opts, err := decodeOptions(r.Options)
	if err != nil {
		return err
	}
	binary, other, err := s.binaries.resolve(opts.BinaryName)
	if err != nil {
		return err
	}
	if other {
		log.G(ctx).WithFields(log.Fields{"id": r.ID, "path": binary}).
			Info("runtime binary other than agentrt, allowed by shim.allowed_binaries; it must still leave agentrt's report")
	}
	plan.binary = binary
	plan.opts = agentrtOptions(opts, plan.binary)
	r.Options, err = marshalOptions(plan.opts)
	return err
}

// lookupImage reads the container's image from containerd. A containerd
// that cannot be reached leaves the image channel empty, as an image that
// cannot be read does.
func (s *service) lookupImage(ctx context.Context, ns, id string, spec map[string]string) (*imageInfo, error) {
	store, err := dialContainerd(s.address, ns)
	if err != nil {
		return &imageInfo{Unavailable: err.Error()}, nil
	}
	defer store.close()
	ctx, cancel := context.WithTimeout(ctx, imageLookupTimeout)
	defer cancel()
	return lookupImage(ctx, store, id, spec)
}

// writeImageChannel replaces the spec's image channel with the image's.
func (s *service) writeImageChannel(ctx context.Context, id string, plan *createPlan) error {
	logger := log.G(ctx).WithFields(log.Fields{"id": id, "namespace": plan.ns})
	out, dropped := applyImageChannel(plan.spec.annotations, plan.image)
	if len(dropped) > 0 {
		logger.WithField("keys", dropped).Info("dropped image channel keys the spec already had: only the shim writes them")
	}
	switch {
	case plan.image.Unavailable == "":
	case plan.image.Ref == "":
		// Nothing to read (Docker, ctr run --rootfs): not a downgrade.
		logger.WithField("reason", plan.image.Unavailable).Info("no image channel")
	default:
		logger.WithField("reason", plan.image.Unavailable).
			Warn("image not read: its requests and the admin's image rules do not apply, the profile's defaults do")
	}
	return plan.spec.write(out)
}

// deleteRefused removes a container whose runtime is not agentrt.
func (s *service) deleteRefused(ctx context.Context, id string) {
	logger := log.G(ctx).WithField("id", id)
	if _, err := s.TTRPCTaskService.Kill(ctx, &taskAPI.KillRequest{ID: id, Signal: uint32(unix.SIGKILL), All: true}); err != nil {
		logger.WithError(err).Debug("kill the container of a runtime that is not agentrt")
	}
	if _, err := s.TTRPCTaskService.Delete(ctx, &taskAPI.DeleteRequest{ID: id}); err != nil {
		logger.WithError(err).Error("delete the container of a runtime that is not agentrt failed; it may be left behind")
	}
}

// maybeWatchEgress starts publishing the container's egress denial
// counters when the shim has an EgressDenials hook and the report says
// the egress firewall is on. Containers of a pod share the sandbox's
// network namespace and its counters: only the first one (the sandbox)
// is watched.
func (s *service) maybeWatchEgress(ctx context.Context, id string, pid int, plan *createPlan, rep *report) {
	layer := rep.Layers["egress"]
	if s.denials == nil || !(strings.HasPrefix(layer, "enforced") || strings.HasPrefix(layer, "audit")) {
		return
	}
	netns := plan.spec.netnsPath()
	if netns == "" {
		netns = fmt.Sprintf("/proc/%d/ns/net", pid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.watchers {
		if w.netns == netns {
			return
		}
	}
	wctx, cancel := context.WithCancel(namespaces.WithNamespace(context.Background(), plan.ns))
	wctx = log.WithLogger(wctx, log.G(ctx).WithField("id", id))
	s.watchers[id] = egressWatch{netns: netns, stop: cancel}
	go watchEgress(wctx, s.publisher, s.denials, id, netns, egressPollInterval)
}

// netnsPath is the network namespace the spec joins by path (a pod's), or
// "" when the container gets a new one.
func (b *bundleSpec) netnsPath() string {
	var linux struct {
		Namespaces []struct {
			Type string `json:"type"`
			Path string `json:"path"`
		} `json:"namespaces"`
	}
	if err := json.Unmarshal(b.doc["linux"], &linux); err != nil {
		return ""
	}
	for _, ns := range linux.Namespaces {
		if ns.Type == "network" {
			return ns.Path
		}
	}
	return ""
}
