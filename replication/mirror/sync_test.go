package mirror_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/retry"
)

// runSync syncs, failing the test on any error, an unverified item or a manifest pushed
// before what it needs.
func (e *syncEnv) runSync(t *testing.T, s *mirror.Syncer) *mirror.Report {
	t.Helper()
	rep, err := s.Sync(testCtx(t))
	if err != nil {
		t.Fatalf("Sync: %v\n%v", err, rep)
	}
	if !rep.OK() {
		t.Fatalf("Sync report not OK: %v", rep)
	}
	if v := e.dstRec.Violations(); len(v) > 0 {
		t.Fatalf("manifest before its blobs: %v", v)
	}
	return rep
}

// Sync copies what Plan then Apply would, item for item and in the same order, never
// pushing a manifest before its blobs and children (the recorder checks every push
// against what the destination repository holds by then) or a referrer before its
// subject, each blob sent once.
func TestSyncCopiesWhatPlanThenApplyWould(t *testing.T) {
	t.Parallel()
	for _, env := range []struct {
		name   string
		new    func(*testing.T) *syncEnv
		newDst func(testing.TB, func(http.Handler) http.Handler) *testutil.Registry
		mounts bool // the registry mounts blobs across repositories
	}{
		{"ggcr", newSyncGGCREnv, testutil.NewGGCRRegistry, false},
		{"distribution", newSyncDistributionEnv, func(t testing.TB, wrap func(http.Handler) http.Handler) *testutil.Registry {
			return testutil.NewDistribution(t, testutil.DistributionOptions{}, wrap)
		}, true},
	} {
		t.Run(env.name, func(t *testing.T) {
			t.Parallel()
			e := env.new(t)
			want := e.push(t, e.src.Host, faultWorkload(e))
			img := e.fx.OCIImage("signed", 90, 60)
			subject := digestOf(img)
			sig := e.fx.Signature(desc(img), "signature payload")
			cosign := e.fx.Signature(desc(img), "cosign payload")
			cosignRef := "f/signed:sha256-" + strings.TrimPrefix(subject, "sha256:") + ".sig"
			e.push(t, e.src.Host, map[string]any{"f/signed:v1": img})
			e.push(t, e.src.Host, map[string]any{"f/signed@" + digestOf(sig): sig, cosignRef: cosign})
			want["f/signed:v1"], want[cosignRef] = subject, digestOf(cosign)
			want["f/signed@"+digestOf(sig)] = digestOf(sig)

			// Plan then Apply into another destination, for comparison.
			other := &syncEnv{src: e.src, srcRec: e.srcRec, dstRec: testutil.NewRecorder(), fx: e.fx}
			other.dst = env.newDst(t, other.dstRec.Wrap)
			p, applied := other.run(t, other.syncer(t, mirror.Options{Jobs: 3}, nil))

			rep := e.runSync(t, e.syncer(t, mirror.Options{Jobs: 3}, nil))
			var got []mirror.Item
			for _, res := range rep.Results {
				got = append(got, res.Item)
			}
			if diff := cmp.Diff(p.Items, got); diff != "" {
				t.Errorf("Sync's items differ from Plan's (-plan +sync):\n%s", diff)
			}
			if rep.Copied != applied.Copied || rep.BlobsUploaded != applied.BlobsUploaded || rep.BlobsMounted != applied.BlobsMounted ||
				rep.Manifests != applied.Manifests || rep.BytesUploaded != applied.BytesUploaded {
				t.Errorf("Sync's report %v\ndiffers from Apply's %v", rep, applied)
			}
			for ref, d := range want {
				if got := headDigest(t, e.dst.Host, ref); got != d {
					t.Errorf("destination %s = %q, want %q", ref, got, d)
				}
			}
			if env.mounts {
				if tot := p.Totals(); rep.BlobsUploaded != tot.UniqueBlobs {
					t.Errorf("%d blobs uploaded, want the %d unique ones", rep.BlobsUploaded, tot.UniqueBlobs)
				}
				for d, n := range e.dstRec.BlobUploads() {
					if n != 1 {
						t.Errorf("blob %s uploaded %d times, want once", d, n)
					}
				}
			}
			// The referrers go after their subject.
			pushed := map[string]int{}
			for i, q := range e.dstRec.Requests() {
				if q.Method == http.MethodPut && q.Kind == "manifest" {
					pushed[q.Repo+"/"+q.Ref] = i
				}
			}
			subjectAt, ok := pushed["f/signed/v1"]
			for _, ref := range []string{digestOf(sig), "sha256-" + strings.TrimPrefix(subject, "sha256:") + ".sig"} {
				if at, found := pushed["f/signed/"+ref]; !ok || !found || at < subjectAt {
					t.Errorf("referrer %s pushed at %d (found %v), its subject at %d (found %v); want after", ref, at, found, subjectAt, ok)
				}
			}
		})
	}
}

// A tag someone pushes to while Sync runs, up to right before the copy's manifest push,
// is never rolled back: without Override, or with it over a tag the plan saw absent, the
// item is a conflict (ErrTagChanged); with Override over a tag that held another image,
// the plan is stale (ErrStalePlan). The newer image stays either way.
func TestSyncLeavesATagPushedDuringTheRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		override, held bool
		want           error
	}{
		{"without Override", false, false, mirror.ErrTagChanged},
		{"with Override, tag absent when planned", true, false, mirror.ErrTagChanged},
		{"with Override, tag held another image when planned", true, true, mirror.ErrStalePlan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSyncGGCREnv(t)
			newer := e.fx.Image("newer", 2)
			e.push(t, e.src.Host, map[string]any{"team/app:v1": e.fx.Image("old", 0, 1)})
			if tc.held {
				e.push(t, e.dst.Host, map[string]any{"team/app:v1": e.fx.Image("planned", 3)})
			}
			// The newer image lands as the copy sends its first blob: after the plan looked.
			hook := &hookRT{rt: http.DefaultTransport, hook: func() {
				if err := testutil.Push(context.Background(), e.dst.Host, "team/app:v1", newer); err != nil {
					t.Errorf("pushing the newer image: %v", err)
				}
			}, match: func(r *http.Request) bool {
				return r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/blobs/uploads/")
			}}
			rep, err := e.syncer(t, mirror.Options{Override: tc.override}, hook).Sync(testCtx(t))
			if !errors.Is(err, tc.want) {
				t.Errorf("Sync error = %v, want %v", err, tc.want)
			}
			if rep == nil || rep.OK() || len(rep.Results) != 1 || rep.Results[0].Outcome == mirror.OutcomeCopied {
				t.Fatalf("report = %v, want the item refused", rep)
			}
			if got := headDigest(t, e.dst.Host, "team/app:v1"); got != digestOf(newer) {
				t.Errorf("destination team/app:v1 = %s, want the newer %s left alone", got, digestOf(newer))
			}
		})
	}
}

// Cancelling a Sync mid-copy ends it: it returns the cancellation with a report of what
// it did, sends nothing more, and the next Sync sends only what is missing.
func TestSyncCancelledMidRunEnds(t *testing.T) {
	t.Parallel()
	e := newSyncDistributionEnv(t)
	want := e.push(t, e.src.Host, faultWorkload(e))
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	var uploads atomic.Int32
	s := e.syncer(t, mirror.Options{Jobs: 2, Progress: func(ev mirror.Event) {
		if ev.Kind == mirror.EventBlob && ev.Outcome != "present" && uploads.Add(1) == 6 {
			cancel()
		}
	}}, nil)
	rep, err := s.Sync(ctx)
	if !errors.Is(err, context.Canceled) || rep == nil || rep.OK() {
		t.Fatalf("cancelled Sync = %v, %v; want a report and context.Canceled", rep, err)
	}
	src, dst := s.Requests()
	first := e.dstRec.BlobUploads()
	if len(first) == 0 {
		t.Fatalf("nothing uploaded before the cancellation: the test tests nothing")
	}
	// Nothing of the cancelled run goes on behind the caller's back.
	rep2 := e.runSync(t, e.syncer(t, mirror.Options{Jobs: 2}, nil))
	if src2, dst2 := s.Requests(); src2 != src || dst2 != dst {
		t.Errorf("the cancelled Syncer sent %d+%d requests after Sync returned", src2-src, dst2-dst)
	}
	for ref, d := range want {
		if got := headDigest(t, e.dst.Host, ref); got != d {
			t.Errorf("%s = %q, want %q", ref, got, d)
		}
	}
	for d, n := range e.dstRec.BlobUploads() {
		if n != 1 {
			t.Errorf("blob %s committed %d times over both runs (first: %d), want once", d, n, first[d])
		}
	}
	if rep2.BlobsPresent+rep2.BlobsMounted == 0 {
		t.Errorf("second run found nothing in place: %v", rep2)
	}
}

// Over registries failing 15 % of requests (5xx, 429, resets, truncated bodies), Sync
// still ends with every artifact verified.
func TestSyncSurvivesFaults(t *testing.T) {
	t.Parallel()
	for _, env := range []struct {
		name string
		new  func(*testing.T) *syncEnv
	}{{"ggcr", newSyncGGCREnv}, {"distribution", newSyncDistributionEnv}} {
		t.Run(env.name, func(t *testing.T) {
			t.Parallel()
			e := env.new(t)
			want := e.push(t, e.src.Host, faultWorkload(e))
			srcFaults := testutil.NewFaultTransport(nil, testutil.Faults{Seed: 3, Rate: 0.15, RetryAfter: "1"})
			dstFaults := testutil.NewFaultTransport(nil, testutil.Faults{Seed: 4, Rate: 0.15, RetryAfter: "1"})
			s := e.syncer2(t, mirror.Options{Jobs: 4, Retry: retry.Policy{Attempts: 8}}, srcFaults, dstFaults)
			rep := e.runSync(t, s)
			if rep.Verified != rep.Items || rep.Items != len(want) {
				t.Errorf("report %v, want all %d items verified", rep, len(want))
			}
			for ref, d := range want {
				if got := headDigest(t, e.dst.Host, ref); got != d {
					t.Errorf("%s = %q, want %q", ref, got, d)
				}
			}
			injected := 0
			for _, f := range []*testutil.FaultTransport{srcFaults, dstFaults} {
				for _, n := range f.Injected() {
					injected += n
				}
			}
			if injected == 0 || rep.Retries == 0 {
				t.Errorf("injected %d faults, %d retries: the test tests nothing", injected, rep.Retries)
			}
		})
	}
}

// failingSource lists a registry but fails the tag listing of one repository.
type failingSource struct {
	mirror.Source
	fail string
}

var errListing = errors.New("listing refused")

func (f failingSource) Tags(ctx context.Context, repo string) ([]mirror.Tag, error) {
	if repo == f.fail {
		return nil, errListing
	}
	return f.Source.Tags(ctx, repo)
}

// A repository whose planning fails ends Sync as it ends Plan: the repositories before it
// in name order are copied and verified, none after it, and the error names it.
func TestSyncStopsAtARepositoryItCannotPlan(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	want := e.push(t, e.src.Host, faultWorkload(e)) // f/multi, f/r0 … f/r3
	src := failingSource{Source: mirror.NewRegistrySource(mirror.Endpoint{PlainHTTP: true, Registry: e.src.Host}), fail: "f/r1"}
	rep, err := e.syncer(t, mirror.Options{Source: src, Jobs: 2}, nil).Sync(testCtx(t))
	if !errors.Is(err, errListing) || !strings.Contains(fmt.Sprint(err), "f/r1") {
		t.Errorf("Sync error = %v, want the listing's error naming f/r1", err)
	}
	if pe := (*mirror.PlanningError)(nil); !errors.As(err, &pe) || pe.Repository != "f/r1" {
		t.Errorf("Sync error = %v, want a *mirror.PlanningError for f/r1", err)
	}
	if rep == nil || rep.Items != 4 || rep.Verified != 4 { // f/multi:1 and f/r0's three tags
		t.Fatalf("report = %v, want the 4 items before f/r1 verified", rep)
	}
	for ref, d := range want {
		done := strings.HasPrefix(ref, "f/multi:") || strings.HasPrefix(ref, "f/r0:")
		if got := headDigest(t, e.dst.Host, ref); (got == d) != done {
			t.Errorf("destination %s = %q; copied: %v, want %v", ref, got, got == d, done)
		}
	}
}

// maxInflight counts the requests a handler serves at once, and the most it saw. Each
// request is held for hold, so that concurrent requests overlap at the registry even on a
// loaded machine: the bound checked never depends on it, only how likely a broken bound
// is to show.
type maxInflight struct {
	cur, max atomic.Int64
	hold     time.Duration
}

func (m *maxInflight) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := m.cur.Add(1)
		defer m.cur.Add(-1)
		for {
			old := m.max.Load()
			if n <= old || m.max.CompareAndSwap(old, n) {
				break
			}
		}
		<-time.After(m.hold)
		h.ServeHTTP(w, r)
	})
}

// Planning and copying share the Jobs slots: with Jobs 2 no more than 2 transfers (each a
// blob's GET streaming into its PUT at most) and one planner's listing or manifest
// request are in flight on the two registries together.
func TestSyncBoundsRequestsInFlight(t *testing.T) {
	t.Parallel()
	m := &maxInflight{hold: 2 * time.Millisecond}
	e := &syncEnv{srcRec: testutil.NewRecorder(), dstRec: testutil.NewRecorder(), fx: testutil.NewFixture(5, 2<<10)}
	e.src = testutil.NewGGCRRegistry(t, func(h http.Handler) http.Handler { return m.wrap(e.srcRec.Wrap(h)) })
	e.dst = testutil.NewDistribution(t, testutil.DistributionOptions{}, func(h http.Handler) http.Handler { return m.wrap(e.dstRec.Wrap(h)) })
	refs := map[string]any{}
	for r := range 6 {
		for tg := range 4 {
			refs[fmt.Sprintf("b/r%d:t%d", r, tg)] = e.fx.Image(fmt.Sprintf("b%d%d", r, tg), 1, 10+r, 100+r*10+tg)
		}
	}
	e.push(t, e.src.Host, refs)
	e.runSync(t, e.syncer(t, mirror.Options{Jobs: 2}, nil))
	t.Logf("%d requests in flight at most", m.max.Load())
	if got := m.max.Load(); got > 2*2+1 {
		t.Errorf("%d requests in flight at most, want at most 5 with Jobs 2", got)
	}
}

// refuseManifests answers every manifest push 400, as a destination refusing the images.
type refuseManifests struct{ rt http.RoundTripper }

func (f refuseManifests) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/manifests/") {
		return &http.Response{StatusCode: http.StatusBadRequest, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
	}
	return f.rt.RoundTrip(req)
}

// Once the destination has mounted a blob across repositories, a blob's check is a mount
// from its own repository: the blobs an earlier run left there (here every blob: that
// run's manifest pushes were refused) are found by it and sent again never, with no HEAD.
// A registry that never mounts (ggcr's) gets the HEAD.
func TestSelfMountFindsBlobsAlreadyThere(t *testing.T) {
	t.Parallel()
	for _, env := range []struct {
		name   string
		new    func(*testing.T) *syncEnv
		mounts bool
	}{{"distribution", newSyncDistributionEnv, true}, {"ggcr", newSyncGGCREnv, false}} {
		t.Run(env.name, func(t *testing.T) {
			t.Parallel()
			e := env.new(t)
			refs := map[string]any{}
			for r := range 5 {
				refs[fmt.Sprintf("m/r%d:v1", r)] = e.fx.Image(fmt.Sprintf("m%d", r), 1, 10+r)
			}
			want := e.push(t, e.src.Host, refs)
			if rep, err := e.syncer(t, mirror.Options{Jobs: 1}, refuseManifests{http.DefaultTransport}).Sync(testCtx(t)); err == nil || rep.BlobsUploaded == 0 {
				t.Fatalf("first run = %v, %v; want blobs uploaded and manifests refused", rep, err)
			}
			uploads := e.dstRec.BlobUploads()
			e.dstRec.Reset()
			// Jobs 1: at most two repositories at a time, so m/r3 starts after one of m/r1
			// and m/r2, each mounting layer 1 from m/r0, is done.
			rep := e.runSync(t, e.syncer(t, mirror.Options{Jobs: 1}, nil))
			// (ggcr's registry takes a blob mounted from another repository as an upload:
			// the shared layer goes again there, by the mount's session.)
			if env.mounts && (rep.BlobsUploaded != 0 || len(e.dstRec.BlobUploads()) != 0) {
				t.Errorf("second run uploaded %d blobs (%v), want none: all were there (first run: %v)", rep.BlobsUploaded, e.dstRec.BlobUploads(), uploads)
			}
			for ref, d := range want {
				if got := headDigest(t, e.dst.Host, ref); got != d {
					t.Errorf("%s = %q, want %q", ref, got, d)
				}
			}
			for _, repo := range []string{"m/r3", "m/r4"} {
				heads, selfMounts := 0, 0
				for _, q := range e.dstRec.Requests() {
					if q.Repo != repo || q.Kind != "blob" && q.Kind != "upload" {
						continue
					}
					switch {
					case q.Method == http.MethodHead:
						heads++
					case q.Method == http.MethodPost && q.Mount == repo && q.Status == http.StatusCreated:
						selfMounts++
					}
				}
				switch {
				case env.mounts && (heads != 0 || selfMounts != 2): // its own layer and config
					t.Errorf("%s: %d HEADs and %d blobs found by a mount from itself, want none and 2", repo, heads, selfMounts)
				case !env.mounts && (heads == 0 || selfMounts != 0):
					t.Errorf("%s: %d HEADs and %d mounts from itself, want HEADs only", repo, heads, selfMounts)
				}
			}
		})
	}
}

// Sync maps and validates every destination name before any request to the destination,
// as Plan does, and a selection of nothing is an empty, successful run.
func TestSyncRefusesInvalidNamesBeforeWriting(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	e.push(t, e.src.Host, map[string]any{
		"lib/a/nginx:1": e.fx.Image("n", 40),
		"lib/b/nginx:1": e.fx.Image("m", 41),
		"lib/ok:1":      e.fx.Image("o", 42),
	})
	s := e.syncer(t, mirror.Options{Flattener: replication.HarborFlatten("ns", -1), Validate: replication.ValidateACRName}, nil)
	if rep, err := s.Sync(testCtx(t)); !errors.Is(err, replication.ErrCollision) || rep != nil {
		t.Fatalf("Sync() = %v, %v; want no report and ErrCollision", rep, err)
	}
	if n := len(e.dstRec.Requests()); n != 0 {
		t.Errorf("destination got %d requests before names were validated, want 0", n)
	}
	none := replication.MustRules(replication.Filter{Kind: replication.FilterName, Pattern: "nothing/*"})
	rep, err := e.syncer(t, mirror.Options{Selector: none}, nil).Sync(testCtx(t))
	if err != nil || rep == nil || rep.Items != 0 || !rep.OK() {
		t.Errorf("Sync() of nothing = %v, %v; want an empty report", rep, err)
	}
}

// TestSyncUsesState: Sync reads and writes Options.State as Plan then Apply do — a
// pipelined run after a first one looks at the destination less, lists the signature
// still, and the destination ends up mirroring the source.
func TestSyncUsesState(t *testing.T) {
	t.Parallel()
	e := newStateEnv(t)
	ctx := testCtx(t)
	if rep, err := e.syncer(t, mirror.Options{}).Sync(ctx); err != nil {
		t.Fatalf("first Sync: %v\n%v", err, rep)
	}
	if _, err := os.Stat(e.path); err != nil {
		t.Fatalf("Sync wrote no state: %v", err)
	}
	heads := func(s *mirror.Syncer) int {
		e.dstRec.Reset()
		rep, err := s.Sync(ctx)
		if err != nil || rep.Copied != 0 {
			t.Fatalf("no-op Sync = %v, %v", rep, err)
		}
		return countRequests(e.dstRec, "manifest", http.MethodHead)
	}
	without := heads(e.syncEnv.syncer(t, mirror.Options{}, nil))
	with := heads(e.syncer(t, mirror.Options{}))
	if with >= without {
		t.Errorf("no-op Sync with the state sent %d destination manifest HEADs, without it %d: want fewer", with, without)
	}
	if !e.mirrored(t, e.dst.Host) {
		t.Error("destination differs from the source")
	}
}
