package mirror_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
	"golang.org/x/sync/errgroup"
)

// envInt reads a positive integer from the environment, or returns def.
func envInt(key string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(key)); err == nil && v > 0 {
		return v
	}
	return def
}

// inflight counts the requests a handler is serving. At each request's start it adds the
// number then in flight (itself included) to a sum, so sum/n is the mean number of
// requests in flight as seen by an arriving request.
type inflight struct{ cur, sum, n atomic.Int64 }

func (f *inflight) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.sum.Add(f.cur.Add(1))
		f.n.Add(1)
		defer f.cur.Add(-1)
		h.ServeHTTP(w, r)
	})
}

func (f *inflight) reset() { f.sum.Store(0); f.n.Store(0) }

func (f *inflight) mean() float64 {
	if n := f.n.Load(); n > 0 {
		return float64(f.sum.Load()) / float64(n)
	}
	return 0
}

// requestBoundWorkload is the request-bound shape: many repositories, many tags,
// tiny layers. REGDR_BENCH_REPOS (200), REGDR_BENCH_TAGS (10) and REGDR_BENCH_SMALL_KIB (4)
// change it.
func requestBoundWorkload() testutil.Workload {
	return testutil.Workload{
		Repos:     envInt("REGDR_BENCH_REPOS", 200),
		Tags:      envInt("REGDR_BENCH_TAGS", 10),
		MultiArch: 2,
		LayerSize: int64(envInt("REGDR_BENCH_SMALL_KIB", 4)) << 10,
		Seed:      42,
	}
}

// BenchmarkSyncCopyRequestBound is BenchmarkSyncCopy on the request-bound workload
// (default 200 repositories × 10 tags, 4 KiB layers): regdr's pipelined Syncer.Sync, regdr's
// Plan then Apply (the same engine without the overlap), crane.Copy per tag and
// remote.MultiWrite, at equal concurrency (benchJobs), each into a fresh distribution
// registry, in a rotating order within every iteration. It reports each one's seconds,
// requests per copy and per tag (both registries) and mean number of requests in flight
// on the two registries together, sampled as each request starts; the time of Plan then
// Apply, crane and MultiWrite relative to Sync's (above 1: Sync is faster); and, for Plan
// then Apply, the planning phase's time and mean in flight.
//
// On a small shared machine, with both registries in the benchmark's process, the copy
// is CPU-bound and the CPU goes mostly to the system calls of each request on both ends:
// requests per tag is what sets the time, and the overlap of planning and copying gains
// what planning's own latency chains cost. REGDR_BENCH_RTT_MS (0) delays every request by
// that many milliseconds at the registry, as a network's round trip would: the copy is
// then latency-bound, and how many requests each keeps in flight is what counts.
func BenchmarkSyncCopyRequestBound(b *testing.B) {
	w := requestBoundWorkload()
	fl := &inflight{}
	rtt := time.Duration(envInt("REGDR_BENCH_RTT_MS", 0)) * time.Millisecond
	wrap := func(rec *testutil.Recorder) func(http.Handler) http.Handler {
		return func(h http.Handler) http.Handler {
			h = rec.Wrap(h)
			if rtt > 0 {
				inner := h
				h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					time.Sleep(rtt)
					inner.ServeHTTP(w, r)
				})
			}
			return fl.wrap(h)
		}
	}
	e := &benchEnv{srcRec: testutil.NewRecorder()}
	e.src = testutil.NewGGCRRegistry(b, wrap(e.srcRec))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := w.Push(ctx, e.src.Host); err != nil {
		b.Fatal(err)
	}
	for ref := range w.Refs() {
		e.refs = append(e.refs, ref)
	}
	slices.Sort(e.refs)
	contenders := []struct {
		name string
		c    copier
	}{{"regdr", regdrSync}, {"planapply", nil}, {"crane", craneCopy}, {"multiwrite", multiWriteCopy}}
	if rs, ok := regsyncCopier(b, false); ok {
		contenders = append(contenders, struct {
			name string
			c    copier
		}{"regsync", rs})
	}
	// regdr's Plan then Apply, noting its planning phase apart: time and mean in flight.
	var planTime time.Duration
	var planFlight float64
	contenders[1].c = func(ctx context.Context, e *benchEnv, dst string) error {
		s, err := mirror.New(mirror.Endpoint{PlainHTTP: true, Registry: e.src.Host}, mirror.Endpoint{PlainHTTP: true, Registry: dst},
			mirror.Options{Jobs: benchJobs, Referrers: mirror.ReferrersNew})
		if err != nil {
			return err
		}
		start := time.Now()
		p, err := s.Plan(ctx)
		if err != nil {
			return err
		}
		planTime += time.Since(start)
		planFlight += fl.mean()
		_, err = s.Apply(ctx, p)
		return err
	}
	times := map[string]time.Duration{}
	reqs := map[string]int{}
	flight := map[string]float64{}
	iter := 0
	for b.Loop() {
		for k := range contenders {
			ct := contenders[(k+iter)%len(contenders)]
			dstRec := testutil.NewRecorder()
			dst := testutil.NewDistribution(b, testutil.DistributionOptions{}, wrap(dstRec))
			e.srcRec.Reset()
			fl.reset()
			start := time.Now()
			if err := ct.c(ctx, e, dst.Host); err != nil {
				b.Fatal(ct.name, err)
			}
			times[ct.name] += time.Since(start)
			reqs[ct.name] += len(dstRec.Requests()) + len(e.srcRec.Requests())
			flight[ct.name] += fl.mean()
			dst.Server.Close()
		}
		iter++
	}
	n := float64(iter)
	tags := float64(w.Repos * w.Tags)
	b.ReportMetric(planTime.Seconds()/n, "planapply-plan-s/op")
	b.ReportMetric(planFlight/n, "planapply-plan-inflight")
	for _, ct := range contenders {
		b.ReportMetric(times[ct.name].Seconds()/n, ct.name+"-s/op")
		b.ReportMetric(float64(reqs[ct.name])/n, ct.name+"-requests/op")
		b.ReportMetric(float64(reqs[ct.name])/n/tags, ct.name+"-requests/tag")
		b.ReportMetric(flight[ct.name]/n, ct.name+"-inflight")
		if ct.name != "regdr" {
			b.ReportMetric(float64(times[ct.name])/float64(times["regdr"]), ct.name+"/regdr")
		}
	}
}

// regdrSync copies with the pipelined Syncer.Sync and fails unless every item is verified.
func regdrSync(ctx context.Context, e *benchEnv, dst string) error {
	s, err := mirror.New(mirror.Endpoint{PlainHTTP: true, Registry: e.src.Host}, mirror.Endpoint{PlainHTTP: true, Registry: dst},
		mirror.Options{Jobs: benchJobs, Referrers: mirror.ReferrersNew})
	if err != nil {
		return err
	}
	rep, err := s.Sync(ctx)
	if err == nil && !rep.OK() {
		err = fmt.Errorf("sync not verified: %v", rep)
	}
	return err
}

// synthRegistry is a tiny in-process registry holding, for each of its repositories,
// tags t00000… each pointing at its own small manifest (one shared config and one shared
// layer, and an annotation naming the tag, so every tag has a distinct digest). It answers
// the ping, tag listings, manifest HEAD/GET by tag or digest, blob HEAD, and the referrers
// API (always empty). With empty set it holds the repositories and manifests nowhere: a
// cold destination. It stores no manifest: each is rebuilt from its index when asked, and
// only a compact digest → index table (under 64 bytes per tag) is kept, so the fixture adds
// little to the heap the garbage collector paces itself by (a fixture holding every
// manifest would let the planner's garbage grow with it, inflating the peak it measures).
type synthRegistry struct {
	repos    []string
	perRepo  int
	byDigest map[[32]byte]uint32 // manifest digest → tag index
	cd, ld   string              // the config and layer digests
	blobs    map[string]int64    // digest → size
	empty    bool
	limit    int // if positive, Repositories lists only the first limit repositories
}

var (
	synthConfig = []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	synthLayer  = []byte("synthetic layer")
)

func newSynthRegistry(tags, perRepo int) *synthRegistry {
	s := &synthRegistry{perRepo: perRepo, byDigest: make(map[[32]byte]uint32, tags), blobs: map[string]int64{}}
	s.cd, s.ld = sha(synthConfig), sha(synthLayer)
	s.blobs[s.cd], s.blobs[s.ld] = int64(len(synthConfig)), int64(len(synthLayer))
	for i := 0; i < tags; i++ {
		if i%perRepo == 0 {
			s.repos = append(s.repos, fmt.Sprintf("scale/r%04d", i/perRepo))
		}
		s.byDigest[sha256.Sum256(s.manifest(i))] = uint32(i)
	}
	return s
}

// manifest returns the manifest of tag index i.
func (s *synthRegistry) manifest(i int) []byte {
	return fmt.Appendf(nil, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",`+
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":%q,"size":%d},`+
		`"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":%q,"size":%d}],`+
		`"annotations":{"org.example.tag":"scale/r%04d:t%05d"}}`, s.cd, len(synthConfig), s.ld, len(synthLayer), i/s.perRepo, i)
}

// index returns the tag index of repo:tag, or -1.
func (s *synthRegistry) index(repo, tag string) int {
	r, err1 := strconv.Atoi(strings.TrimPrefix(repo, "scale/r"))
	t, err2 := strconv.Atoi(strings.TrimPrefix(tag, "t"))
	if err1 != nil || err2 != nil || !strings.HasPrefix(tag, "t") || t/s.perRepo != r || t >= len(s.byDigest) {
		return -1
	}
	return t
}

// repoTags returns the tag indexes of repo.
func (s *synthRegistry) repoTags(repo string) (first, end int) {
	r, err := strconv.Atoi(strings.TrimPrefix(repo, "scale/r"))
	if err != nil || r < 0 || r >= len(s.repos) {
		return 0, 0
	}
	return r * s.perRepo, min((r+1)*s.perRepo, len(s.byDigest))
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// Repositories and Tags make the registry its own mirror.Source: a listing that knows
// digests, as Harbor's does, so planning sends no source HEAD per tag.
func (s *synthRegistry) Repositories(context.Context) ([]string, error) {
	if s.limit > 0 {
		return slices.Clone(s.repos[:s.limit]), nil
	}
	return slices.Clone(s.repos), nil
}

func (s *synthRegistry) Tags(_ context.Context, repo string) ([]mirror.Tag, error) {
	first, end := s.repoTags(repo)
	var out []mirror.Tag
	for i := first; i < end; i++ {
		out = append(out, mirror.Tag{Name: fmt.Sprintf("t%05d", i), Digest: sha(s.manifest(i))})
	}
	return out, nil
}

func (s *synthRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/v2/")
	notFound := func() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}`)
	}
	switch {
	case p == "" || p == "/":
		w.WriteHeader(http.StatusOK)
	case strings.HasSuffix(p, "/tags/list"):
		repo := strings.TrimSuffix(p, "/tags/list")
		w.Header().Set("Content-Type", "application/json")
		var names []string
		if !s.empty {
			first, end := s.repoTags(repo)
			for i := first; i < end; i++ {
				names = append(names, fmt.Sprintf("t%05d", i))
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"name": repo, "tags": append([]string{}, names...)})
	case strings.Contains(p, "/manifests/"):
		i := strings.LastIndex(p, "/manifests/")
		repo, ref := p[:i], p[i+len("/manifests/"):]
		n := -1
		if h, ok := strings.CutPrefix(ref, "sha256:"); ok {
			var key [32]byte
			if b, err := hex.DecodeString(h); err == nil && len(b) == 32 {
				copy(key[:], b)
				if x, ok := s.byDigest[key]; ok {
					n = int(x)
				}
			}
			if first, end := s.repoTags(repo); n < first || n >= end {
				n = -1
			}
		} else {
			n = s.index(repo, ref)
		}
		if n < 0 || s.empty {
			notFound()
			return
		}
		raw := s.manifest(n)
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.Header().Set("Docker-Content-Digest", sha(raw))
		w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
		if r.Method == http.MethodGet {
			w.Write(raw)
		}
	case strings.Contains(p, "/referrers/"):
		w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
		io.WriteString(w, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}`)
	case strings.Contains(p, "/blobs/"):
		d := p[strings.LastIndex(p, "/")+1:]
		size, ok := s.blobs[d]
		if !ok || s.empty {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		w.Header().Set("Docker-Content-Digest", d)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// BenchmarkPlanMemory measures planning memory, not copying, at 1k, 10k and 100k tags (100
// tags per repository), per planned tag: peak-bytes/tag is the highest HeapInuse sampled
// every 2 ms while planning (garbage not yet collected included, as in the process's RSS)
// minus HeapInuse after a GC before the plan; held-bytes/tag is HeapInuse after a GC with
// the plan still alive, minus the same base. Source and destination are synthRegistry
// handlers on loopback, which rebuild each manifest when asked and keep only a digest
// index, so the fixture in the base is small and does not let garbage grow with it (the
// GC paces itself by the whole live heap). The source listing already carries digests
// (as Harbor's does), so a cold plan costs one destination tag listing per repository
// and, per tag, one source manifest GET and one referrers request (Referrers "new"). The
// base is taken after a warm-up plan of up to ten repositories with the same Syncer, so
// connections and pools are not charged to the tags. "cold" plans against an empty
// destination (every tag to copy, its manifest fetched into the plan); "noop" plans
// against a destination holding everything (one HEAD per tag) and applies the empty plan;
// "noop-state" does the same with a state file (Options.State) that a first run, not
// measured, wrote: loading it, and writing the next one, are measured. requests/tag
// counts the measured run's requests to both registries.
// marginal-peak-bytes/tag is the growth of the peak from the previous size of the same
// mode to this one, per tag added: what a tag costs above the fixed base (the GC's
// minimum heap, connections and their 256 KiB buffers, the plan's at most 2 MiB of
// manifest bytes kept for Apply). The 100k cases are skipped with -short.
func BenchmarkPlanMemory(b *testing.B) {
	for _, mode := range []string{"cold", "noop", "noop-state"} {
		prevTags, prevPeak := 0, uint64(0)
		for _, tags := range []int{1_000, 10_000, 100_000} {
			b.Run(fmt.Sprintf("%s/%dk", mode, tags/1000), func(b *testing.B) {
				if tags >= 100_000 && testing.Short() {
					b.Skip("100k tags: skipped with -short")
				}
				src := newSynthRegistry(tags, 100)
				dst := &synthRegistry{}
				*dst = *src // the same tables: one fixture in memory
				dst.empty = mode == "cold"
				srcSrv, dstSrv := httptest.NewServer(src), httptest.NewServer(dst)
				defer srcSrv.Close()
				defer dstSrv.Close()
				ctx := context.Background()
				var peak, held uint64
				var reqs int64
				for b.Loop() {
					opts := mirror.Options{Source: src, Jobs: benchJobs, Referrers: mirror.ReferrersNew}
					if mode == "noop-state" {
						opts.State = filepath.Join(b.TempDir(), "state.json")
					}
					s, err := mirror.New(mirror.Endpoint{PlainHTTP: true, Registry: strings.TrimPrefix(srcSrv.URL, "http://")},
						mirror.Endpoint{PlainHTTP: true, Registry: strings.TrimPrefix(dstSrv.URL, "http://")}, opts)
					if err != nil {
						b.Fatal(err)
					}
					if opts.State != "" {
						// A first run writes the state the measured one reads.
						p, err := s.Plan(ctx)
						if err != nil {
							b.Fatal(err)
						}
						if _, err := s.Apply(ctx, p); err != nil {
							b.Fatal(err)
						}
					}
					// Warm up on up to ten repositories (as many as 1k tags have):
					// connections, transports and pools are then part of the base, not
					// charged to the tags.
					src.limit = min(10, len(src.repos))
					if _, err := s.Plan(ctx); err != nil {
						b.Fatal(err)
					}
					src.limit = 0
					runtime.GC()
					var before runtime.MemStats
					runtime.ReadMemStats(&before)
					src0, dst0 := s.Requests()
					stop := make(chan struct{})
					done := make(chan uint64)
					go func() { done <- samplePeak(stop) }()
					p, err := s.Plan(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if mode != "cold" {
						if p.HasChanges() {
							b.Fatal("noop plan has changes")
						}
						if rep, err := s.Apply(ctx, p); err != nil || !rep.OK() {
							b.Fatal(rep, err)
						}
					} else if len(p.Items) != tags {
						b.Fatalf("planned %d items, want %d", len(p.Items), tags)
					}
					close(stop)
					h := <-done
					srcN, dstN := s.Requests()
					reqs += srcN + dstN - src0 - dst0
					runtime.GC()
					var after runtime.MemStats
					runtime.ReadMemStats(&after)
					runtime.KeepAlive(p)
					if h > before.HeapInuse {
						peak = max(peak, h-before.HeapInuse)
					}
					if after.HeapInuse > before.HeapInuse {
						held = max(held, after.HeapInuse-before.HeapInuse)
					}
				}
				if prevTags > 0 {
					b.ReportMetric((float64(peak)-float64(prevPeak))/float64(tags-prevTags), "marginal-peak-bytes/tag")
				}
				prevTags, prevPeak = tags, peak
				b.ReportMetric(float64(peak)/float64(tags), "peak-bytes/tag")
				b.ReportMetric(float64(reqs)/float64(b.N)/float64(tags), "requests/tag")
				b.ReportMetric(float64(held)/float64(tags), "held-bytes/tag")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			})
		}
	}
}

// blobsOf returns the digests of the blobs (configs and layers) img, a v1.Image or
// v1.ImageIndex, refers to, recursively.
func blobsOf(img any) ([]v1.Hash, error) {
	switch x := img.(type) {
	case v1.Image:
		cn, err := x.ConfigName()
		if err != nil {
			return nil, err
		}
		ls, err := x.Layers()
		if err != nil {
			return nil, err
		}
		out := []v1.Hash{cn}
		for _, l := range ls {
			d, err := l.Digest()
			if err != nil {
				return nil, err
			}
			out = append(out, d)
		}
		return out, nil
	case v1.ImageIndex:
		im, err := x.IndexManifest()
		if err != nil {
			return nil, err
		}
		var out []v1.Hash
		for _, m := range im.Manifests {
			child, err := x.Image(m.Digest)
			if err != nil {
				return nil, err
			}
			bs, err := blobsOf(child)
			if err != nil {
				return nil, err
			}
			out = append(out, bs...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected %T", img)
}

// floorBlob is one unique blob and the first repository (in ref order) that holds it.
type floorBlob struct{ repo, digest string }

// uniqueBlobs lists each blob of the workload once.
func uniqueBlobs(w testutil.Workload) ([]floorBlob, error) {
	refs := w.Refs()
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range refs {
			if !yield(k) {
				return
			}
		}
	})
	seen := map[string]bool{}
	var out []floorBlob
	for _, ref := range keys {
		hs, err := blobsOf(refs[ref])
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			if !seen[h.String()] {
				seen[h.String()] = true
				out = append(out, floorBlob{repo: ref[:strings.IndexByte(ref, ':')], digest: h.String()})
			}
		}
	}
	return out, nil
}

// runReleasedCopy copies into a fresh distribution registry and returns the time, the blob
// bytes the destination received and the requests both registries answered. The
// destination's handler, and every blob it stored, is let go of once the copy is done (the test server it was served by stays referenced
// until the benchmark ends): otherwise each copy of the byte-bound workload keeps its
// MiBs alive for the rest of the benchmark, and later copies run on an ever larger heap.
func runReleasedCopy(b *testing.B, e *benchEnv, c copier) (time.Duration, int64, int) {
	dstRec := testutil.NewRecorder()
	var handler atomic.Pointer[http.Handler]
	dst := testutil.NewDistribution(b, testutil.DistributionOptions{}, func(h http.Handler) http.Handler {
		h = dstRec.Wrap(h)
		handler.Store(&h)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if h := handler.Load(); h != nil {
				(*h).ServeHTTP(w, r)
				return
			}
			http.Error(w, "released", http.StatusServiceUnavailable)
		})
	})
	defer handler.Store(nil)
	e.srcRec.Reset()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	if err := c(ctx, e, dst.Host); err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	var bytes int64
	for _, q := range dstRec.Requests() {
		if q.Kind == "upload" {
			bytes += q.BytesIn
		}
	}
	dst.Server.Close()
	return elapsed, bytes, len(dstRec.Requests()) + len(e.srcRec.Requests())
}

// median returns the median of xs, which it sorts.
func median(xs []float64) float64 {
	slices.Sort(xs)
	return (xs[(len(xs)-1)/2] + xs[len(xs)/2]) / 2
}

// floorCopy is the byte-bound floor: each unique blob copied once by a naive loop — GET
// from the source, then POST an upload and PUT the body with its digest to the
// destination — benchJobs at a time. No manifests, no existence checks, no mounts.
func floorCopy(ctx context.Context, client *http.Client, blobs []floorBlob, src, dst string) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(benchJobs)
	for _, bl := range blobs {
		g.Go(func() error { return floorBlobCopy(ctx, client, src, dst, bl.repo, bl.digest) })
	}
	return g.Wait()
}

// floorBlobCopy copies one blob of repo: GET from src, then POST an upload and PUT the
// body, streamed, with its digest to dst. Nothing checked, nothing hashed.
func floorBlobCopy(ctx context.Context, client *http.Client, src, dst, repo, digest string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+src+"/v2/"+repo+"/blobs/"+digest, nil)
	get, err := client.Do(req)
	if err != nil {
		return err
	}
	defer get.Body.Close()
	if get.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", digest, get.Status)
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, "http://"+dst+"/v2/"+repo+"/blobs/uploads/", nil)
	post, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, post.Body)
	post.Body.Close()
	if post.StatusCode != http.StatusAccepted {
		return fmt.Errorf("POST %s: %s", digest, post.Status)
	}
	loc, err := post.Location()
	if err != nil {
		return err
	}
	q := loc.Query()
	q.Set("digest", digest)
	loc.RawQuery = q.Encode()
	req, _ = http.NewRequestWithContext(ctx, http.MethodPut, loc.String(), get.Body)
	req.ContentLength = get.ContentLength
	req.Header.Set("Content-Type", "application/octet-stream")
	put, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, put.Body)
	put.Body.Close()
	if put.StatusCode != http.StatusCreated {
		return fmt.Errorf("PUT %s: %s", digest, put.Status)
	}
	return nil
}

// floorMFAccept is what floorMF asks a manifest GET for: the OCI and Docker image
// manifests and indexes.
var floorMFAccept = strings.Join([]string{
	"application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json", "application/vnd.docker.distribution.manifest.list.v2+json",
}, ", ")

// floorMF is one run of floorMFCopy: the floor with manifests. slots holds at most jobs
// requests (a blob's GET, POST and PUT count as one, as in floorCopy) in flight; a
// goroutine waiting for what it depends on holds none.
type floorMF struct {
	client   *http.Client
	src, dst string
	slots    chan struct{}

	mu    sync.Mutex
	home  map[string]string         // blob digest → the repository it was uploaded into
	onces map[string]*floorMFFuture // "blob repo@digest" or "manifest repo@digest" → done
}

type floorMFFuture struct {
	done chan struct{}
	err  error
}

// once runs fn the first time key is asked for, and returns its error to every caller
// once it has finished.
func (f *floorMF) once(ctx context.Context, key string, fn func() error) error {
	f.mu.Lock()
	fu, ok := f.onces[key]
	if !ok {
		fu = &floorMFFuture{done: make(chan struct{})}
		f.onces[key] = fu
	}
	f.mu.Unlock()
	if !ok {
		fu.err = fn()
		close(fu.done)
	}
	select {
	case <-fu.done:
		return fu.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// slot holds one of the jobs slots until the returned function is called.
func (f *floorMF) slot(ctx context.Context) (func(), error) {
	select {
	case f.slots <- struct{}{}:
		return func() { <-f.slots }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// do sends one request in a slot and returns the body of a response with status want.
func (f *floorMF) do(ctx context.Context, method, url, ctype string, body []byte, want int) ([]byte, http.Header, error) {
	release, err := f.slot(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer release()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, _ := http.NewRequestWithContext(ctx, method, url, rd)
	if method == http.MethodGet {
		req.Header.Set("Accept", floorMFAccept)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != want {
		err = fmt.Errorf("%s %s: %s", method, url, resp.Status)
	}
	return out, resp.Header, err
}

// floorMFCopy is the floor with manifests, the least a copy that is correct at all
// sends: the source's catalog once and each repository's tags once; each tag's manifest
// GET once (by tag), and an index's children once each (by digest); each unique blob GET,
// POST and PUT once (floorBlobCopy) into the first repository that needs it, and one
// mount POST into each other repository that refers to it (the destination's blobs
// belong to repositories, as the distribution registry's do: a manifest whose blobs are
// not in its repository is refused); then each manifest PUT once, children before their
// index, blobs before their manifest. No HEADs, no checks of the destination, no
// referrers, no hashing. Everything overlaps (a repository's tags are copied while
// another is listed) with at most jobs requests in flight.
func floorMFCopy(ctx context.Context, client *http.Client, src, dst string, jobs int) error {
	f := &floorMF{client: client, src: src, dst: dst, slots: make(chan struct{}, jobs),
		home: map[string]string{}, onces: map[string]*floorMFFuture{}}
	raw, _, err := f.do(ctx, http.MethodGet, "http://"+src+"/v2/_catalog", "", nil, http.StatusOK)
	if err != nil {
		return err
	}
	var cat struct{ Repositories []string }
	if err := json.Unmarshal(raw, &cat); err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	for _, repo := range cat.Repositories {
		g.Go(func() error {
			raw, _, err := f.do(ctx, http.MethodGet, "http://"+src+"/v2/"+repo+"/tags/list", "", nil, http.StatusOK)
			if err != nil {
				return err
			}
			var tl struct{ Tags []string }
			if err := json.Unmarshal(raw, &tl); err != nil {
				return err
			}
			for _, tag := range tl.Tags {
				g.Go(func() error { return f.copyManifest(ctx, repo, tag, nil, "") })
			}
			return nil
		})
	}
	return g.Wait()
}

// copyManifest copies the manifest repo:ref — GET from the source unless raw holds it
// already — after what it refers to: an index's children (each once per repository),
// an image's config and layers.
func (f *floorMF) copyManifest(ctx context.Context, repo, ref string, raw []byte, ctype string) error {
	if raw == nil {
		var h http.Header
		var err error
		if raw, h, err = f.do(ctx, http.MethodGet, "http://"+f.src+"/v2/"+repo+"/manifests/"+ref, "", nil, http.StatusOK); err != nil {
			return err
		}
		ctype = h.Get("Content-Type")
	}
	var m struct {
		Config *struct{ Digest string }
		Layers []struct {
			Digest string
			URLs   []string
		}
		Manifests []struct{ Digest string }
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, c := range m.Manifests {
		g.Go(func() error {
			return f.once(gctx, "manifest "+repo+"@"+c.Digest, func() error { return f.copyManifest(gctx, repo, c.Digest, nil, "") })
		})
	}
	var blobs []string
	if m.Config != nil {
		blobs = append(blobs, m.Config.Digest)
	}
	for _, l := range m.Layers {
		if len(l.URLs) == 0 {
			blobs = append(blobs, l.Digest)
		}
	}
	for _, d := range blobs {
		g.Go(func() error { return f.blob(gctx, repo, d) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	_, _, err := f.do(ctx, http.MethodPut, "http://"+f.dst+"/v2/"+repo+"/manifests/"+ref, ctype, raw, http.StatusCreated)
	return err
}

// blob puts blob d in the destination's repo, once: uploaded if no repository has it
// yet, mounted from the one it was uploaded into otherwise.
func (f *floorMF) blob(ctx context.Context, repo, d string) error {
	return f.once(ctx, "blob "+repo+"@"+d, func() error {
		f.mu.Lock()
		home, ok := f.home[d]
		if !ok {
			f.home[d] = repo
		}
		f.mu.Unlock()
		if !ok {
			release, err := f.slot(ctx)
			if err != nil {
				return err
			}
			defer release()
			return floorBlobCopy(ctx, f.client, f.src, f.dst, repo, d)
		}
		if err := f.blob(ctx, home, d); err != nil {
			return err
		}
		_, _, err := f.do(ctx, http.MethodPost, "http://"+f.dst+"/v2/"+repo+"/blobs/uploads/?mount="+d+"&from="+home, "", nil, http.StatusCreated)
		return err
	})
}

// BenchmarkSyncFloor compares regdr's copy of the byte-bound workload (benchWorkload:
// REGDR_BENCH_LAYER_KIB, 256 by default; 20 repositories × 5 tags, two of them multi-arch:
// 100 tags, 120 manifests, 244 unique blobs) with two floors, all into fresh distribution
// registries at the same concurrency (benchJobs) and alternated within every iteration
// (in a rotating order), so that load from elsewhere on the machine weighs on each alike.
// regdr is the pipelined Syncer.Sync, planapply regdr's Plan then Apply.
//
//   - floor (floorCopy) copies each unique blob once: GET from the source, then POST and
//     PUT to the destination, nothing else — 3 requests per unique blob. It is the
//     issue's byte-bound floor, but not a copy: no manifest moves, and it is told what to
//     copy rather than learning it.
//   - floormf (floorMFCopy), the floor with manifests, is the least a copy that is correct
//     at all sends: the catalog, each repository's tags once, each tag's manifest GET once
//     (an index's children once each), each unique blob GET+POST+PUT once, a mount into
//     every other repository that refers to it (the destination's blobs belong to
//     repositories, as the distribution registry's do, so without it the manifest is
//     refused), and each manifest PUT once, children first. No HEADs, no checks, no
//     referrers, no hashing; everything overlaps. About 4.1 requests per unique blob here
//     (10 per tag). TestFloorMFCopyLandsEveryTag checks that it really lands every tag with
//     the source's digest, so that it does not look fast by copying less.
//
// It reports regdr/floor and planapply/floor, the ratio of total times, regdr/floormf, and
// the medians of the iterations' ratios (regdr/floor-median, regdr/floormf-median: steadier
// on a loaded machine, run -benchtime 6x or more), floormf/floor (what moving the
// manifests and learning what to copy costs), and each one's requests per unique blob
// (both registries).
//
// What remains between regdr and floormf (measured with 6x–8x on a shared 2-core machine:
// regdr/floormf-median 1.7–2.0 at 256 KiB, 1.5–1.6 at 1 MiB) is regdr's per-tag safety
// and the digest hashing. In requests, about 6.3 per unique blob against 4.1, per tag 15
// against 10: the source tag's HEAD before the manifest's GET by digest (floormf GETs by
// tag), the referrers request, the destination tag's check right before the push (a HEAD
// so that a newer image pushed there since the plan is left alone, not rolled back; and
// one per index child), the final verification HEAD of every tag, one destination tag
// listing per repository, and a blob HEAD before the destination has shown it mounts
// (about 0.36 per unique blob; the failed mount attempts that replace the floor's POSTs
// cost nothing more). In CPU, regdr hashes every byte it copies (sha256, to refuse a blob that does not
// match its digest) where floormf hashes none: the same floormf hashing each blob as it
// streams measured 1.13× floormf's time at 256 KiB and 1.31× at 1 MiB, so hashing is about
// a third of the gap at 1 MiB and less at 256 KiB, where the extra requests weigh more. On
// a machine of two cores running both registries too, the copy is CPU-bound, and every
// extra request costs system calls on both ends. Each copy goes to a fresh destination,
// let go of when it is done, after a garbage collection: kept, the MiBs of earlier copies
// made later ones slower, the floors' among them.
func BenchmarkSyncFloor(b *testing.B) {
	w := benchWorkload()
	e := newSyncBenchEnv(b, w)
	blobs, err := uniqueBlobs(w)
	if err != nil {
		b.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = benchJobs
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	contenders := []struct {
		name string
		c    copier
	}{
		{"regdr", regdrSync},
		{"planapply", regdrCopy},
		{"floor", func(ctx context.Context, e *benchEnv, dst string) error {
			return floorCopy(ctx, client, blobs, e.src.Host, dst)
		}},
		{"floormf", func(ctx context.Context, e *benchEnv, dst string) error {
			return floorMFCopy(ctx, client, e.src.Host, dst, benchJobs)
		}},
	}
	times := map[string]time.Duration{}
	bytes := map[string]int64{}
	reqs := map[string]int{}
	var ratios, paRatios, mfRatios []float64
	iter := 0
	for b.Loop() {
		took := map[string]time.Duration{}
		for k := range contenders {
			ct := contenders[(k+iter)%len(contenders)]
			// The last copy's garbage (its destination's blobs among it) is collected
			// now, not during this one.
			runtime.GC()
			d, by, rq := runReleasedCopy(b, e, ct.c)
			took[ct.name] = d
			times[ct.name] += d
			bytes[ct.name] += by
			reqs[ct.name] += rq
		}
		ratios = append(ratios, float64(took["regdr"])/float64(took["floor"]))
		paRatios = append(paRatios, float64(took["planapply"])/float64(took["floor"]))
		mfRatios = append(mfRatios, float64(took["regdr"])/float64(took["floormf"]))
		iter++
	}
	n := float64(iter)
	for _, ct := range contenders {
		b.ReportMetric(times[ct.name].Seconds()/n, ct.name+"-s/op")
		b.ReportMetric(float64(bytes[ct.name])/n/(1<<20), ct.name+"-MiB/op")
		b.ReportMetric(float64(reqs[ct.name])/n/float64(len(blobs)), ct.name+"-requests/blob")
	}
	b.ReportMetric(float64(len(blobs)), "unique-blobs")
	b.ReportMetric(float64(times["regdr"])/float64(times["floor"]), "regdr/floor")
	b.ReportMetric(float64(times["planapply"])/float64(times["floor"]), "planapply/floor")
	b.ReportMetric(median(ratios), "regdr/floor-median")
	b.ReportMetric(median(paRatios), "planapply/floor-median")
	b.ReportMetric(float64(times["regdr"])/float64(times["floormf"]), "regdr/floormf")
	b.ReportMetric(median(mfRatios), "regdr/floormf-median")
	b.ReportMetric(float64(times["floormf"])/float64(times["floor"]), "floormf/floor")
}
