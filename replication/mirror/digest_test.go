package mirror_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// flipWriter flips the first byte of a response body.
type flipWriter struct {
	http.ResponseWriter
	done bool
}

func (w *flipWriter) Write(b []byte) (int, error) {
	if !w.done && len(b) > 0 {
		w.done = true
		c := append([]byte(nil), b...)
		c[0] ^= 0xff
		return w.ResponseWriter.Write(c)
	}
	return w.ResponseWriter.Write(b)
}

// lenientRegistry accepts any blob and manifest without checking a digest, and records
// how many bytes each blob upload received and which manifests were pushed.
type lenientRegistry struct {
	mu        sync.Mutex
	received  map[string]int64 // digest → bytes of its completed PUT
	manifests []string
}

func (l *lenientRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/v2/" || p == "/v2":
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodHead || r.Method == http.MethodGet:
		http.Error(w, `{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`, http.StatusNotFound)
	case r.Method == http.MethodPost && strings.HasSuffix(p, "/blobs/uploads/"):
		w.Header().Set("Location", p+"session")
		w.WriteHeader(http.StatusAccepted)
	case r.Method == http.MethodPut && strings.Contains(p, "/blobs/uploads/"):
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			return // the client broke the upload off: nothing is committed
		}
		l.mu.Lock()
		l.received[r.URL.Query().Get("digest")] = n
		l.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	case r.Method == http.MethodPut && strings.Contains(p, "/manifests/"):
		l.mu.Lock()
		l.manifests = append(l.manifests, p)
		l.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// TestVerifiesBlobDigests: a source (or a proxy) that corrupts blob bytes, with a
// destination that takes anything, fails the copy with ErrDigestMismatch; the
// destination never receives a whole corrupted blob, and no manifest is pushed.
func TestVerifiesBlobDigests(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:") {
				w = &flipWriter{ResponseWriter: w}
			}
			h.ServeHTTP(w, r)
		})
	})
	lenient := &lenientRegistry{received: map[string]int64{}}
	e.dst = testutil.NewGGCRRegistry(t, func(http.Handler) http.Handler { return lenient })
	img := e.fx.Image("x", 90, 91)
	e.push(t, e.src.Host, map[string]any{"a/b:1": img})
	s := e.syncer(t, mirror.Options{}, nil)
	ctx := testCtx(t)
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Apply(ctx, p)
	if !errors.Is(err, mirror.ErrDigestMismatch) {
		t.Fatalf("Apply from a corrupting source: %v, want ErrDigestMismatch", err)
	}
	lenient.mu.Lock()
	defer lenient.mu.Unlock()
	if len(lenient.received) > 0 {
		t.Errorf("the destination committed blobs %v", lenient.received)
	}
	if len(lenient.manifests) > 0 {
		t.Errorf("manifests pushed: %v", lenient.manifests)
	}
	if rep.OK() {
		t.Errorf("report OK: %v", rep)
	}
}

// A manifest larger than the engine reads (4 MiB) is refused as such, once, not cut short
// and reported as a digest mismatch.
func TestRefusesManifestTooLarge(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	var gets atomic.Int64
	e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// By tag or by digest: a tag the destination lacks is fetched by tag.
			if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/manifests/") {
				gets.Add(1)
				w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
				w.Write([]byte(`{"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":{"a":"` +
					strings.Repeat("x", 4<<20) + `"}}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	e.push(t, e.src.Host, map[string]any{"a/b:1": e.fx.Image("x", 1)})
	s := e.syncer(t, mirror.Options{}, nil)
	_, err := s.Plan(testCtx(t))
	if !errors.Is(err, mirror.ErrManifestTooLarge) || errors.Is(err, mirror.ErrDigestMismatch) {
		t.Errorf("Plan with a 4 MiB manifest = %v, want ErrManifestTooLarge", err)
	}
	if n := gets.Load(); n != 1 {
		t.Errorf("the manifest was fetched %d times, want once", n)
	}
}
