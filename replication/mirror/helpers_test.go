package mirror_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// syncEnv is a source and a destination registry on loopback, each behind a Recorder.
type syncEnv struct {
	src, dst       *testutil.Registry
	srcRec, dstRec *testutil.Recorder
	fx             *testutil.Fixture
}

func newSyncGGCREnv(t *testing.T) *syncEnv {
	t.Helper()
	e := &syncEnv{srcRec: testutil.NewRecorder(), dstRec: testutil.NewRecorder(), fx: testutil.NewFixture(1, 2<<10)}
	e.src = testutil.NewGGCRRegistry(t, e.srcRec.Wrap)
	e.dst = testutil.NewGGCRRegistry(t, e.dstRec.Wrap)
	return e
}

func newSyncDistributionEnv(t *testing.T) *syncEnv {
	t.Helper()
	e := &syncEnv{srcRec: testutil.NewRecorder(), dstRec: testutil.NewRecorder(), fx: testutil.NewFixture(2, 2<<10)}
	e.src = testutil.NewDistribution(t, testutil.DistributionOptions{CatalogMaxEntries: 2}, e.srcRec.Wrap)
	e.dst = testutil.NewDistribution(t, testutil.DistributionOptions{}, e.dstRec.Wrap)
	return e
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// push writes images to the source (or the destination with toDst) and returns their digests.
func (e *syncEnv) push(t *testing.T, host string, refs map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for ref, img := range refs {
		if err := testutil.Push(testCtx(t), host, ref, img); err != nil {
			t.Fatalf("Push(%s): %v", ref, err)
		}
		out[ref] = testutil.Descriptor(img).Digest.String()
	}
	return out
}

func (e *syncEnv) syncer(t *testing.T, opts mirror.Options, dstRT http.RoundTripper) *mirror.Syncer {
	t.Helper()
	return e.syncer2(t, opts, nil, dstRT)
}

func (e *syncEnv) syncer2(t *testing.T, opts mirror.Options, srcRT, dstRT http.RoundTripper) *mirror.Syncer {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = &testutil.ImmediateClock{}
	}
	s, err := mirror.New(
		mirror.Endpoint{PlainHTTP: true, Registry: e.src.Host, Transport: srcRT},
		mirror.Endpoint{PlainHTTP: true, Registry: e.dst.Host, Transport: dstRT}, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// run plans and applies, failing the test on any error.
func (e *syncEnv) run(t *testing.T, s *mirror.Syncer) (*mirror.Plan, *mirror.Report) {
	t.Helper()
	ctx := testCtx(t)
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	rep, err := s.Apply(ctx, p)
	if err != nil {
		t.Fatalf("Apply: %v\n%v", err, rep)
	}
	if !rep.OK() {
		t.Fatalf("Apply report not OK: %v", rep)
	}
	if v := e.dstRec.Violations(); len(v) > 0 {
		t.Fatalf("manifest before its blobs: %v", v)
	}
	return p, rep
}

// testClient is the tests' own client for looking at registries: not http.DefaultClient,
// whose transport's idle connections every httptest.Server.Close (and a test draining
// them) closes, which breaks a request racing to reuse one ("transport connection
// broken: CloseIdleConnections called") in a parallel test.
var testClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}

func headDigest(t *testing.T, host, ref string) string {
	t.Helper()
	repo, tag := splitRef(ref)
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodHead, "http://"+host+"/v2/"+repo+"/manifests/"+tag, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json")
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ""
	}
	return resp.Header.Get("Docker-Content-Digest")
}

func splitRef(ref string) (repo, tag string) {
	if i := strings.LastIndexByte(ref, '@'); i >= 0 {
		return ref[:i], ref[i+1:]
	}
	for i := len(ref) - 1; i >= 0; i-- {
		switch ref[i] {
		case '@':
			return ref[:i], ref[i+1:]
		case ':':
			return ref[:i], ref[i+1:]
		case '/':
			return ref, "latest"
		}
	}
	return ref, "latest"
}

func roundTrip(t *testing.T, p *mirror.Plan) *mirror.Plan {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var out mirror.Plan
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

type syncRecorded = testutil.Request

func desc(img any) v1.Descriptor { return testutil.Descriptor(img) }

func digestOf(img any) string { return testutil.Descriptor(img).Digest.String() }

func newSyncGGCRWrapped(t *testing.T, wrap func(http.Handler) http.Handler) *testutil.Registry {
	return testutil.NewGGCRRegistry(t, wrap)
}
