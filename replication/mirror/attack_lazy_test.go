package mirror_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/retry"
)

// blobPresent asks host for repo's blob by digest with a HEAD.
func blobPresent(t *testing.T, host, repo, digest string) bool {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodHead, "http://"+host+"/v2/"+repo+"/blobs/"+digest, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func layerDigests(t *testing.T, img v1.Image) []string {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d.String())
	}
	return out
}

func isBlobGet(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:")
}

// A source whose blob GETs go wrong once the plan is made: the item fails with the
// source's failure, the destination never holds a blob the source did not send whole and
// right, and no blob is reported uploaded that is not there.
func TestAttackLazySourceBlobFailures(t *testing.T) {
	t.Parallel()
	// Object storage the source redirects to: serves whatever bytes store holds.
	var store atomic.Value // []byte
	objects := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := store.Load().([]byte)
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		w.Write(b)
	}))
	t.Cleanup(objects.Close)
	expired := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>", http.StatusForbidden)
	}))
	t.Cleanup(expired.Close)
	for _, tc := range []struct {
		name    string
		serve   func(w http.ResponseWriter, r *http.Request, h http.Handler, blob []byte) // a blob GET
		want    error                                                                     // nil: the copy succeeds
		status  int                                                                       // want an HTTPError with this status
		timeout time.Duration
	}{
		{name: "404", status: http.StatusNotFound, serve: func(w http.ResponseWriter, r *http.Request, _ http.Handler, _ []byte) {
			http.Error(w, `{"errors":[{"code":"BLOB_UNKNOWN"}]}`, http.StatusNotFound)
		}},
		{name: "401", status: http.StatusUnauthorized, serve: func(w http.ResponseWriter, r *http.Request, _ http.Handler, _ []byte) {
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
		}},
		{name: "500 always", status: http.StatusInternalServerError, serve: func(w http.ResponseWriter, r *http.Request, _ http.Handler, _ []byte) {
			http.Error(w, `{"errors":[{"code":"UNKNOWN"}]}`, http.StatusInternalServerError)
		}},
		{name: "wrong bytes", want: mirror.ErrDigestMismatch, serve: func(w http.ResponseWriter, r *http.Request, _ http.Handler, blob []byte) {
			bad := bytes.Clone(blob)
			bad[len(bad)-1] ^= 1
			w.Header().Set("Content-Length", fmt.Sprint(len(bad)))
			w.Write(bad)
		}},
		{name: "cut body", serve: func(w http.ResponseWriter, r *http.Request, _ http.Handler, blob []byte) {
			w.Header().Set("Content-Length", fmt.Sprint(len(blob)))
			w.Write(blob[:len(blob)/2])
		}},
		{name: "hangs before headers", want: mirror.ErrTimeout, timeout: 300 * time.Millisecond, serve: func(w http.ResponseWriter, r *http.Request, _ http.Handler, _ []byte) {
			<-r.Context().Done()
		}},
		{name: "redirect to expired object storage URL", status: http.StatusForbidden, serve: func(w http.ResponseWriter, r *http.Request, _ http.Handler, _ []byte) {
			http.Redirect(w, r, expired.URL+"/obj?X-Amz-Expires=1", http.StatusTemporaryRedirect)
		}},
		{name: "redirect to object storage", serve: func(w http.ResponseWriter, r *http.Request, _ http.Handler, blob []byte) {
			store.Store(blob)
			http.Redirect(w, r, objects.URL+"/obj", http.StatusTemporaryRedirect)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the object store is shared.
			e := newSyncGGCREnv(t)
			var broken atomic.Bool
			var blobs atomic.Value // map[string][]byte
			e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
				return e.srcRec.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if !broken.Load() || !isBlobGet(r) {
						h.ServeHTTP(w, r)
						return
					}
					d := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
					m, _ := blobs.Load().(map[string][]byte)
					if m[d] == nil { // the config: served as is
						h.ServeHTTP(w, r)
						return
					}
					tc.serve(w, r, h, m[d])
				}))
			})
			img := e.fx.Image("lazy", 300, 301)
			e.push(t, e.src.Host, map[string]any{"l/a:1": img})
			m := map[string][]byte{}
			ls, _ := img.Layers()
			for _, l := range ls {
				d, _ := l.Digest()
				rc, err := l.Compressed()
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				m[d.String()] = b
			}
			blobs.Store(m)
			opts := mirror.Options{Jobs: 1, Retry: retry.Policy{Attempts: 3}, Timeout: tc.timeout}
			s := e.syncer(t, opts, nil)
			ctx, cancel := context.WithTimeout(testCtx(t), 30*time.Second)
			defer cancel()
			p, err := s.Plan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			broken.Store(true)
			rep, err := s.Apply(ctx, p)
			t.Logf("%v\n%v", rep, err)
			if ctx.Err() != nil {
				t.Fatalf("Apply hung: %v", ctx.Err())
			}
			ok := tc.name == "redirect to object storage"
			if ok {
				if err != nil || !rep.OK() {
					t.Fatalf("Apply through a redirect: %v", err)
				}
			} else if err == nil {
				t.Fatalf("Apply with a broken source succeeded: %v", rep)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if tc.status != 0 {
				var he *mirror.HTTPError
				if !errors.As(err, &he) || he.StatusCode != tc.status {
					t.Errorf("err = %v, want the source's HTTP %d", err, tc.status)
				}
			}
			if tc.name == "cut body" && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("err = %v, want the source's cut body (io.ErrUnexpectedEOF)", err)
			}
			// A source that fails mid-body or hangs: the error names the source, not the
			// destination's connection the bytes were going to.
			if (tc.timeout != 0 || tc.name == "cut body") && (err == nil || !strings.Contains(err.Error(), e.src.Host)) {
				t.Errorf("err = %v, want the source %s named", err, e.src.Host)
			}
			uploaded := 0
			cfg, _ := img.ConfigName()
			for _, d := range append(layerDigests(t, img), cfg.String()) {
				if blobPresent(t, e.dst.Host, "l/a", d) {
					uploaded++
				} else if ok {
					t.Errorf("blob %s missing at the destination", d)
				}
			}
			if rep.BlobsUploaded > uploaded {
				t.Errorf("BlobsUploaded = %d, the destination holds %d of the layers", rep.BlobsUploaded, uploaded)
			}
			if !ok && uploaded > 1 {
				t.Errorf("the destination holds %d layers the source never sent right", uploaded)
			}
			if v := e.dstRec.Violations(); len(v) > 0 {
				t.Errorf("violations: %v", v)
			}
			if ok {
				var sum int64
				for _, b := range m {
					sum += int64(len(b))
				}
				cfg, _ := img.RawConfigFile()
				sum += int64(len(cfg))
				if rep.BytesUploaded != sum {
					t.Errorf("BytesUploaded = %d, want the blobs' %d", rep.BytesUploaded, sum)
				}
			}
		})
	}
}

// A destination that refuses a blob's PUT at once (400, the body unread): the item fails
// with the destination's answer — not a source's failure the PUT never needed, nor after
// waiting on a source that hangs — and nothing is reported after Apply returns.
func TestAttackLazyDestinationRefusesPutAtOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		source func(w http.ResponseWriter, r *http.Request, h http.Handler) // a blob GET
	}{
		{"source answers", func(w http.ResponseWriter, r *http.Request, h http.Handler) { h.ServeHTTP(w, r) }},
		{"source fails", func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
			http.Error(w, `{"errors":[{"code":"UNKNOWN"}]}`, http.StatusInternalServerError)
		}},
		{"source hangs", func(w http.ResponseWriter, r *http.Request, _ http.Handler) { <-r.Context().Done() }},
		{"source sends wrong bytes", func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
			w.Write(bytes.Repeat([]byte("x"), 100<<10))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSyncGGCREnv(t)
			var broken atomic.Bool
			e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
				return e.srcRec.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if broken.Load() && isBlobGet(r) {
						tc.source(w, r, h)
						return
					}
					h.ServeHTTP(w, r)
				}))
			})
			e.dst = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
				return e.dstRec.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/") {
						// As a proxy in front answers (nginx's 401, a quota): at once, the
						// body unread (a Go server would read it first without the close).
						w.Header().Set("Connection", "close")
						http.Error(w, `{"errors":[{"code":"DENIED","message":"quota"}]}`, http.StatusBadRequest)
						return
					}
					h.ServeHTTP(w, r)
				}))
			})
			img := e.fx.Image("refused", 400, 401)
			e.push(t, e.src.Host, map[string]any{"r/a:1": img})
			var returned atomic.Bool
			var late atomic.Int64
			s := e.syncer(t, mirror.Options{Jobs: 1, Retry: retry.Policy{Attempts: 3}, Timeout: 20 * time.Second,
				Progress: func(ev mirror.Event) {
					if returned.Load() {
						late.Add(1)
					}
				}}, nil)
			ctx, cancel := context.WithTimeout(testCtx(t), 10*time.Second)
			defer cancel()
			p, err := s.Plan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			broken.Store(true)
			rep, err := s.Apply(ctx, p)
			returned.Store(true)
			t.Logf("%v\n%v", rep, err)
			if ctx.Err() != nil {
				t.Fatalf("Apply waited on the source after the destination refused: %v", ctx.Err())
			}
			var he *mirror.HTTPError
			switch {
			case tc.name == "source sends wrong bytes" && errors.Is(err, mirror.ErrDigestMismatch):
				// Also right: the PUT may have read to the end before the answer came.
			case tc.name == "source fails" && errors.As(err, &he) && he.StatusCode == http.StatusInternalServerError && he.Method == http.MethodGet:
				// Also right: when the source's failure reached the PUT before the
				// destination's answer, the next attempts GET first (as after any failed
				// lazy GET) and the source's 500 is what ends the item.
			case !errors.As(err, &he) || he.StatusCode != http.StatusBadRequest || he.Method != http.MethodPut:
				t.Errorf("err = %v, want the destination's PUT 400", err)
			}
			if rep.BlobsUploaded != 0 {
				t.Errorf("BlobsUploaded = %d, want 0", rep.BlobsUploaded)
			}
			if n := late.Load(); n != 0 {
				t.Errorf("%d progress events after Apply returned", n)
			}
		})
	}
}

// Jobs 1 (one slot per registry) with both registries failing 15–30% of requests, by
// Sync and by Plan then Apply: the run ends (no slot wait for ever, bounded by the
// context), mirrors everything, never commits a wrong blob, and the same Syncer's next
// Sync ends too (no slot kept).
func TestAttackLazyJobs1UnderFaults(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		rate  float64
		seed  int64
		apply bool
	}{
		{"sync 15%", 0.15, 11, false}, {"sync 30%", 0.30, 12, false},
		{"apply 15%", 0.15, 13, true}, {"apply 30%", 0.30, 14, true},
		{"sync 30% b", 0.30, 15, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSyncDistributionEnv(t)
			want := e.push(t, e.src.Host, faultWorkload(e))
			srcF := testutil.NewFaultTransport(nil, testutil.Faults{Seed: tc.seed, Rate: tc.rate, MaxInARow: 3})
			dstF := testutil.NewFaultTransport(nil, testutil.Faults{Seed: tc.seed + 100, Rate: tc.rate, MaxInARow: 3})
			var bytesEv atomic.Int64
			s := e.syncer2(t, mirror.Options{Jobs: 1, Retry: retry.Policy{Attempts: 10},
				Progress: func(ev mirror.Event) {
					if ev.Kind == mirror.EventBytes {
						bytesEv.Add(ev.Bytes)
					}
				}}, srcF, dstF)
			ctx, cancel := context.WithTimeout(testCtx(t), 40*time.Second)
			defer cancel()
			var rep *mirror.Report
			var err error
			if tc.apply {
				var p *mirror.Plan
				if p, err = s.Plan(ctx); err == nil {
					rep, err = s.Apply(ctx, p)
				}
			} else {
				rep, err = s.Sync(ctx)
			}
			if ctx.Err() != nil {
				t.Fatalf("the run did not end: %v", ctx.Err())
			}
			if err != nil || !rep.OK() {
				t.Fatalf("run: %v\n%v", err, rep)
			}
			if rep.BytesUploaded != bytesEv.Load() {
				t.Errorf("BytesUploaded %d, progress events %d bytes", rep.BytesUploaded, bytesEv.Load())
			}
			for ref, d := range want {
				if got := headDigest(t, e.dst.Host, ref); got != d {
					t.Errorf("%s = %q, want %q", ref, got, d)
				}
			}
			if v := e.dstRec.Violations(); len(v) > 0 {
				t.Errorf("violations: %v", v)
			}
			if n := srcF.Injected(); len(n) == 0 {
				t.Error("no fault injected at the source: the test tests nothing")
			}
			ctx2, cancel2 := context.WithTimeout(testCtx(t), 20*time.Second)
			defer cancel2()
			if rep, err := s.Sync(ctx2); err != nil || !rep.OK() {
				t.Fatalf("the same Syncer's next Sync: %v\n%v", err, rep)
			}
		})
	}
}

// A Sync cancelled while a blob's lazy source GET is under way (before its header, or in
// its body), Jobs 1: it returns context.Canceled, and the same Syncer's next Sync
// completes (every slot given back).
func TestAttackLazyCancelDuringSourceGet(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		at     int
		inBody bool
	}{{"first GET before header", 1, false}, {"third GET before header", 3, false}, {"second GET mid-body", 2, true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newSyncGGCREnv(t)
			var n atomic.Int64
			var armed atomic.Bool
			var cancel context.CancelFunc
			e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
				return e.srcRec.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if armed.Load() && isBlobGet(r) && n.Add(1) == int64(tc.at) {
						if tc.inBody {
							w.Header().Set("Content-Length", "4096")
							w.WriteHeader(http.StatusOK)
							w.Write(make([]byte, 100))
							w.(http.Flusher).Flush()
						}
						cancel()
						<-r.Context().Done()
						return
					}
					h.ServeHTTP(w, r)
				}))
			})
			want := e.push(t, e.src.Host, faultWorkload(e))
			s := e.syncer(t, mirror.Options{Jobs: 1}, nil)
			var ctx context.Context
			ctx, cancel = context.WithCancel(testCtx(t))
			defer cancel()
			armed.Store(true)
			if _, err := s.Sync(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled Sync: %v, want context.Canceled", err)
			}
			armed.Store(false)
			ctx2, cancel2 := context.WithTimeout(testCtx(t), 20*time.Second)
			defer cancel2()
			rep, err := s.Sync(ctx2)
			if err != nil || !rep.OK() {
				t.Fatalf("the same Syncer's next Sync: %v\n%v", err, rep)
			}
			for ref, d := range want {
				if got := headDigest(t, e.dst.Host, ref); got != d {
					t.Errorf("%s = %q, want %q", ref, got, d)
				}
			}
		})
	}
}

// A source that dies once the plan is made (every blob GET a 503, or the connection
// dropped before any answer): the give-up rule declares the source down — not the
// destination, whose PUTs fail only because the source fed them nothing — and Apply
// stops with ErrRegistryDown naming the source.
func TestAttackLazyGiveUpOnDeadSource(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		dead func(w http.ResponseWriter, r *http.Request)
	}{
		{"503", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"errors":[{"code":"UNAVAILABLE"}]}`, http.StatusServiceUnavailable)
		}},
		{"dropped", func(w http.ResponseWriter, r *http.Request) {
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
		}},
		{"cut body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "4096")
			w.WriteHeader(http.StatusOK)
			w.Write(make([]byte, 100))
		}},
	} {
		for _, jobs := range []int{1, 4} {
			t.Run(fmt.Sprintf("%s jobs %d", tc.name, jobs), func(t *testing.T) {
				t.Parallel()
				e := newSyncGGCREnv(t)
				var dead atomic.Bool
				e.src = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
					return e.srcRec.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if dead.Load() && isBlobGet(r) {
							tc.dead(w, r)
							return
						}
						h.ServeHTTP(w, r)
					}))
				})
				refs := map[string]any{}
				for i := range 6 {
					refs[fmt.Sprintf("g/r%d:1", i)] = e.fx.Image(fmt.Sprintf("g%d", i), 500+2*i, 501+2*i)
				}
				e.push(t, e.src.Host, refs)
				clock := &testutil.ImmediateClock{}
				s := e.syncer(t, mirror.Options{Clock: clock, Jobs: jobs}, nil)
				ctx, cancel := context.WithTimeout(testCtx(t), 30*time.Second)
				defer cancel()
				p, err := s.Plan(ctx)
				if err != nil {
					t.Fatal(err)
				}
				dead.Store(true)
				start := clock.Now()
				rep, err := s.Apply(ctx, p)
				took := clock.Now().Sub(start)
				if ctx.Err() != nil {
					t.Fatalf("Apply did not end: %v", ctx.Err())
				}
				if !errors.Is(err, mirror.ErrRegistryDown) {
					t.Fatalf("Apply from a dead source: %v, want ErrRegistryDown\n%v", err, rep)
				}
				msg := err.Error()
				if !strings.Contains(msg, "no successful response from "+e.src.Host) {
					t.Errorf("the source %s not declared down: %v", e.src.Host, msg)
				}
				if strings.Contains(msg, "no successful response from "+e.dst.Host) {
					t.Errorf("the destination %s declared down for the source's failure: %v", e.dst.Host, msg)
				}
				if took > 5*time.Minute {
					t.Errorf("gave up after %v on the clock, want about the 2m default", took)
				}
				if rep.BlobsUploaded != 0 || rep.Copied != 0 {
					t.Errorf("uploaded %d blobs, copied %d, from a dead source", rep.BlobsUploaded, rep.Copied)
				}
			})
		}
	}
}

// A destination (or a proxy in front of it) that answers a blob's final PUT 202
// Accepted — an upload still open, in the distribution API — without committing it: the
// blob is not reported uploaded, and the item does not pass as copied, unless the
// destination holds it.
func TestAttackLazyPutAcceptedNotCommitted(t *testing.T) {
	t.Parallel()
	e := newSyncGGCREnv(t)
	e.dst = newSyncGGCRWrapped(t, func(h http.Handler) http.Handler {
		return e.dstRec.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/blobs/uploads/") {
				io.Copy(io.Discard, r.Body)
				w.WriteHeader(http.StatusAccepted)
				return
			}
			h.ServeHTTP(w, r)
		}))
	})
	img := e.fx.Image("accepted", 600, 601)
	e.push(t, e.src.Host, map[string]any{"p/a:1": img})
	s := e.syncer(t, mirror.Options{Jobs: 1, Retry: retry.Policy{Attempts: 2}}, nil)
	rep, err := s.Sync(testCtx(t))
	t.Logf("%v\n%v", rep, err)
	held := 0
	cfg, _ := img.ConfigName()
	for _, d := range append(layerDigests(t, img), cfg.String()) {
		if blobPresent(t, e.dst.Host, "p/a", d) {
			held++
		}
	}
	if rep.BlobsUploaded > held {
		t.Errorf("BlobsUploaded = %d, the destination holds %d", rep.BlobsUploaded, held)
	}
	if held < 3 && (err == nil || rep.Copied != 0) {
		t.Errorf("Sync passed (%d copied) with %d of 3 blobs at the destination: %v", rep.Copied, held, err)
	}
}
