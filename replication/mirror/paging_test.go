package mirror_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/retry"
)

// A catalog whose Link header names the same page again, or a page on another host (a
// cloud metadata service, say), ends Plan with ErrPagination: no endless paging, no
// request leaving the registry.
func TestPaginationStaysOnTheRegistry(t *testing.T) {
	t.Parallel()
	const foreign = "meta.invalid"
	for _, tc := range []struct{ name, link string }{
		{"same page again", `</v2/_catalog?n=1&last=a>; rel="next"`},
		{"another host", `<http://` + foreign + `/latest/meta-data/ram/security-credentials/role>; rel="next"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var pages atomic.Int64
			src := testutil.NewGGCRRegistry(t, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/v2/_catalog" {
						pages.Add(1)
						w.Header().Set("Link", tc.link)
						w.Header().Set("Content-Type", "application/json")
						w.Write([]byte(`{"repositories":["a"]}`))
						return
					}
					h.ServeHTTP(w, r)
				})
			})
			dst := testutil.NewGGCRRegistry(t, nil)
			rec := &realmRecorder{rt: http.DefaultTransport, host: foreign}
			s, err := mirror.New(
				mirror.Endpoint{Registry: "http://" + src.Host, Transport: rec, Auth: &authn.Basic{Username: "u", Password: "p"}},
				mirror.Endpoint{Registry: "http://" + dst.Host},
				mirror.Options{Clock: &testutil.ImmediateClock{}, Retry: retry.Policy{Attempts: 1}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, perr := s.Plan(ctx)
			if !errors.Is(perr, mirror.ErrPagination) {
				t.Errorf("Plan = %v, want ErrPagination", perr)
			}
			if n := pages.Load(); n > 2 {
				t.Errorf("fetched %d catalog pages", n)
			}
			if calls := rec.recorded(); len(calls) > 0 {
				t.Errorf("pagination followed a Link to %s: %q", foreign, calls)
			}
		})
	}
}
