package mirror_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/mirror"
)

func TestMountsAcrossRepositories(t *testing.T) {
	t.Parallel()
	e := newSyncDistributionEnv(t)
	fx := e.fx
	e.push(t, e.src.Host, map[string]any{
		"p/one:1":   fx.Image("one", 10, 11, 12),
		"p/two:1":   fx.Image("two", 10, 11, 13),
		"p/three:1": fx.Image("three", 10, 11, 14),
		"p/four:1":  fx.Image("four", 10, 15),
		"p/five:1":  fx.Image("five", 10, 11, 16),
	})
	s := e.syncer(t, mirror.Options{Jobs: 4}, nil)
	p, rep := e.run(t, s)
	for d, n := range e.dstRec.BlobUploads() {
		if n != 1 {
			t.Errorf("blob %s uploaded %d times, want once", d, n)
		}
	}
	gets := map[string]int{}
	for _, q := range e.srcRec.Requests() {
		if q.Kind == "blob" && q.Method == http.MethodGet {
			gets[q.Ref]++
		}
	}
	for d, n := range gets {
		if n != 1 {
			t.Errorf("source blob %s fetched %d times, want once", d, n)
		}
	}
	tot := p.Totals()
	if len(gets) != tot.UniqueBlobs {
		t.Errorf("fetched %d blobs, plan counts %d unique", len(gets), tot.UniqueBlobs)
	}
	if rep.BlobsMounted == 0 || rep.BlobsUploaded != tot.UniqueBlobs {
		t.Errorf("report = %v, want mounts and %d uploads", rep, tot.UniqueBlobs)
	}
	var mounts int
	for _, q := range e.dstRec.Requests() {
		if q.Mount != "" && q.Status == http.StatusCreated {
			mounts++
		}
	}
	if mounts != rep.BlobsMounted {
		t.Errorf("registry saw %d mounts, report says %d", mounts, rep.BlobsMounted)
	}
}

func TestMultiArchAndReferrers(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	fx := e.fx
	idx := fx.Index("multi", []string{"amd64", "arm64", "s390x"}, 20)
	img := fx.OCIImage("signed", 21)
	digests := e.push(t, e.src.Host, map[string]any{
		"r/multi:v1":  idx,
		"r/signed:v1": img,
	})
	subject := digests["r/signed:v1"]
	sig := fx.Signature(desc(img), "signature payload")
	cosign := fx.Signature(desc(img), "cosign payload")
	sigRef := "r/signed@" + digestOf(sig)
	cosignRef := "r/signed:sha256-" + strings.TrimPrefix(subject, "sha256:") + ".sig"
	e.push(t, e.src.Host, map[string]any{sigRef: sig, cosignRef: cosign})

	sel := replication.MustRules(replication.Filter{Kind: replication.FilterTag, Pattern: "v*"})
	s := e.syncer(t, mirror.Options{Selector: sel}, nil)
	p, _ := e.run(t, s)

	var got []string
	for _, it := range p.Items {
		got = append(got, string(it.Action)+" "+it.Ref()+" subject="+it.Subject)
	}
	want := []string{
		"copy r/multi:v1 subject=",
		"copy r/signed@" + digestOf(sig) + " subject=" + subject,
		"copy " + cosignRef + " subject=" + subject,
		"copy r/signed:v1 subject=",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("plan items (-want +got):\n%s", diff)
	}
	for ref, d := range map[string]string{
		"r/multi:v1": digests["r/multi:v1"], "r/signed:v1": subject, sigRef: digestOf(sig), cosignRef: digestOf(cosign),
	} {
		if got := headDigest(t, e.dst.Host, ref); got != d {
			t.Errorf("destination %s = %q, want %q (byte for byte)", ref, got, d)
		}
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range im.Manifests {
		if got := headDigest(t, e.dst.Host, "r/multi@"+m.Digest.String()); got != m.Digest.String() {
			t.Errorf("child %s missing at the destination", m.Digest)
		}
	}
}

func TestConflictsAndOverride(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	fx := e.fx
	src := e.push(t, e.src.Host, map[string]any{"c/app:v1": fx.Image("new", 30), "c/app:v2": fx.Image("v2", 31)})
	old := e.push(t, e.dst.Host, map[string]any{"c/app:v1": fx.Image("old", 32), "c/app:keep": fx.Image("v2", 31)})

	s := e.syncer(t, mirror.Options{}, nil)
	ctx := testCtx(t)
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, it := range p.Items {
		actions = append(actions, it.Tag+"="+string(it.Action))
	}
	if diff := cmp.Diff([]string{"v1=conflict", "v2=tag"}, actions); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	e.dstRec.Reset()
	rep, err := s.Apply(ctx, p)
	if !errors.Is(err, mirror.ErrConflict) || rep.Conflicts != 1 || rep.Tagged != 1 || rep.OK() {
		t.Errorf("Apply = %v, %v; want one conflict, one tag update", rep, err)
	}
	if n := e.dstRec.Count(func(q syncRecorded) bool { return q.Kind == "upload" }); n != 0 {
		t.Errorf("tag-only update sent %d upload requests, want 0", n)
	}
	if got := headDigest(t, e.dst.Host, "c/app:v1"); got != old["c/app:v1"] {
		t.Errorf("conflicting tag changed to %s", got)
	}

	s = e.syncer(t, mirror.Options{Override: true}, nil)
	// A tag that moves after the plan is not overwritten.
	stale, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	moved := e.push(t, e.dst.Host, map[string]any{"c/app:v1": fx.Image("moved", 33)})
	if rep, err := s.Apply(ctx, stale); !errors.Is(err, mirror.ErrStalePlan) || rep.Failed != 1 {
		t.Errorf("Apply(stale plan) = %v, %v; want ErrStalePlan", rep, err)
	}
	if got := headDigest(t, e.dst.Host, "c/app:v1"); got != moved["c/app:v1"] {
		t.Errorf("stale plan overwrote the tag: %s", got)
	}
	old = moved
	p, rep = e.run(t, s)
	if p.Items[0].DestDigest != old["c/app:v1"] || rep.Copied != 1 {
		t.Errorf("override plan %v, report %v", p, rep)
	}
	if got := headDigest(t, e.dst.Host, "c/app:v1"); got != src["c/app:v1"] {
		t.Errorf("overridden tag = %s, want %s", got, src["c/app:v1"])
	}
}

func TestRefusesInvalidNamesBeforeWriting(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	e.push(t, e.src.Host, map[string]any{
		"lib/a/nginx:1": e.fx.Image("n", 40),
		"lib/b/nginx:1": e.fx.Image("m", 41),
		"lib/ok:1":      e.fx.Image("o", 42),
	})
	s := e.syncer(t, mirror.Options{Flattener: replication.HarborFlatten("ns", -1), Validate: replication.ValidateACRName}, nil)
	_, err := s.Plan(testCtx(t))
	if !errors.Is(err, replication.ErrCollision) {
		t.Fatalf("Plan() error = %v, want ErrCollision", err)
	}
	if n := len(e.dstRec.Requests()); n != 0 {
		t.Errorf("destination got %d requests before names were validated, want 0", n)
	}
	personal := replication.ACRNames{MaxDepth: 2} // namespace/repository only
	s = e.syncer(t, mirror.Options{Flattener: replication.HarborFlatten("ns", 1), Validate: personal.Validate}, nil)
	if _, err := s.Plan(testCtx(t)); !errors.Is(err, replication.ErrInvalidName) {
		t.Fatalf("Plan() error = %v, want ErrInvalidName", err)
	}
}

func TestFailureOfOneItemDoesNotStopOthers(t *testing.T) {
	t.Parallel()
	e := &syncEnv{srcRec: nil, dstRec: nil}
	ee := newSyncGGCREnv(t)
	*e = *ee
	deny := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/v2/deny/") && r.Method == http.MethodPut {
				http.Error(w, `{"errors":[{"code":"DENIED","message":"no"}]}`, http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	e.dst = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler { return e.dstRec.Wrap(deny(h)) })
	e.push(t, e.src.Host, map[string]any{"deny/x:1": e.fx.Image("d", 50), "allow/x:1": e.fx.Image("a", 51)})
	s := e.syncer(t, mirror.Options{}, nil)
	ctx := testCtx(t)
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Apply(ctx, p)
	var he *mirror.HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusForbidden {
		t.Fatalf("Apply error = %v, want a 403 HTTPError", err)
	}
	if rep.Failed != 1 || rep.Copied != 1 || rep.Verified != 1 || rep.Retries != 0 {
		t.Errorf("report = %v, want one failed (not retried), one copied", rep)
	}
	if got := rep.Results[1].Outcome; got != mirror.OutcomeFailed || rep.Results[1].Item.Dest != "deny/x" {
		t.Errorf("Results[1] = %+v, want deny/x failed", rep.Results[1])
	}
}

// On a registry without the referrers API (distribution v3), go-containerregistry keeps
// referrers in the fallback tag sha256-<subject>; copying that index byte for byte brings
// the referrers along as its children.
func TestReferrersFallbackTag(t *testing.T) {
	t.Parallel()
	e := newSyncDistributionEnv(t)
	fx := e.fx
	img := fx.Image("subject", 22)
	idx := fx.Index("m", []string{"amd64", "arm64"}, 23)
	digests := e.push(t, e.src.Host, map[string]any{"r/signed:v1": img, "r/multi:v1": idx})
	subject := digests["r/signed:v1"]
	sig := fx.Signature(desc(img), "notation payload")
	sigRef := "r/signed@" + digestOf(sig)
	e.push(t, e.src.Host, map[string]any{sigRef: sig})
	fallback := "r/signed:sha256-" + strings.TrimPrefix(subject, "sha256:")
	if headDigest(t, e.src.Host, fallback) == "" {
		t.Fatalf("source has no fallback tag %s", fallback)
	}

	s := e.syncer(t, mirror.Options{Selector: replication.MustRules(replication.Filter{Kind: replication.FilterTag, Pattern: "v1"})}, nil)
	e.run(t, s)
	for _, ref := range []string{"r/signed:v1", "r/multi:v1", sigRef, fallback} {
		if got, want := headDigest(t, e.dst.Host, ref), headDigest(t, e.src.Host, ref); got != want || got == "" {
			t.Errorf("destination %s = %q, want %q", ref, got, want)
		}
	}
}

func TestUploadsWhenAMountIsRefused(t *testing.T) {
	t.Parallel()
	e := newSyncDistributionEnv(t)
	e.dst = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
		return e.dstRec.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("mount") != "" {
				http.Error(w, `{"errors":[{"code":"DENIED","message":"no mounts here"}]}`, http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
		}))
	})
	e.push(t, e.src.Host, map[string]any{"m/a:1": e.fx.Image("a", 1, 2), "m/b:1": e.fx.Image("b", 1, 3)})
	_, rep := e.run(t, e.syncer(t, mirror.Options{}, nil))
	if rep.BlobsMounted != 0 || rep.Copied != 2 {
		t.Errorf("report = %v, want 2 copies without mounts", rep)
	}
}

// TestApplyValidatesThePlanBeforeWriting: a plan read back from JSON is checked by the
// applying Syncer — destination names by its Validate, actions, digests and tags — and
// refused with a typed error before the first request to the destination.
func TestApplyValidatesThePlanBeforeWriting(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	e.push(t, e.src.Host, map[string]any{"lib/a/nginx:1": e.fx.Image("n", 60), "lib/ok:1": e.fx.Image("o", 61)})
	ctx := testCtx(t)
	p, err := e.syncer(t, mirror.Options{}, nil).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	saved := roundTrip(t, p)
	planned := len(e.dstRec.Requests())
	// Applied by a syncer for a target whose names have exactly two components.
	acrSyncer := e.syncer(t, mirror.Options{Validate: replication.ACRNames{MaxDepth: 2}.Validate}, nil)
	_, dst0 := acrSyncer.Requests()
	if _, err := acrSyncer.Apply(ctx, saved); !errors.Is(err, replication.ErrInvalidName) {
		t.Errorf("Apply of a plan naming lib/a/nginx with ACR names = %v, want ErrInvalidName", err)
	}
	edits := map[string]func(*mirror.Item){
		"unknown action": func(it *mirror.Item) { it.Action = "move" },
		"bad digest":     func(it *mirror.Item) { it.Digest = "sha256:../../x" },
		"bad tag":        func(it *mirror.Item) { it.Tag = "../latest" },
	}
	for name, edit := range edits {
		bad := roundTrip(t, p)
		edit(&bad.Items[len(bad.Items)-1])
		if _, err := e.syncer(t, mirror.Options{}, nil).Apply(ctx, bad); !errors.Is(err, mirror.ErrInvalidPlan) {
			t.Errorf("%s: Apply = %v, want ErrInvalidPlan", name, err)
		}
	}
	if _, dst1 := acrSyncer.Requests(); dst1 != dst0 || len(e.dstRec.Requests()) != planned {
		t.Errorf("destination got %d requests (%d recorded) for refused plans, want 0", dst1-dst0, len(e.dstRec.Requests())-planned)
	}
}

// A run that follows one cut short after p/a was copied: the layers p/b shares with p/a
// are mounted from p/a — where the first run put them — not uploaded again, although p/a is
// only skipped now and its manifest not read.
func TestResumeMountsFromCompletedRepositories(t *testing.T) {
	t.Parallel()
	e := newSyncDistributionEnv(t)
	fx := e.fx
	e.push(t, e.src.Host, map[string]any{
		"p/a:1": fx.Image("a", 20, 21, 22),
		"p/b:1": fx.Image("b", 20, 21, 23),
	})
	onlyA, err := replication.NewRules(replication.Filter{Kind: replication.FilterName, Pattern: "p/a"})
	if err != nil {
		t.Fatal(err)
	}
	e.run(t, e.syncer(t, mirror.Options{Selector: onlyA}, nil)) // the "interrupted" first run
	e.dstRec.Reset()
	p, rep := e.run(t, e.syncer(t, mirror.Options{}, nil))
	if tot := p.Totals(); tot.Copy != 1 || tot.Skip != 1 {
		t.Fatalf("second plan: %+v, want p/a skipped and p/b copied", tot)
	}
	if rep.BlobsMounted != 2 || rep.BlobsUploaded != 2 { // layers 20 and 21 mounted; 23 and the config sent
		t.Errorf("second run: %d mounted, %d uploaded; want the 2 shared layers mounted and 2 blobs uploaded", rep.BlobsMounted, rep.BlobsUploaded)
	}
	for d, n := range e.dstRec.BlobUploads() {
		if n > 1 {
			t.Errorf("blob %s uploaded %d times", d, n)
		}
	}
}

// A source whose tag list names tags that are not tags ("a b", a path) fails neither
// Plan nor the rest of the sync: each such tag is an Invalid item, reported failed with
// ErrInvalidTag by Apply, and never put into a request.
func TestInvalidSourceTagFailsAlone(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	bad := []string{"../../evil/manifests/x", "a b", "x%2f..%2fy", ".dot", strings.Repeat("t", 129)}
	srcRec := testutil.NewRecorder()
	e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
		return srcRec.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/tags/list") {
				b, _ := json.Marshal(map[string]any{"name": "a/b", "tags": append([]string{"1"}, bad...)})
				w.Header().Set("Content-Type", "application/json")
				w.Write(b)
				return
			}
			h.ServeHTTP(w, r)
		}))
	})
	e.push(t, e.src.Host, map[string]any{"a/b:1": e.fx.Image("x", 1)})
	s := e.syncer(t, mirror.Options{}, nil)
	ctx := testCtx(t)
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatalf("Plan = %v, want the invalid tags as items", err)
	}
	if tot := p.Totals(); tot.Copy != 1 || tot.Invalid != len(bad) {
		t.Fatalf("plan = %v, want one copy and %d invalid", p, len(bad))
	}
	rep, err := s.Apply(ctx, roundTrip(t, p))
	if !errors.Is(err, mirror.ErrInvalidTag) {
		t.Errorf("Apply error = %v, want ErrInvalidTag", err)
	}
	if rep == nil || rep.Copied != 1 || rep.Failed != len(bad) || rep.Verified != 1 {
		t.Fatalf("report = %v, want 1 copied and verified, %d failed", rep, len(bad))
	}
	for _, rec := range []*testutil.Recorder{srcRec, e.dstRec} {
		for _, q := range rec.Requests() {
			if (q.Repo != "" && q.Repo != "a/b") || (q.Kind == "manifest" && q.Ref != "1" && !strings.HasPrefix(q.Ref, "sha256:")) {
				t.Errorf("request with an invalid tag: %+v", q)
			}
		}
	}
}
