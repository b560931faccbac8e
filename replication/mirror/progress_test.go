package mirror_test

import (
	"context"
	"sync"
	"testing"

	"github.com/regdr/regdr/replication/mirror"
)

// countingLimiter records every byte it is asked for.
type countingLimiter struct {
	mu sync.Mutex
	n  int64
}

func (l *countingLimiter) WaitN(_ context.Context, n int) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n += int64(n)
	return nil
}

func TestProgressAndLimiter(t *testing.T) {
	t.Parallel()
	e := newSyncDistributionEnv(t)
	e.push(t, e.src.Host, map[string]any{
		"p/a:1": e.fx.Image("a", 1, 2),
		"p/b:1": e.fx.Image("b", 1, 3),
	})
	lim := &countingLimiter{}
	var events []mirror.Event
	s := e.syncer(t, mirror.Options{Limiter: lim, Progress: func(ev mirror.Event) {
		events = append(events, ev) // calls are serialised
	}}, nil)
	_, rep := e.run(t, s)

	var bytes int64
	kinds := map[mirror.EventKind]int{}
	outcomes := map[string]int{}
	for _, ev := range events {
		kinds[ev.Kind]++
		if ev.Kind == mirror.EventBytes {
			bytes += ev.Bytes
		}
		if ev.Kind == mirror.EventBlob {
			outcomes[ev.Outcome]++
		}
	}
	if bytes != rep.BytesUploaded || bytes == 0 {
		t.Errorf("progress bytes %d, report %d", bytes, rep.BytesUploaded)
	}
	if kinds[mirror.EventItem] != 2 || kinds[mirror.EventManifest] != 2 {
		t.Errorf("events by kind = %v, want 2 items and 2 manifests", kinds)
	}
	if outcomes["uploaded"] != rep.BlobsUploaded || outcomes["mounted"] != rep.BlobsMounted || rep.BlobsMounted != 1 {
		t.Errorf("blob events %v, report %v; want the shared layer mounted once", outcomes, rep)
	}
	// Every blob byte went through the shared limiter (manifests and listings too).
	if lim.n < rep.BytesUploaded {
		t.Errorf("limiter saw %d bytes, %d were uploaded", lim.n, rep.BytesUploaded)
	}
}
