package mirror_test

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// peakGauge records the most requests a registry served at once, listings aside: tags,
// the catalog and referrers, which planning lists without a slot.
type peakGauge struct{ cur, peak atomic.Int64 }

func (g *peakGauge) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/tags/list") || strings.Contains(r.URL.Path, "/referrers/") ||
			r.URL.Path == "/v2/_catalog" || r.URL.Path == "/v2/" {
			h.ServeHTTP(w, r)
			return
		}
		n := g.cur.Add(1)
		defer g.cur.Add(-1)
		for {
			p := g.peak.Load()
			if n <= p || g.peak.CompareAndSwap(p, n) {
				break
			}
		}
		// Yield a while before serving, so that requests the client sends at once are in
		// flight at once here too (on loopback each is otherwise served before the next
		// arrives, and no bound would ever be seen exceeded).
		for range 200 {
			runtime.Gosched()
		}
		h.ServeHTTP(w, r)
	})
}

// TestJobsBoundEachRegistry: Sync and Plan then Apply send at most Jobs requests at a
// time to each registry (listings aside). TestSlotsPerRegistry pins that the two
// registries' slots are apart.
func TestJobsBoundEachRegistry(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"sync", "plan then apply"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			var src, dst peakGauge
			e := &syncEnv{srcRec: testutil.NewRecorder(), dstRec: testutil.NewRecorder(), fx: testutil.NewFixture(7, 1<<10)}
			e.src = testutil.NewGGCRRegistry(t, func(h http.Handler) http.Handler { return src.wrap(e.srcRec.Wrap(h)) })
			e.dst = testutil.NewGGCRRegistry(t, func(h http.Handler) http.Handler { return dst.wrap(e.dstRec.Wrap(h)) })
			refs := map[string]any{}
			for r := range 6 {
				for tg := range 4 {
					refs[fmt.Sprintf("j/r%d:t%d", r, tg)] = e.fx.Image(fmt.Sprintf("j%d-%d", r, tg), 1, 10+r, 100+r*10+tg)
				}
			}
			want := e.push(t, e.src.Host, refs)
			src.peak.Store(0)
			s := e.syncer(t, mirror.Options{Jobs: 2}, nil)
			if mode == "sync" {
				e.runSync(t, s)
			} else {
				e.run(t, s)
			}
			for ref, d := range want {
				if got := headDigest(t, e.dst.Host, ref); got != d {
					t.Errorf("%s = %q, want %s", ref, got, d)
				}
			}
			if s, d := src.peak.Load(), dst.peak.Load(); s > 2 || d > 2 || s == 0 || d == 0 {
				t.Errorf("peak requests in flight: source %d, destination %d; want 1 or 2 each (Jobs 2)", s, d)
			}
		})
	}
}
