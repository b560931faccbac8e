package lag_test

import (
	"testing"
	"time"

	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/replication/lag"
)

// TestJSONSnakeCase: lag reports and summaries — what examples/verify -json writes and
// examples/failover -lag-file reads — use snake_case keys only, at every depth. Every
// field is set so that omitempty hides none.
func TestJSONSnakeCase(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	a := lag.Artifact{Source: "library/nginx", Dest: "ns/nginx", Tag: "1.26", Digest: "sha256:aa", DestDigest: "sha256:bb",
		PushTime: at, Accessory: "signature.cosign", Subject: "sha256:cc"}
	report := &lag.Report{CheckedAt: at, Expected: 1, Present: 1, Missing: []lag.Artifact{a}, Stale: []lag.Artifact{a},
		Extra: []lag.Artifact{a}, Accessories: 1, MissingAccessories: []lag.Artifact{a}, OldestMissing: time.Minute}
	reverse := &lag.ReverseReport{CheckedAt: at, Checked: 3, Present: 0, Missing: []lag.Artifact{a}, Stale: []lag.Artifact{a},
		Unmapped: []lag.Artifact{a}, OldestMissing: time.Minute}
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"Report", report},
		{"Summary", report.Summary()},
		{"Tag", lag.Tag{Name: "1.26", Digest: "sha256:aa", PushTime: at}},
		{"ReverseReport", reverse},
		{"ReverseSummary", reverse.Summary()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jsontest.SnakeCase(t, tc.v)
		})
	}
}
