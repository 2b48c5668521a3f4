package shim

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	eventstypes "github.com/containerd/containerd/api/events"
	"github.com/containerd/containerd/v2/core/events"
	"github.com/containerd/containerd/v2/pkg/namespaces"
	"github.com/google/go-cmp/cmp"
)

// recorder is an events.Publisher that keeps what it is given.
type recorder struct {
	mu     sync.Mutex
	topics []string
	events []*eventstypes.ContainerUpdate
	ns     []string
	got    chan struct{}
}

func (r *recorder) Publish(ctx context.Context, topic string, ev events.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ns, _ := namespaces.Namespace(ctx)
	r.topics = append(r.topics, topic)
	r.events = append(r.events, ev.(*eventstypes.ContainerUpdate))
	r.ns = append(r.ns, ns)
	r.got <- struct{}{}
	return nil
}

func TestReportEvent(t *testing.T) {
	rep := &report{PolicyHash: "sha256:1", raw: `{"policyHash":"sha256:1"}`}
	tests := []struct {
		name string
		img  *imageInfo
		want *eventstypes.ContainerUpdate
	}{
		{"image read", &imageInfo{Ref: "a:1", Digest: "sha256:2"}, &eventstypes.ContainerUpdate{
			ID: "c1", Image: "a:1", Labels: map[string]string{reportAnnotation: rep.raw, "agentrt.io/image.digest": "sha256:2"}}},
		{"no image", &imageInfo{Unavailable: "the container record names no image"}, &eventstypes.ContainerUpdate{
			ID: "c1", Labels: map[string]string{reportAnnotation: rep.raw, keyImageUnavailable: "the container record names no image"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := reportEvent("c1", rep, tt.img)
			if got.ID != tt.want.ID || got.Image != tt.want.Image || !cmp.Equal(got.Labels, tt.want.Labels) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestWatchEgress(t *testing.T) {
	rec := &recorder{got: make(chan struct{}, 8)}
	var mu sync.Mutex
	reads := []map[string]uint64{{}, {"1.2.3.4:443/tcp": 1}, {"1.2.3.4:443/tcp": 1}, {"1.2.3.4:443/tcp": 2}}
	denials := func(netns string) (map[string]uint64, error) {
		mu.Lock()
		defer mu.Unlock()
		if netns != "/proc/7/ns/net" {
			t.Errorf("got netns %q, want /proc/7/ns/net", netns)
		}
		if len(reads) == 0 {
			return nil, errors.New("netns gone")
		}
		r := reads[0]
		reads = reads[1:]
		return r, nil
	}
	ctx := namespaces.WithNamespace(context.Background(), "ns1")
	done := make(chan struct{})
	go func() {
		watchEgress(ctx, rec, denials, "c1", "/proc/7/ns/net", time.Millisecond)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("watchEgress did not stop when the counters could no longer be read")
	}
	for range 2 {
		select {
		case <-rec.got:
		case <-time.After(10 * time.Second):
			t.Fatal("event not published")
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var got []string
	for i, ev := range rec.events {
		if rec.topics[i] != TopicEgressDenied || rec.ns[i] != "ns1" || ev.ID != "c1" {
			t.Errorf("event %d: got topic %q namespace %q id %q", i, rec.topics[i], rec.ns[i], ev.ID)
		}
		got = append(got, ev.Labels[LabelEgressDenied])
	}
	want := []string{`{"1.2.3.4:443/tcp":1}`, `{"1.2.3.4:443/tcp":2}`}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("published counters, one per change (-want +got):\n%s", diff)
	}
}

func TestMaybeWatchEgress(t *testing.T) {
	denials := func(string) (map[string]uint64, error) { return nil, nil }
	s := &service{publisher: &recorder{got: make(chan struct{}, 8)}, denials: denials, watchers: map[string]egressWatch{}}
	ctx := namespaces.WithNamespace(context.Background(), "ns1")
	pod := &bundleSpec{doc: map[string]json.RawMessage{"linux": json.RawMessage(`{"namespaces":[{"type":"network","path":"/run/netns/pod1"}]}`)}}
	own := &bundleSpec{doc: map[string]json.RawMessage{}}
	on := &report{Layers: map[string]string{"egress": "enforced: none: loopback only"}}
	off := &report{Layers: map[string]string{"egress": "off: egress open"}}
	s.maybeWatchEgress(ctx, "sandbox", 10, &createPlan{ns: "ns1", spec: pod}, on)
	s.maybeWatchEgress(ctx, "app", 11, &createPlan{ns: "ns1", spec: pod}, on)
	s.maybeWatchEgress(ctx, "alone", 12, &createPlan{ns: "ns1", spec: own}, on)
	s.maybeWatchEgress(ctx, "open", 13, &createPlan{ns: "ns1", spec: own}, off)
	got := map[string]string{}
	for id, w := range s.watchers {
		got[id] = w.netns
	}
	want := map[string]string{"sandbox": "/run/netns/pod1", "alone": "/proc/12/ns/net"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("watches, one per network namespace with egress rules (-want +got):\n%s", diff)
	}
	s.stopWatch("sandbox")
	s.stopWatch("alone")
	if len(s.watchers) != 0 {
		t.Errorf("watches left after delete: %v", s.watchers)
	}
}
