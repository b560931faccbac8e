package mirror_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// A blob PUT that fails before its body was read (here a 503 injected in the client's
// transport, as a dial failure or a reset before the first byte would) is sent again on
// the same upload session: no second session, no second source GET. Every session's
// first PUT fails, its second does not (the fault's MaxInARow is per path): only the
// retry on the session lands the blob, a fresh session each attempt never would.
func TestBlobPutRetriedOnItsSession(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	img := e.fx.Image("one", 500)
	want := e.push(t, e.src.Host, map[string]any{"p/a:1": img})
	faults := testutil.NewFaultTransport(nil, testutil.Faults{Seed: 1, Rate: 1, MaxInARow: 1,
		Kinds: []testutil.FaultKind{testutil.Fault5xx},
		Match: func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/")
		}})
	s := e.syncer(t, mirror.Options{Jobs: 1, Clock: &testutil.ImmediateClock{}}, faults)
	e.srcRec.Reset()
	e.run(t, s)
	if got := headDigest(t, e.dst.Host, "p/a:1"); got != want["p/a:1"] {
		t.Fatalf("p/a:1 = %q, want %s", got, want["p/a:1"])
	}
	if faults.Injected()[testutil.Fault5xx] == 0 {
		t.Fatal("no PUT failed: the test tests nothing")
	}
	posts := e.dstRec.Count(func(q testutil.Request) bool { return q.Method == http.MethodPost && q.Kind == "upload" })
	gets := e.srcRec.Count(func(q testutil.Request) bool { return q.Method == http.MethodGet && q.Kind == "blob" })
	// The image's config and layer: two sessions and two GETs, as if nothing had failed.
	if posts != 2 || gets != 2 {
		t.Errorf("%d upload sessions and %d source blob GETs, want 2 and 2", posts, gets)
	}
}
