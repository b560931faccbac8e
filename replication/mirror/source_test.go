package mirror_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/mirror"
)

// listingSource is what a Harbor or ACR adapter looks like: its listing knows digests and
// labels, so the Syncer sends no HEAD to resolve tags.
type listingSource map[string][]mirror.Tag

func (s listingSource) Repositories(context.Context) ([]string, error) {
	var out []string
	for r := range s {
		out = append(out, r)
	}
	return out, nil
}

func (s listingSource) Tags(_ context.Context, repo string) ([]mirror.Tag, error) {
	return s[repo], nil
}

// accessorySource also knows each image's referrers, as Harbor's accessories.
type accessorySource struct {
	listingSource
	refs map[string][]string // digest → referrers
}

func (s accessorySource) Referrers(_ context.Context, _, digest string) ([]string, error) {
	return s.refs[digest], nil
}

func TestReferrersFromTheListing(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	img := e.fx.Image("s", 1)
	d := e.push(t, e.src.Host, map[string]any{"a/s:v1": img})
	sig := e.fx.Signature(desc(img), "accessory")
	sigRef := "a/s@" + digestOf(sig)
	e.push(t, e.src.Host, map[string]any{sigRef: sig})
	e.srcRec.Reset()
	src := accessorySource{
		listingSource: listingSource{"a/s": {{Name: "v1", Digest: d["a/s:v1"]}}},
		refs:          map[string][]string{d["a/s:v1"]: {digestOf(sig)}},
	}
	e.run(t, e.syncer(t, mirror.Options{Source: src}, nil))
	if got := headDigest(t, e.dst.Host, sigRef); got != digestOf(sig) {
		t.Errorf("referrer %s = %q at the destination", sigRef, got)
	}
	if n := e.srcRec.Count(func(q syncRecorded) bool { return q.Kind == "referrers" }); n != 0 {
		t.Errorf("%d referrers API requests, want 0: the listing knew", n)
	}
}

func TestSourceWithDigestsAndLabels(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	d := e.push(t, e.src.Host, map[string]any{
		"proj/web:v1": e.fx.Image("w1", 1),
		"proj/web:v2": e.fx.Image("w2", 2),
		"proj/db:v1":  e.fx.Image("d1", 3),
	})
	src := listingSource{
		"proj/web": {
			{Name: "v1", Digest: d["proj/web:v1"], Labels: []string{"prod"}},
			{Name: "v2", Digest: d["proj/web:v2"], Labels: []string{"dev"}},
		},
		"proj/db": {{Name: "v1", Digest: d["proj/db:v1"], Labels: []string{"prod", "db"}}},
	}
	e.srcRec.Reset()
	sel := replication.MustRules(replication.Filter{Kind: replication.FilterLabel, Labels: []string{"prod"}})
	s := e.syncer(t, mirror.Options{Source: src, Selector: sel, Referrers: mirror.ReferrersNone}, nil)
	p, _ := e.run(t, s)
	var got []string
	for _, it := range p.Items {
		got = append(got, it.Ref())
	}
	if diff := cmp.Diff([]string{"proj/db:v1", "proj/web:v1"}, got); diff != "" {
		t.Errorf("planned (-want +got):\n%s", diff)
	}
	if n := e.srcRec.Count(func(q syncRecorded) bool {
		return q.Method == http.MethodHead || q.Kind == "catalog" || q.Kind == "tags"
	}); n != 0 {
		t.Errorf("source got %d listing or HEAD requests, want 0: the listing had the digests", n)
	}
}

// Registries on object storage (Harbor or distribution on S3/OSS) redirect blob reads to
// another host; the copy follows.
func TestFollowsBlobRedirects(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	var redirects atomic.Int32
	e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
		storage := httptest.NewServer(h)
		t.Cleanup(storage.Close)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.Contains(r.URL.Path, "/blobs/sha256:") {
				redirects.Add(1)
				http.Redirect(w, r, storage.URL+r.URL.Path, http.StatusTemporaryRedirect)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	want := e.push(t, e.src.Host, map[string]any{"o/s:1": e.fx.Image("o", 1, 2)})
	redirects.Store(0)
	e.run(t, e.syncer(t, mirror.Options{}, nil))
	if got := headDigest(t, e.dst.Host, "o/s:1"); got != want["o/s:1"] {
		t.Errorf("destination o/s:1 = %q, want %q", got, want["o/s:1"])
	}
	if redirects.Load() == 0 {
		t.Error("no blob read was redirected: the test tests nothing")
	}
}
