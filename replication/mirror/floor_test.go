package mirror_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/regdr/regdr/internal/testutil"
)

// TestFloorMFCopyLandsEveryTag keeps BenchmarkSyncFloor's floormf contender honest: a floor
// that copied less (an index without its children, a repository's blobs unmounted, a tag
// left out) would look faster than any correct copy. On a tiny workload with a multi-arch
// repository, copied into a registry whose blobs belong to repositories, every tag must
// land with the source's digest, no manifest before what it refers to, each unique blob
// uploaded exactly once, and no HEAD sent.
func TestFloorMFCopyLandsEveryTag(t *testing.T) {
	w := testutil.Workload{Repos: 5, Tags: 2, MultiArch: 1, LayerSize: 1 << 10, Seed: 7}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	src := testutil.NewGGCRRegistry(t, nil)
	if err := w.Push(ctx, src.Host); err != nil {
		t.Fatal(err)
	}
	rec := testutil.NewRecorder()
	dst := testutil.NewDistribution(t, testutil.DistributionOptions{}, rec.Wrap)
	client := &http.Client{}
	if err := floorMFCopy(ctx, client, src.Host, dst.Host, 3); err != nil {
		t.Fatal(err)
	}

	digest := func(host, ref string) string {
		t.Helper()
		i := len(ref) - len(":v0")
		req, _ := http.NewRequestWithContext(ctx, http.MethodHead, "http://"+host+"/v2/"+ref[:i]+"/manifests/"+ref[i+1:], nil)
		req.Header.Set("Accept", floorMFAccept)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return resp.Status
		}
		return resp.Header.Get("Docker-Content-Digest")
	}
	reqs := rec.Requests()
	var refs []string
	for ref := range w.Refs() {
		refs = append(refs, ref)
	}
	slices.Sort(refs)
	want, got := map[string]string{}, map[string]string{}
	for _, ref := range refs {
		want[ref], got[ref] = digest(src.Host, ref), digest(dst.Host, ref)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("destination digests (-source +destination):\n%s", diff)
	}
	if v := rec.Violations(); len(v) > 0 {
		t.Errorf("manifests pushed before what they refer to: %v", v)
	}
	blobs, err := uniqueBlobs(w)
	if err != nil {
		t.Fatal(err)
	}
	wantUploads := map[string]int{}
	for _, b := range blobs {
		wantUploads[b.digest] = 1
	}
	if diff := cmp.Diff(wantUploads, rec.BlobUploads()); diff != "" {
		t.Errorf("blob uploads per digest (-want +got):\n%s", diff)
	}
	for _, q := range reqs {
		if q.Method == http.MethodHead {
			t.Errorf("floormf sent %s %s %s", q.Method, q.Kind, q.Ref)
		}
	}
}
