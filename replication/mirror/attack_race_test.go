package mirror_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// afterRT runs hook once, after the first request matching match has been answered.
type afterRT struct {
	rt    http.RoundTripper
	match func(*http.Request) bool
	once  sync.Once
	hook  func()
}

func (a *afterRT) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := a.rt.RoundTrip(req)
	if a.match(req) {
		a.once.Do(a.hook)
	}
	return resp, err
}

// Someone pushes to a destination tag while a Sync with a state file runs — before the
// copy's manifest push (the item is refused: ErrTagChanged) or right after it, before the
// verification: either way the newer image stays and the state file does not claim the
// tag holds the source's image, so the next run finds the conflict again.
func TestAttackSyncRacingWriterWithState(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		before bool
	}{{"before the push", true}, {"after the push, before the verification", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSyncGGCREnv(t)
			path := t.TempDir() + "/state.json"
			e.push(t, e.src.Host, map[string]any{"team/app:v1": e.fx.Image("old", 0, 1), "team/app:v2": e.fx.Image("two", 4)})
			newer := e.fx.Image("newer", 2)
			pushNewer := func() {
				if err := testutil.Push(context.Background(), e.dst.Host, "team/app:v1", newer); err != nil {
					t.Errorf("pushing the newer image: %v", err)
				}
			}
			var rt http.RoundTripper
			if tc.before {
				rt = &hookRT{rt: http.DefaultTransport, hook: pushNewer, match: func(r *http.Request) bool {
					return r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/blobs/uploads/")
				}}
			} else {
				rt = &afterRT{rt: http.DefaultTransport, hook: pushNewer, match: func(r *http.Request) bool {
					return r.Method == http.MethodPut && r.URL.Path == "/v2/team/app/manifests/v1"
				}}
			}
			rep, err := e.syncer(t, mirror.Options{State: path, Jobs: 1}, rt).Sync(testCtx(t))
			if err == nil || rep.OK() {
				t.Fatalf("Sync = %v, %v; want v1 refused or unverified", rep, err)
			}
			t.Logf("Sync: %v", err)
			if got := headDigest(t, e.dst.Host, "team/app:v1"); got != digestOf(newer) {
				t.Errorf("team/app:v1 = %s, want the newer %s left alone", got, digestOf(newer))
			}
			claims := stateClaims(t, path)
			if _, ok := claims["team/app:v1"]; ok {
				t.Errorf("state claims team/app:v1 = %s", claims["team/app:v1"])
			}
			checkClaims(t, path, e.dst.Host)
			if _, err := e.syncer(t, mirror.Options{State: path}, nil).Sync(testCtx(t)); !strings.Contains(errString(err), "team/app:v1") {
				t.Errorf("next run: %v, want the conflict on team/app:v1", err)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
