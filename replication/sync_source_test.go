package replication_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/regdr/regdr/replication"
)

// listingSource is what a Harbor or ACR adapter looks like: its listing knows digests and
// labels, so the Syncer sends no HEAD to resolve tags.
type listingSource map[string][]replication.SyncTag

func (s listingSource) Repositories(context.Context) ([]string, error) {
	var out []string
	for r := range s {
		out = append(out, r)
	}
	return out, nil
}

func (s listingSource) Tags(_ context.Context, repo string) ([]replication.SyncTag, error) {
	return s[repo], nil
}

func TestSyncSourceWithDigestsAndLabels(t *testing.T) {
	t.Parallel()
	e := newGGCREnv(t)
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
	sel := replication.MustSelector(replication.Filter{Kind: replication.FilterLabel, Labels: []string{"prod"}})
	s := e.syncer(t, replication.SyncOptions{Source: src, Selector: sel, Referrers: replication.ReferrersNone}, nil)
	p, _ := e.run(t, s)
	var got []string
	for _, it := range p.Items {
		got = append(got, it.Ref())
	}
	if diff := cmp.Diff([]string{"proj/db:v1", "proj/web:v1"}, got); diff != "" {
		t.Errorf("planned (-want +got):\n%s", diff)
	}
	if n := e.srcRec.Count(func(q testutilRequest) bool {
		return q.Method == http.MethodHead || q.Kind == "catalog" || q.Kind == "tags"
	}); n != 0 {
		t.Errorf("source got %d listing or HEAD requests, want 0: the listing had the digests", n)
	}
}
