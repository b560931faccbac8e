package mirror_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// TestGivesUpOnRegistryWhoseBodiesBreak: a source that, once the plan is made, answers
// every GET with a 200 header and then cuts the body short (and HEAD with 500) never
// completes a request. The give-up rule counts a success only when a request completes,
// body included, so Apply fails with ErrRegistryDown after GiveUp — a 200 header alone
// used to keep the registry "alive" while every blob ran through all its attempts.
func TestGivesUpOnRegistryWhoseBodiesBreak(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	var broken atomic.Bool
	e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !broken.Load() || r.URL.Path == "/v2/" {
				h.ServeHTTP(w, r)
				return
			}
			if r.Method != http.MethodGet {
				http.Error(w, `{"errors":[{"code":"UNKNOWN"}]}`, http.StatusInternalServerError)
				return
			}
			// A 200 promising 1 KiB, then half of it: the server closes the connection and
			// the client reads an unexpected EOF.
			w.Header().Set("Content-Length", "1024")
			w.WriteHeader(http.StatusOK)
			w.Write([]byte(strings.Repeat("x", 512)))
		})
	})
	refs := map[string]any{}
	for i := range 6 {
		refs[fmt.Sprintf("a/r%d:1", i)] = e.fx.Image(fmt.Sprintf("b%d", i), 200+2*i, 201+2*i)
	}
	e.push(t, e.src.Host, refs)
	clock := &testutil.ImmediateClock{}
	s := e.syncer(t, mirror.Options{Clock: clock, Jobs: 4}, nil)
	ctx := testCtx(t)
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	broken.Store(true)
	start := clock.Now()
	rep, err := s.Apply(ctx, p)
	took := clock.Now().Sub(start)
	t.Logf("%v on the clock: %v", took, rep)
	if !errors.Is(err, mirror.ErrRegistryDown) {
		t.Fatalf("Apply from a source whose bodies always break: %v, want ErrRegistryDown", err)
	}
	if took < 2*time.Minute || took > 3*time.Minute {
		t.Errorf("gave up after %v on the clock, want about the 2m default", took)
	}
}
