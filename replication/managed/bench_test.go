package managed_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"golang.org/x/sync/errgroup"

	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/managed"
	"github.com/regdr/regdr/replication/mirror"
)

// BenchmarkSyncNoopHarborSource re-syncs the workload from a Harbor listed through its API
// (Source): the listing gives every tag's digest, so a no-op costs the API
// listings plus one manifest HEAD per tag at the destination. requests/tag counts every
// request Harbor (API and registry) and the destination receive.
func BenchmarkSyncNoopHarborSource(b *testing.B) {
	w := syncBenchWorkload()
	w.LayerSize = 4 << 10
	hb := harbortest.New(harbortest.WithProject("bench", false))
	rec := testutil.NewRecorder()
	hs := httptest.NewServer(rec.Wrap(hb))
	b.Cleanup(func() { hs.Close(); hb.Close() })
	host := strings.TrimPrefix(hs.URL, "http://")
	admin := &authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for ref, img := range w.Refs() {
		g.Go(func() error { return testutil.PushAuth(gctx, host, ref, img, admin) })
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	hc, err := harbor.New(hs.URL, harbor.WithBasicAuth(harbortest.DefaultAdmin, harbortest.DefaultPassword))
	if err != nil {
		b.Fatal(err)
	}
	dst := testutil.NewDistribution(b, testutil.DistributionOptions{}, nil)
	s, err := mirror.New(mirror.Endpoint{PlainHTTP: true, Registry: host, Auth: admin}, mirror.Endpoint{PlainHTTP: true, Registry: dst.Host},
		mirror.Options{Jobs: syncBenchJobs, Source: &managed.Source{Harbor: hc}})
	if err != nil {
		b.Fatal(err)
	}
	p, err := s.Plan(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if rep, err := s.Apply(ctx, p); err != nil || !rep.OK() {
		b.Fatal(rep, err)
	}
	rec.Reset()
	_, dst0 := s.Requests()
	var bytes int64
	for b.Loop() {
		bytes += syncNoop(b, ctx, s)
	}
	_, dstN := s.Requests()
	harborReqs := len(rec.Requests())
	tags := float64(w.Repos * w.Tags)
	b.ReportMetric(float64(int64(harborReqs)+dstN-dst0)/float64(b.N)/tags, "requests/tag")
	b.ReportMetric(float64(harborReqs)/float64(b.N)/tags, "harbor-requests/tag")
	b.ReportMetric(float64(bytes), "blob-bytes")
}

// syncBenchJobs is the concurrency the benchmark gives the Syncer (mirror's benchmarks use
// the same).
const syncBenchJobs = 8

// syncBenchWorkload is mirror's benchmark workload: 20 repositories × 5 tags, three layers
// each, two multi-arch repositories.
func syncBenchWorkload() testutil.Workload {
	return testutil.Workload{Repos: 20, Tags: 5, MultiArch: 2, LayerSize: 256 << 10, Seed: 42}
}

func syncNoop(b *testing.B, ctx context.Context, s *mirror.Syncer) int64 {
	b.Helper()
	p, err := s.Plan(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if p.HasChanges() {
		b.Fatalf("no-op plan has changes:\n%v", p)
	}
	rep, err := s.Apply(ctx, p)
	if err != nil || !rep.OK() {
		b.Fatal(rep, err)
	}
	return rep.BytesUploaded
}
