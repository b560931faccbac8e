package mirror_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/replication/mirror"
)

// TestJSONSnakeCase: plans, reports, endpoints and errors — everything mirror writes as
// JSON — use snake_case keys only, at every depth. Every field is set so that omitempty
// hides none.
func TestJSONSnakeCase(t *testing.T) {
	t.Parallel()
	ep := mirror.Endpoint{Registry: "http://127.0.0.1:5000", PlainHTTP: true, AllowPlainHTTPCredentials: true}
	item := mirror.Item{Source: "library/nginx", Dest: "ns/nginx", Tag: "1.26", Digest: "sha256:aa", Action: mirror.Conflict,
		DestDigest: "sha256:bb", Subject: "sha256:cc"}
	plan := &mirror.Plan{Source: "127.0.0.1:5000", Destination: "127.0.0.1:5001", Items: []mirror.Item{item},
		Manifests: map[string]mirror.Manifest{"sha256:aa": {MediaType: "application/vnd.oci.image.index.v1+json", Size: 1,
			Blobs: []mirror.Blob{{Digest: "sha256:dd", Size: 2}}, Children: []string{"sha256:ee"}}},
		Shard: 1, Shards: 2}
	report := &mirror.Report{Items: 1, Copied: 1, Tagged: 1, Skipped: 1, Conflicts: 1, Failed: 1, Verified: 1,
		BlobsUploaded: 1, BlobsMounted: 1, BlobsPresent: 1, Manifests: 1, BytesUploaded: 1, Retries: 1,
		SourceRequests: 1, DestRequests: 1, Duration: time.Second,
		Results: []mirror.Result{{Item: item, Outcome: mirror.OutcomeFailed, Verified: true, Err: errors.New("e")}}}
	src := mirror.NewRegistrySource(ep)
	src.PageSize = 100
	syncer, err := mirror.New(ep, ep, mirror.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		v    any
		data []string // paths of maps keyed by data
	}{
		{"Plan", plan, []string{".manifests"}},
		{"Totals", plan.Totals(), nil},
		{"Report", report, nil},
		{"Endpoint", ep, nil},
		{"RegistrySource", src, nil},
		{"Syncer", syncer, nil},
		{"Tag", mirror.Tag{Name: "1.26", Digest: "sha256:aa", Labels: []string{"l"}}, nil},
		{"Event", mirror.Event{Kind: mirror.EventBlob, Repo: "ns/nginx", Ref: "1.26", Digest: "sha256:aa", Bytes: 1, Size: 1,
			Outcome: "uploaded", Err: errors.New("e")}, nil},
		{"HTTPError", &mirror.HTTPError{Method: "GET", Path: "/v2/", StatusCode: 429, Code: "TOOMANYREQUESTS", Message: "m",
			RetryAfter: "1"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jsontest.SnakeCase(t, tc.v, tc.data...)
		})
	}
}

// TestJSONFirstShardSaysSo: part 0 of a split plan says so in JSON — "shard": 0 beside
// "shards" — where omitempty once left jq .shard null for it alone.
func TestJSONFirstShardSaysSo(t *testing.T) {
	t.Parallel()
	raw, err := json.Marshal(&mirror.Plan{Source: "a", Destination: "b", Shard: 0, Shards: 3})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m["shard"] != 0.0 || m["shards"] != 3.0 {
		t.Errorf("part 0 of 3 marshals as %s", raw)
	}
}
