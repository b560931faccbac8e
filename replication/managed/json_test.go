package managed_test

import (
	"errors"
	"testing"
	"time"

	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/managed"
	"github.com/regdr/regdr/replication/mirror"
)

// TestJSONSnakeCase: setups, plans and apply results — what examples/harbor-to-acr -json
// writes, Harbor's execution and the sync and lag reports included — use snake_case keys
// only, at every depth. Every field is set so that omitempty hides none.
func TestJSONSnakeCase(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	flatten := 1
	ep := managed.Endpoint{Name: "acr", Description: "d", URL: "https://127.0.0.1", Type: managed.DefaultEndpointType,
		AccessKey: "k", AccessSecret: "s", Insecure: true}
	setup := managed.Setup{Policy: "p", Description: "d", Projects: []string{"library"},
		Filters:   []replication.Filter{{Kind: replication.FilterTag, Pattern: "v*", Labels: []string{"l"}, Decoration: replication.Excludes}},
		Namespace: "ns", ExistingNamespace: true, PublicRepositories: true, Endpoint: ep, Flatten: &flatten, MaxDepth: 2,
		Trigger: harbor.TriggerScheduled, Cron: "0 0 * * * *", BytesPerSecond: 1, Override: true, Disabled: true, ReplicateDeletion: true}
	a := lag.Artifact{Source: "library/nginx", Dest: "ns/nginx", Tag: "1.26", Digest: "sha256:aa", DestDigest: "sha256:bb",
		PushTime: at, Accessory: "signature.cosign", Subject: "sha256:cc"}
	report := &lag.Report{CheckedAt: at, Expected: 1, Present: 1, Missing: []lag.Artifact{a}, Stale: []lag.Artifact{a},
		Extra: []lag.Artifact{a}, Accessories: 1, MissingAccessories: []lag.Artifact{a}, OldestMissing: time.Minute}
	action := managed.Action{Kind: managed.UpdatePolicy, Name: "p", ID: 1, Reason: "r",
		Changes: []managed.FieldChange{{Field: "f", Old: "o", New: "n"}}}
	plan := &managed.Plan{Setup: setup, Actions: []managed.Action{action}, Repositories: map[string]string{"library/nginx": "ns/nginx"},
		EndpointID: 1, PolicyID: 1, Lag: report}
	item := mirror.Item{Source: "library/nginx", Dest: "ns/nginx", Tag: "1.26", Digest: "sha256:aa", Action: mirror.Copy,
		DestDigest: "sha256:bb", Subject: "sha256:cc"}
	result := &managed.ApplyResult{Done: []managed.Action{action}, EndpointID: 1, PolicyID: 1,
		Execution: &harbor.Execution{ID: 1, PolicyID: 1, Status: harbor.StatusSucceed, StatusText: "t", Trigger: "manual",
			Total: 1, Succeed: 1, Failed: 1, InProgress: 1, Stopped: 1, StartTime: at, EndTime: at},
		Sync: &mirror.Report{Items: 1, Copied: 1, Tagged: 1, Skipped: 1, Conflicts: 1, Failed: 1, Verified: 1,
			BlobsUploaded: 1, BlobsMounted: 1, BlobsPresent: 1, Manifests: 1, BytesUploaded: 1, Retries: 1,
			SourceRequests: 1, DestRequests: 1, Duration: time.Second,
			Results: []mirror.Result{{Item: item, Outcome: mirror.OutcomeFailed, Verified: true, Err: errors.New("e")}}},
		Lag: report}
	for _, tc := range []struct {
		name string
		v    any
		data []string // paths of maps keyed by data
	}{
		{"Setup", setup, nil},
		{"Endpoint", ep, nil},
		{"Plan", plan, []string{".repositories"}},
		{"ApplyResult", result, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jsontest.SnakeCase(t, tc.v, tc.data...)
		})
	}
}
