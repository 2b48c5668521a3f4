package shim

import (
	"context"
	"encoding/json"
	"maps"
	"time"

	eventstypes "github.com/containerd/containerd/api/events"
	"github.com/containerd/containerd/v2/core/events"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/containerd/log"

	"github.com/agentrt/agentrt/annotations"
)

// Event topics the shim publishes on, besides the runc shim's task events.
const (
	// TopicReport carries the enforcement report of a created container.
	TopicReport = "/agentrt/report"
	// TopicEgressDenied carries the egress denial counters of a running
	// container, each time they change.
	TopicEgressDenied = "/agentrt/egress/denied"
)

// LabelEgressDenied is the label of a TopicEgressDenied event: a JSON
// object of destination address → packets refused since create.
const LabelEgressDenied = "agentrt.io/egress.denied"

// publishTimeout bounds one event's delivery to containerd.
const publishTimeout = 10 * time.Second

// reportEvent is the TopicReport event of container id.
func reportEvent(id string, rep *report, img *imageInfo) *eventstypes.ContainerUpdate {
	labels := map[string]string{reportAnnotation: rep.raw}
	setIf(labels, annotations.KeyImageDigest, img.Digest)
	setIf(labels, keyImageUnavailable, img.Unavailable)
	return &eventstypes.ContainerUpdate{ID: id, Image: img.Ref, Labels: labels}
}

// publish sends an event in the background: create does not wait for
// containerd to take it, and a failure is logged, since the container
// already runs under its policy.
func publish(ctx context.Context, p events.Publisher, topic string, ev *eventstypes.ContainerUpdate) {
	ns, _ := namespaces.Namespace(ctx)
	logger := log.G(ctx)
	go func() {
		ctx, cancel := context.WithTimeout(namespaces.WithNamespace(context.Background(), ns), publishTimeout)
		defer cancel()
		if err := p.Publish(ctx, topic, ev); err != nil {
			logger.WithError(err).WithField("topic", topic).Warn("publish event failed; subscribers miss it")
		}
	}()
}

// EgressDenials returns the egress packets refused per destination
// address by the firewall of the network namespace at netnsPath, as
// runtime/egress.Denials does.
type EgressDenials func(netnsPath string) (map[string]uint64, error)

// egressPollInterval is how often the shim reads a container's denial
// counters.
const egressPollInterval = 10 * time.Second

// watchEgress reads the denial counters of container id every interval and
// publishes them whenever they change (none denied is no news), until ctx
// ends (the container is deleted) or the counters can no longer be read
// (the network namespace is gone).
func watchEgress(ctx context.Context, p events.Publisher, denials EgressDenials, id, netns string, every time.Duration) {
	var last map[string]uint64
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		counts, err := denials(netns)
		if err != nil {
			log.G(ctx).WithError(err).WithField("path", netns).Debug("egress counters gone; stop watching")
			return
		}
		if maps.Equal(counts, last) {
			continue
		}
		last = counts
		data, _ := json.Marshal(counts)
		publish(ctx, p, TopicEgressDenied, &eventstypes.ContainerUpdate{
			ID: id, Labels: map[string]string{LabelEgressDenied: string(data)},
		})
	}
}
