package mirror_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/regdr/regdr/replication/mirror"
)

// TestDefinitiveAnswerToPingIsNotRetried: a plain-HTTP registry answering 403 to /v2/ has
// answered; the plan fails at once. go-containerregistry's ping tries https first (refused
// for a plain-HTTP endpoint) and joins that transport error with the 403, and the transport
// error used to make the whole worth retrying: ten pings, about a minute of backoff.
func TestDefinitiveAnswerToPingIsNotRetried(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		status   int
		min, max int64 // pings
	}{
		{"forbidden", http.StatusForbidden, 1, 1},
		{"not found", http.StatusNotFound, 1, 1},
		// Retried until the registry is declared down, which names the last answer (not
		// the refused HTTPS attempt: nothing was sent).
		{"unavailable is retried", http.StatusServiceUnavailable, 2, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSyncGGCREnv(t)
			var pings atomic.Int64
			e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/v2/" {
						pings.Add(1)
					}
					w.WriteHeader(tc.status)
				})
			})
			s := e.syncer(t, mirror.Options{}, nil)
			_, err := s.Plan(testCtx(t))
			if err == nil || !strings.Contains(err.Error(), http.StatusText(tc.status)) {
				t.Fatalf("Plan from a registry answering %d: %v, want that status", tc.status, err)
			}
			if n := pings.Load(); n < tc.min || n > tc.max {
				t.Errorf("%d pings, want %d to %d", n, tc.min, tc.max)
			}
		})
	}
}
