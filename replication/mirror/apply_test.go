package mirror_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

func TestCopiesAndDedupes(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	fx := e.fx
	want := e.push(t, e.src.Host, map[string]any{
		"team/app:v1":  fx.Image("app1", 0, 1, 2),
		"team/app:v2":  fx.Image("app2", 0, 1, 3), // shares 0 and 1 with v1
		"team/app:v1b": fx.Image("app1", 0, 1, 2), // same digest as v1
		"lib/base:1":   fx.OCIImage("base", 0, 4),
	})
	s := e.syncer(t, mirror.Options{Jobs: 3}, nil)
	p, rep := e.run(t, s)

	tot := p.Totals()
	if tot.Copy != 4 || tot.Items != 4 {
		t.Errorf("Totals() = %+v, want 4 copies", tot)
	}
	for ref, d := range want {
		if got := headDigest(t, e.dst.Host, ref); got != d {
			t.Errorf("destination %s = %q, want %q", ref, got, d)
		}
	}
	// Every blob committed once per destination repository (this registry cannot mount).
	for d, n := range e.dstRec.BlobUploads() {
		if n > 2 {
			t.Errorf("blob %s uploaded %d times, want at most once per repository", d, n)
		}
	}
	perRepo := map[string]int{}
	for _, q := range e.dstRec.Requests() {
		if q.Kind == "upload" && q.Method == "PUT" {
			perRepo[q.Repo+"@"+q.Ref]++
		}
	}
	for k, n := range perRepo {
		if n != 1 {
			t.Errorf("%s uploaded %d times, want 1", k, n)
		}
	}
	if rep.Copied != 4 || rep.Verified != 4 {
		t.Errorf("report = %v, want 4 copied and verified", rep)
	}
	if rep.BlobsUploaded != len(perRepo) {
		t.Errorf("BlobsUploaded = %d, want %d", rep.BlobsUploaded, len(perRepo))
	}

	// A second run changes nothing, moves no blob and costs one HEAD per tag on each side
	// plus the listings.
	e.srcRec.Reset()
	e.dstRec.Reset()
	p2, rep2 := e.run(t, s)
	if p2.HasChanges() {
		t.Errorf("second plan has changes:\n%v", p2)
	}
	if rep2.Skipped != 4 || rep2.BytesUploaded != 0 {
		t.Errorf("second report = %v, want 4 skipped, no bytes", rep2)
	}
	got := map[string]int{}
	for _, q := range append(e.srcRec.Requests(), e.dstRec.Requests()...) {
		got[q.Method+" "+q.Kind]++
	}
	wantReq := map[string]int{
		"GET catalog":   1,
		"GET tags":      4, // two repositories, each side
		"HEAD manifest": 8, // 4 tags at the source, 4 at the destination
		"GET referrers": 3, // one per unique source digest
	}
	if diff := cmp.Diff(wantReq, got); diff != "" {
		t.Errorf("no-op re-sync requests (-want +got):\n%s", diff)
	}
}

func TestPlanJSONRoundTrip(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	e.push(t, e.src.Host, map[string]any{
		"a/b:1":   e.fx.Image("x", 0, 1),
		"a/idx:1": e.fx.Index("idx", []string{"amd64", "arm64"}, 1),
	})
	s := e.syncer(t, mirror.Options{}, nil)
	p, err := s.Plan(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	p2 := roundTrip(t, p)
	if diff := cmp.Diff(p, p2, cmp.AllowUnexported(mirror.Plan{}), cmp.FilterPath(func(cp cmp.Path) bool {
		return cp.Last().String() == ".raw"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
	// The round-tripped plan applies (fetching the manifests again).
	rep, err := s.Apply(testCtx(t), p2)
	if err != nil || !rep.OK() {
		t.Fatalf("Apply(round-tripped) = %v, %v", rep, err)
	}
	if v := e.dstRec.Violations(); len(v) > 0 {
		t.Fatal(v)
	}
	if got := p.String(); got == "" {
		t.Error("String() is empty")
	}
	_ = testutil.Descriptor
}

// hookRT runs hook once, before the first request that matches, then passes every
// request on: a "someone else" acting at a precise point of an Apply.
type hookRT struct {
	rt    http.RoundTripper
	match func(*http.Request) bool
	once  sync.Once
	hook  func()
}

func (h *hookRT) RoundTrip(req *http.Request) (*http.Response, error) {
	if h.match(req) {
		h.once.Do(h.hook)
	}
	return h.rt.RoundTrip(req)
}

// A tag pushed by someone else after the plan, up to right before the copy's manifest
// push, is never rolled back. Without Override, or with it when the plan saw the tag
// absent, the item is a conflict (ErrTagChanged, an ErrConflict); with Override over a tag
// that held another image, the plan is stale (ErrStalePlan). Either way the newer image
// stays. Override overwrites only what the plan saw.
func TestLeavesATagPushedSinceThePlan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		override bool
		// the destination tag holds another image when planned
		held bool
		// when the newer image lands: before Apply, or during it (first blob upload)
		during bool
		want   error
	}{
		{"between plan and apply", false, false, false, mirror.ErrTagChanged},
		{"during apply, before the manifest push", false, false, true, mirror.ErrTagChanged},
		{"with Override, tag absent when planned", true, false, true, mirror.ErrTagChanged},
		{"with Override, tag held another image when planned", true, true, true, mirror.ErrStalePlan},
		{"with Override, changed before apply", true, true, false, mirror.ErrStalePlan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSyncGGCREnv(t)
			old := e.fx.Image("old", 0, 1)
			planned := e.fx.Image("planned", 3)
			newer := e.fx.Image("newer", 2)
			e.push(t, e.src.Host, map[string]any{"team/app:v1": old})
			if tc.held {
				e.push(t, e.dst.Host, map[string]any{"team/app:v1": planned})
			}
			pushNewer := func() {
				if err := testutil.Push(context.Background(), e.dst.Host, "team/app:v1", newer); err != nil {
					t.Errorf("pushing the newer image: %v", err)
				}
			}
			hook := &hookRT{rt: http.DefaultTransport, hook: func() {}, match: func(r *http.Request) bool {
				return r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/blobs/uploads/")
			}}
			if tc.during {
				hook.hook = pushNewer
			}
			s := e.syncer(t, mirror.Options{Override: tc.override}, hook)
			ctx := testCtx(t)
			p, err := s.Plan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tot := p.Totals(); tot.Copy != 1 {
				t.Fatalf("plan = %v, want one copy", p)
			}
			if !tc.during {
				pushNewer()
			}
			rep, err := s.Apply(ctx, p)
			if !errors.Is(err, tc.want) {
				t.Errorf("Apply error = %v, want %v", err, tc.want)
			}
			if rep.OK() || len(rep.Results) != 1 || rep.Results[0].Outcome == mirror.OutcomeCopied {
				t.Errorf("report = %v, want the item refused", rep)
			}
			if errors.Is(tc.want, mirror.ErrConflict) && (rep.Conflicts != 1 || rep.Results[0].Outcome != mirror.OutcomeConflict) {
				t.Errorf("report = %v, want one conflict", rep)
			}
			if got := headDigest(t, e.dst.Host, "team/app:v1"); got != digestOf(newer) {
				t.Errorf("destination team/app:v1 = %s, want the newer %s left alone (old: %s)", got, digestOf(newer), digestOf(old))
			}
		})
	}
}
