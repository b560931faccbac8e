package lag_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
)

// TestCompare holds Verify's decision to a table, without fakes: what Harbor lists, what
// ACR EE holds, and the report.
func TestCompare(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	d := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	hourAgo, dayAgo := now.Add(-time.Hour), now.Add(-24*time.Hour)
	nginx := lag.SourceArtifact{Digest: d("a"), Tags: []string{"1.25", "latest"}, PushTime: dayAgo}
	signed := lag.SourceArtifact{Digest: d("b"), Tags: []string{"v1"}, PushTime: hourAgo,
		Accessories: []lag.Accessory{{Type: "signature.cosign", Digest: d("c")}}}
	listing := func(arts ...lag.SourceArtifact) []lag.Listing {
		return []lag.Listing{{Source: "library/nginx", Dest: "dr/nginx", Artifacts: arts}}
	}
	type counts struct{ Expected, Present, Missing, Stale, Extra, Accessories, MissingAccessories int }
	tests := []struct {
		name   string
		in     lag.Input
		want   counts
		oldest time.Duration
	}{{
		name: "complete",
		in:   lag.Input{Harbor: listing(nginx), ACR: map[string]map[string]string{"dr/nginx": {"1.25": d("a"), "latest": d("a")}}},
		want: counts{Expected: 2, Present: 2},
	}, {
		name:   "missing and stale, aged from the push",
		in:     lag.Input{Harbor: listing(nginx), ACR: map[string]map[string]string{"dr/nginx": {"1.25": d("f")}}},
		want:   counts{Expected: 2, Missing: 1, Stale: 1},
		oldest: 24 * time.Hour,
	}, {
		name:   "a repository ACR EE does not have",
		in:     lag.Input{Harbor: listing(nginx)},
		want:   counts{Expected: 2, Missing: 2},
		oldest: 24 * time.Hour,
	}, {
		name: "extra tags and repositories; cosign and referrers tags are not extra",
		in: lag.Input{Harbor: listing(nginx), ACR: map[string]map[string]string{
			"dr/nginx": {"1.25": d("a"), "latest": d("a"), "old": d("e"), "sha256-" + strings.Repeat("a", 64) + ".sig": d("c")},
			"dr/gone":  {"1": d("e")},
		}},
		want: counts{Expected: 2, Present: 2, Extra: 2},
	}, {
		name: "selector: only v* tags are expected",
		in: lag.Input{Harbor: listing(nginx, signed), Selector: replication.MustRules(replication.Filter{Kind: replication.FilterTag, Pattern: "v*"}),
			ACR: map[string]map[string]string{"dr/nginx": {"v1": d("b"), "sha256-" + strings.Repeat("b", 64) + ".sig": d("c")}}},
		want: counts{Expected: 1, Present: 1, Accessories: 1},
	}, {
		name:   "a missing signature counts from its artifact's push",
		in:     lag.Input{Harbor: listing(signed), ACR: map[string]map[string]string{"dr/nginx": {"v1": d("b")}}},
		want:   counts{Expected: 1, Present: 1, Accessories: 1, MissingAccessories: 1},
		oldest: time.Hour,
	}, {
		name: "an accessory attached by subject: the referrers fallback tag (OpenAPI)",
		in:   lag.Input{Harbor: listing(signed), ACR: map[string]map[string]string{"dr/nginx": {"v1": d("b"), "sha256-" + strings.Repeat("b", 64): d("9")}}},
		want: counts{Expected: 1, Present: 1, Accessories: 1},
	}, {
		name: "an accessory found by digest (ManifestChecker)",
		in: lag.Input{Harbor: listing(signed), ACR: map[string]map[string]string{"dr/nginx": {"v1": d("b")}},
			Manifests: map[string]map[string]bool{"dr/nginx": {d("c"): true}}},
		want: counts{Expected: 1, Present: 1, Accessories: 1},
	}, {
		name: "a ManifestChecker's word overrides the fallback tag",
		in: lag.Input{Harbor: listing(signed), ACR: map[string]map[string]string{"dr/nginx": {"v1": d("b"), "sha256-" + strings.Repeat("b", 64): d("9")}},
			Manifests: map[string]map[string]bool{}},
		want:   counts{Expected: 1, Present: 1, Accessories: 1, MissingAccessories: 1},
		oldest: time.Hour,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.in.CheckedAt = now
			r := lag.Compare(tt.in)
			got := counts{r.Expected, r.Present, len(r.Missing), len(r.Stale), len(r.Extra), r.Accessories, len(r.MissingAccessories)}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Compare counts (-want +got):\n%s\n%v", diff, r)
			}
			if r.OldestMissing != tt.oldest || !r.CheckedAt.Equal(now) {
				t.Errorf("OldestMissing = %v at %v, want %v at %v", r.OldestMissing, r.CheckedAt, tt.oldest, now)
			}
			if r.Complete() != (tt.want.Missing+tt.want.Stale+tt.want.MissingAccessories == 0) {
				t.Errorf("Complete() = %v for %v", r.Complete(), r)
			}
		})
	}
}
