package mirror_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/replication/mirror"
)

// A Syncer's request slots outlive a Sync: one cancelled at any phase must give back
// every slot it took, or the next Sync on the same Syncer (Jobs 1: one slot) waits for
// ever.
func TestAttackSyncSlotsSurviveCancellation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		at    int
		match func(*http.Request) bool
	}{
		{"a destination HEAD while planning", 2, func(r *http.Request) bool {
			return r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/manifests/")
		}},
		{"a blob upload", 2, func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/")
		}},
		{"a manifest push", 2, func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/manifests/")
		}},
		{"a late HEAD (verifying)", 12, func(r *http.Request) bool {
			return r.Method == http.MethodHead && strings.Contains(r.URL.Path, "/manifests/")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSyncGGCREnv(t)
			want := e.push(t, e.src.Host, faultWorkload(e))
			e.runSync(t, e.syncer(t, mirror.Options{}, nil))
			for r := 1; r < 4; r++ { // moved at the source: HEADs while planning, then copies
				ref := fmt.Sprintf("f/r%d:t0", r)
				want[ref] = e.push(t, e.src.Host, map[string]any{ref: e.fx.Image(fmt.Sprintf("moved%d", r), 60, 90+r)})[ref]
			}
			ctx, cancel := context.WithCancel(testCtx(t))
			defer cancel()
			hook := &cancelOn{rt: http.DefaultTransport, match: tc.match, cancel: cancel, at: tc.at}
			s := e.syncer(t, mirror.Options{Jobs: 1, Override: true}, hook)
			if _, err := s.Sync(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled Sync: %v, want context.Canceled", err)
			}
			if hook.n < tc.at {
				t.Fatal("the cancelling request never came: the test tests nothing")
			}
			ctx2, cancel2 := context.WithTimeout(testCtx(t), 20*time.Second)
			defer cancel2()
			rep, err := s.Sync(ctx2)
			if err != nil || !rep.OK() {
				t.Fatalf("the same Syncer's next Sync: %v, %v (a slot the cancelled run kept?)", rep, err)
			}
			for ref, d := range want {
				if got := headDigest(t, e.dst.Host, ref); got != d {
					t.Errorf("%s = %q, want %q", ref, got, d)
				}
			}
		})
	}
}
