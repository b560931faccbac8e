package mirror_test

import (
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// manifestRequests counts a Recorder's manifest requests by method and by kind of
// reference: "HEAD tag", "GET tag", "GET digest", ….
func manifestRequests(rec *testutil.Recorder) map[string]int {
	out := map[string]int{}
	for _, r := range rec.Requests() {
		if r.Kind != "manifest" {
			continue
		}
		kind := "tag"
		if strings.HasPrefix(r.Ref, "sha256:") || strings.HasPrefix(r.Ref, "sha512:") {
			kind = "digest"
		}
		out[r.Method+" "+kind]++
	}
	return out
}

// pushByTagFixture pushes an image, a two-platform index and a cosign signature tag of
// the image to the source, and returns the digests by reference.
func pushByTagFixture(t *testing.T, e *syncEnv) map[string]string {
	t.Helper()
	img := e.fx.Image("x", 1)
	d := e.push(t, e.src.Host, map[string]any{
		"a/b:img": img,
		"a/b:idx": e.fx.Index("y", []string{"amd64", "arm64"}, 2),
	})
	sig := "a/b:sha256-" + strings.TrimPrefix(d["a/b:img"], "sha256:") + ".sig"
	for k, v := range e.push(t, e.src.Host, map[string]any{sig: e.fx.Image("sig", 3)}) {
		d[k] = v
	}
	return d
}

// TestPlanFetchesNewTagsByTag: a source tag the destination does not list is fetched with
// one GET by tag (its digest computed from the bytes), not a HEAD by tag then a GET by
// digest: 3 tags (an image, an index of two, a cosign signature) cost 5 source manifest
// requests instead of 8. A tag the destination lists keeps its HEAD, so the no-op re-sync
// costs what it did: 3 HEADs, no GET. Through Plan then Apply and through Sync.
func TestPlanFetchesNewTagsByTag(t *testing.T) {
	t.Parallel()
	cold := map[string]int{"GET tag": 3, "GET digest": 2} // was HEAD tag 3, GET digest 5
	noop := map[string]int{"HEAD tag": 3}
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, e *syncEnv, s *mirror.Syncer)
	}{
		{"plan then apply", func(t *testing.T, e *syncEnv, s *mirror.Syncer) { e.run(t, s) }},
		{"sync", func(t *testing.T, e *syncEnv, s *mirror.Syncer) {
			rep, err := s.Sync(testCtx(t))
			if err != nil || !rep.OK() {
				t.Fatalf("Sync: %v\n%v", err, rep)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSyncGGCREnv(t)
			want := pushByTagFixture(t, e)
			e.srcRec.Reset()
			tc.run(t, e, e.syncer(t, mirror.Options{Referrers: mirror.ReferrersNone}, nil))
			if diff := cmp.Diff(cold, manifestRequests(e.srcRec)); diff != "" {
				t.Errorf("source manifest requests of the copy (-want +got):\n%s", diff)
			}
			for ref, d := range want {
				if got := headDigest(t, e.dst.Host, ref); got != d {
					t.Errorf("destination %s = %q, want %q", ref, got, d)
				}
			}
			e.srcRec.Reset()
			tc.run(t, e, e.syncer(t, mirror.Options{Referrers: mirror.ReferrersNone}, nil))
			if diff := cmp.Diff(noop, manifestRequests(e.srcRec)); diff != "" {
				t.Errorf("source manifest requests of the no-op (-want +got):\n%s", diff)
			}
		})
	}
}

// digestLiar makes a registry's answers to manifest GETs by tag claim digest d.
type digestLiar struct {
	http.ResponseWriter
	d string
}

func (w *digestLiar) WriteHeader(code int) {
	if code == http.StatusOK {
		w.Header().Set("Docker-Content-Digest", w.d)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *digestLiar) Write(b []byte) (int, error) { return w.ResponseWriter.Write(b) }

// TestPlanRefusesLyingDigestByTag: a source whose Docker-Content-Digest on a manifest GET
// by tag is not the digest of the bytes it sends — another manifest's it holds, or a
// sha512 one — is refused with ErrDigestMismatch, by Plan and by Sync, and nothing is
// pushed to the destination. Trusting the header would copy the bytes under a digest
// they are not, or the other manifest under this tag.
func TestPlanRefusesLyingDigestByTag(t *testing.T) {
	t.Parallel()
	other := testutil.NewFixture(1, 2<<10).Image("other", 9)
	for _, tc := range []struct {
		name string
		lie  string
	}{
		{"another manifest's sha256", digestOf(other)},
		{"sha512", "sha512:" + strings.Repeat("0", 128)},
	} {
		for _, sync := range []bool{false, true} {
			name := tc.name + "/plan"
			if sync {
				name = tc.name + "/sync"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				e := newSyncGGCREnv(t)
				e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						rec := testutil.Parse(r)
						if r.Method == http.MethodGet && rec.Kind == "manifest" && !strings.HasPrefix(rec.Ref, "sha256:") {
							w = &digestLiar{ResponseWriter: w, d: tc.lie}
						}
						h.ServeHTTP(w, r)
					})
				})
				e.push(t, e.src.Host, map[string]any{"a/b:1": e.fx.Image("x", 1), "a/other:1": other})
				s := e.syncer(t, mirror.Options{}, nil)
				var err error
				if sync {
					_, err = s.Sync(testCtx(t))
				} else {
					_, err = s.Plan(testCtx(t))
				}
				if !errors.Is(err, mirror.ErrDigestMismatch) {
					t.Errorf("err = %v, want ErrDigestMismatch", err)
				}
				if n := e.dstRec.Count(func(r testutil.Request) bool { return r.Method == http.MethodPut }); n != 0 {
					t.Errorf("%d manifest PUTs at the destination, want 0", n)
				}
			})
		}
	}
}

// TestPlanTagMovedAfterListing: a tag pushed again between the source's tag listing and
// the GET that fetches it is planned and copied as the manifest that GET returned —
// digest, tree and bytes of one answer — not a mix of the two.
func TestPlanTagMovedAfterListing(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	newer := e.fx.Image("newer", 5, 6)
	var once sync.Once
	e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r)
			if rec := testutil.Parse(r); rec.Kind == "tags" && rec.Repo == "a/b" {
				once.Do(func() {
					if err := testutil.Push(testCtx(t), e.src.Host, "a/b:1", newer); err != nil {
						t.Errorf("Push: %v", err)
					}
				})
			}
		})
	})
	e.push(t, e.src.Host, map[string]any{"a/b:1": e.fx.Image("older", 1)})
	p, _ := e.run(t, e.syncer(t, mirror.Options{}, nil))
	want := digestOf(newer)
	if len(p.Items) != 1 || p.Items[0].Digest != want || p.Items[0].Action != mirror.Copy {
		t.Fatalf("plan items %+v, want one copy of %s", p.Items, want)
	}
	if got := len(p.Manifests[want].Blobs); got != 3 {
		t.Errorf("planned manifest has %d blobs, want 3 (config and two layers)", got)
	}
	if got := headDigest(t, e.dst.Host, "a/b:1"); got != want {
		t.Errorf("destination a/b:1 = %q, want %q", got, want)
	}
}
