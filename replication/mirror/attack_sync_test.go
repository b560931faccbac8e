package mirror_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// A hostile reviewer's attacks on Syncer.Sync and Options.State: crashes between steps,
// racing writers, shifting listings, odd Jobs, failing state writes.

// stateClaims reads the state file at path as JSON and returns what it claims:
// "repo:tag" → digest. A missing file claims nothing.
func stateClaims(t *testing.T, path string) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Repos map[string]struct {
			Tags map[string]string `json:"tags"`
		} `json:"repos"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("state file does not parse: %v", err)
	}
	out := map[string]string{}
	for repo, r := range f.Repos {
		for tag, d := range r.Tags {
			out[repo+":"+tag] = d
		}
	}
	return out
}

// checkClaims fails the test for any claim of the state file the destination does not hold.
func checkClaims(t *testing.T, path, dst string) int {
	t.Helper()
	claims := stateClaims(t, path)
	for ref, d := range claims {
		if got := headDigest(t, dst, ref); got != d {
			t.Errorf("state claims %s = %s, destination holds %q", ref, d, got)
		}
	}
	return len(claims)
}

// shiftingCatalog serves the source's catalog in two pages as an offset-paging registry
// does when a repository is created between the two requests: the last repository of
// the first page comes again at the top of the second.
func shiftingCatalog(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/_catalog" {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("last") == "" {
			w.Header().Set("Link", `</v2/_catalog?last=d%2Fb&n=2>; rel="next"`)
			fmt.Fprint(w, `{"repositories":["d/a","d/b"]}`)
			return
		}
		fmt.Fprint(w, `{"repositories":["d/b","d/c"]}`)
	})
}

// A source whose catalog changes between pages lists a repository twice: Sync must still
// sync it once — not plan and copy it twice side by side, pushing its manifests twice and
// reporting its items twice.
func TestAttackSyncShiftingCatalogListsARepositoryTwice(t *testing.T) {
	t.Parallel()
	e := &syncEnv{srcRec: testutil.NewRecorder(), dstRec: testutil.NewRecorder(), fx: testutil.NewFixture(11, 2<<10)}
	e.src = testutil.NewGGCRRegistry(t, func(h http.Handler) http.Handler { return shiftingCatalog(e.srcRec.Wrap(h)) })
	e.dst = testutil.NewGGCRRegistry(t, e.dstRec.Wrap)
	want := e.push(t, e.src.Host, map[string]any{
		"d/a:v1": e.fx.Image("a", 1), "d/b:v1": e.fx.Image("b", 2), "d/c:v1": e.fx.Image("c", 3),
	})
	rep := e.runSync(t, e.syncer(t, mirror.Options{Jobs: 2}, nil))
	if rep.Items != len(want) {
		t.Errorf("report has %d items, want %d: %v", rep.Items, len(want), rep)
	}
	puts := map[string]int{}
	for _, q := range e.dstRec.Requests() {
		if q.Method == http.MethodPut && q.Kind == "manifest" {
			puts[q.Repo+":"+q.Ref]++
		}
	}
	for ref, n := range puts {
		if n != 1 {
			t.Errorf("%s pushed %d times, want once", ref, n)
		}
	}
	for ref, d := range want {
		if got := headDigest(t, e.dst.Host, ref); got != d {
			t.Errorf("%s = %q, want %q", ref, got, d)
		}
	}
}

// cancelOn is a RoundTripper that cancels the run, once, on the first request matching
// match (that request then fails with the cancellation).
type cancelOn struct {
	rt     http.RoundTripper
	match  func(*http.Request) bool
	cancel context.CancelFunc
	mu     sync.Mutex
	n      int // requests matched so far
	at     int // cancel on the at-th match (1-based)
}

func (c *cancelOn) RoundTrip(req *http.Request) (*http.Response, error) {
	if c.match(req) {
		c.mu.Lock()
		c.n++
		if c.n == c.at {
			c.cancel()
		}
		c.mu.Unlock()
	}
	return c.rt.RoundTrip(req)
}

// Sync cancelled at every phase — the source's listing, a repository's planning, the
// first copy request of a later repository, mid-blob, between an index's children and
// the index — then run again, with a state file: the state never claims what the
// destination does not hold, the second run mirrors, and no blob is committed twice.
func TestAttackSyncCancelledAtEveryPhaseWithState(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		onSrc bool
		at    int
		match func(*http.Request) bool
	}{
		{"listing repositories", true, 1, func(r *http.Request) bool { return r.URL.Path == "/v2/_catalog" }},
		{"planning a repository", false, 1, func(r *http.Request) bool {
			return strings.HasSuffix(r.URL.Path, "/f/r1/tags/list")
		}},
		{"first copy request of a later repository", false, 1, func(r *http.Request) bool {
			return strings.HasPrefix(r.URL.Path, "/v2/f/r2/blobs/")
		}},
		{"mid-blob", false, 5, func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/")
		}},
		{"between an index's children and the index", false, 1, func(r *http.Request) bool {
			return r.Method == http.MethodPut && r.URL.Path == "/v2/f/multi/manifests/1"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSyncDistributionEnv(t)
			path := t.TempDir() + "/state.json"
			want := e.push(t, e.src.Host, faultWorkload(e))
			// A first full run and a tag moved at the source, so the state has records to keep
			// or drop.
			e.runSync(t, e.syncer(t, mirror.Options{State: path, Jobs: 2}, nil))
			for r := range 4 {
				ref := fmt.Sprintf("f/r%d:t0", r)
				want[ref] = e.push(t, e.src.Host, map[string]any{ref: e.fx.Image(fmt.Sprintf("moved%d", r), 60, 90+r)})[ref]
			}
			multi := e.fx.Index("fm2", []string{"amd64", "arm64"}, 95)
			want["f/multi:1"] = e.push(t, e.src.Host, map[string]any{"f/multi:1": multi})["f/multi:1"]
			e.dstRec.Reset()

			ctx, cancel := context.WithCancel(testCtx(t))
			defer cancel()
			hook := &cancelOn{rt: http.DefaultTransport, match: tc.match, cancel: cancel, at: tc.at}
			var s *mirror.Syncer
			if tc.onSrc {
				s = e.syncer2(t, mirror.Options{State: path, Jobs: 2, Override: true}, hook, nil)
			} else {
				s = e.syncer2(t, mirror.Options{State: path, Jobs: 2, Override: true}, nil, hook)
			}
			rep, err := s.Sync(ctx)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled Sync = %v, %v; want context.Canceled", rep, err)
			}
			if hook.n < tc.at {
				t.Fatalf("the cancelling request never came: the test tests nothing")
			}
			checkClaims(t, path, e.dst.Host)
			e.runSync(t, e.syncer(t, mirror.Options{State: path, Jobs: 2, Override: true}, nil))
			for ref, d := range want {
				if got := headDigest(t, e.dst.Host, ref); got != d {
					t.Errorf("%s = %q, want %q", ref, got, d)
				}
			}
			if n := checkClaims(t, path, e.dst.Host); n != len(want) {
				t.Errorf("state claims %d tags after the second run, want all %d", n, len(want))
			}
			for d, n := range e.dstRec.BlobUploads() {
				if n != 1 {
					t.Errorf("blob %s committed %d times over both runs, want once", d, n)
				}
			}
			puts := map[string]int{}
			for _, q := range e.dstRec.Requests() {
				if q.Method == http.MethodPut && q.Kind == "manifest" && q.Status/100 == 2 {
					puts[q.Repo+"@"+q.Ref]++
				}
			}
			for ref, n := range puts {
				if n != 1 {
					t.Errorf("manifest %s pushed %d times over both runs, want once", ref, n)
				}
			}
		})
	}
}
