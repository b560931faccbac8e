package lag_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
)

// TestCompareReverse holds Reverse's decision to a table, without fakes: Harbor's
// repositories and where they flatten to, what ACR EE holds, and the report — or the
// refusal of an inverse that is not exact.
func TestCompareReverse(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	d := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	hourAgo, dayAgo := now.Add(-time.Hour), now.Add(-24*time.Hour)
	nginx := lag.SourceArtifact{Digest: d("a"), Tags: []string{"1.25", "latest"}, PushTime: dayAgo,
		Accessories: []lag.Accessory{{Type: "signature.cosign", Digest: d("c")}}}
	unsigned := lag.SourceArtifact{Digest: d("9"), Tags: []string{"unsigned"}, PushTime: dayAgo}
	harbor := []lag.Listing{{Source: "library/web/nginx", Dest: "dr/nginx", Artifacts: []lag.SourceArtifact{nginx, unsigned}}}
	// fallback is the OCI referrers fallback tag of the artifact of digest d(c): an index
	// of that subject's referrers, kept by registries without the referrers API.
	fallback := func(c string) lag.Tag {
		return lag.Tag{Name: "sha256-" + strings.Repeat(c, 64), Digest: d("7"), PushTime: hourAgo}
	}
	held := []lag.Tag{{Name: "1.25", Digest: d("a")}, {Name: "latest", Digest: d("a")}}
	with := func(extra ...lag.Tag) map[string][]lag.Tag {
		return map[string][]lag.Tag{"dr/nginx": append(held[:2:2], extra...)}
	}
	type counts struct{ Checked, Present, Missing, Stale, Unmapped int }
	tests := []struct {
		name    string
		in      lag.ReverseInput
		want    counts
		oldest  time.Duration
		first   *lag.Artifact // the first missing, stale or unmapped tag
		wantErr error
	}{{
		name: "complete",
		in:   lag.ReverseInput{Harbor: harbor, ACR: with()},
		want: counts{Checked: 2, Present: 2},
	}, {
		name: "complete: a cosign tag Harbor lists as an accessory",
		in:   lag.ReverseInput{Harbor: harbor, ACR: with(lag.Tag{Name: "sha256-" + strings.Repeat("a", 64) + ".sig", Digest: d("c")})},
		want: counts{Checked: 3, Present: 3},
	}, {
		name:   "a tag pushed into ACR EE during the outage maps back to its nested source",
		in:     lag.ReverseInput{Harbor: harbor, ACR: with(lag.Tag{Name: "hotfix", Digest: d("b"), PushTime: hourAgo})},
		want:   counts{Checked: 3, Present: 2, Missing: 1},
		oldest: time.Hour,
		first:  &lag.Artifact{Source: "library/web/nginx", Dest: "dr/nginx", Tag: "hotfix", DestDigest: d("b"), PushTime: hourAgo},
	}, {
		name: "complete: the referrers fallback tag of a subject whose referrers Harbor lists",
		in:   lag.ReverseInput{Harbor: harbor, ACR: with(fallback("a"))},
		want: counts{Checked: 3, Present: 3},
	}, {
		name:   "the referrers fallback tag of a subject Harbor lists no referrer of: signed during the outage",
		in:     lag.ReverseInput{Harbor: harbor, ACR: with(fallback("9"))},
		want:   counts{Checked: 3, Present: 2, Missing: 1},
		oldest: time.Hour,
		first:  &lag.Artifact{Source: "library/web/nginx", Dest: "dr/nginx", Tag: fallback("9").Name, DestDigest: d("7"), PushTime: hourAgo},
	}, {
		name:   "the referrers fallback tag of a subject Harbor lacks",
		in:     lag.ReverseInput{Harbor: harbor, ACR: with(fallback("b"))},
		want:   counts{Checked: 3, Present: 2, Missing: 1},
		oldest: time.Hour,
	}, {
		name: "a signature made during the outage is missing",
		in:   lag.ReverseInput{Harbor: harbor, ACR: with(lag.Tag{Name: "sha256-" + strings.Repeat("a", 64) + ".sig", Digest: d("e")})},
		want: counts{Checked: 3, Present: 2, Missing: 1},
	}, {
		name:   "a tag moved in ACR EE is stale in Harbor",
		in:     lag.ReverseInput{Harbor: harbor, ACR: map[string][]lag.Tag{"dr/nginx": {{Name: "1.25", Digest: d("a")}, {Name: "latest", Digest: d("b"), PushTime: hourAgo}}}},
		want:   counts{Checked: 2, Present: 1, Stale: 1},
		oldest: time.Hour,
		first:  &lag.Artifact{Source: "library/web/nginx", Dest: "dr/nginx", Tag: "latest", Digest: d("a"), DestDigest: d("b"), PushTime: hourAgo},
	}, {
		name:  "a repository created in ACR EE under a new name is unmapped, not guessed",
		in:    lag.ReverseInput{Harbor: harbor, ACR: map[string][]lag.Tag{"dr/nginx": held, "dr/nginx-canary": {{Name: "1", Digest: d("a")}}}},
		want:  counts{Checked: 3, Present: 2, Unmapped: 1},
		first: &lag.Artifact{Dest: "dr/nginx-canary", Tag: "1", DestDigest: d("a")},
	}, {
		name: "tags without a push time: counted, not aged",
		in:   lag.ReverseInput{Harbor: harbor, ACR: with(lag.Tag{Name: "hotfix", Digest: d("b")})},
		want: counts{Checked: 3, Present: 2, Missing: 1},
	}, {
		name: "a Harbor repository ACR EE does not have: nothing to carry back",
		in:   lag.ReverseInput{Harbor: append(harbor[:1:1], lag.Listing{Source: "library/redis", Dest: "dr/redis"}), ACR: with()},
		want: counts{Checked: 2, Present: 2},
	}, {
		name: "flatten all over nested sources: two sources, one destination",
		in: lag.ReverseInput{Harbor: append(harbor[:1:1], lag.Listing{Source: "team/nginx", Dest: "dr/nginx"}),
			ACR: with(lag.Tag{Name: "hotfix", Digest: d("b")})},
		wantErr: lag.ErrAmbiguousInverse,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.in.CheckedAt = now
			r, err := lag.CompareReverse(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || r != nil {
					t.Fatalf("CompareReverse = %v, %v; want %v", r, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := counts{r.Checked, r.Present, len(r.Missing), len(r.Stale), len(r.Unmapped)}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CompareReverse counts (-want +got):\n%s\n%v", diff, r)
			}
			if r.OldestMissing != tt.oldest || !r.CheckedAt.Equal(now) {
				t.Errorf("OldestMissing = %v at %v, want %v at %v", r.OldestMissing, r.CheckedAt, tt.oldest, now)
			}
			if r.Complete() != (tt.want.Missing+tt.want.Stale+tt.want.Unmapped == 0) {
				t.Errorf("Complete() = %v for %v", r.Complete(), r)
			}
			if tt.first != nil {
				all := append(append(append([]lag.Artifact{}, r.Missing...), r.Stale...), r.Unmapped...)
				if diff := cmp.Diff(*tt.first, all[0]); diff != "" {
					t.Errorf("first reported tag (-want +got):\n%s", diff)
				}
			}
			s := r.Summary()
			if s.Missing != tt.want.Missing || s.Stale != tt.want.Stale || s.Unmapped != tt.want.Unmapped || s.OldestMissing != tt.oldest {
				t.Errorf("Summary = %+v, want the report's counts", s)
			}
		})
	}
}

// TestReverseRefusesAmbiguousFlattening: a replace count of -1 over nested sources that
// collide is refused with ErrAmbiguousInverse before ACR EE is listed; Tags that cannot
// list repositories (unmapped ones would go unseen) are refused too.
func TestReverseRefusesAmbiguousFlattening(t *testing.T) {
	t.Parallel()
	src := reposOnly{"library/web/nginx", "team/nginx"}
	tags := &countingTags{}
	v := lag.Verifier{Source: src, Tags: tags, Flattener: replication.HarborFlatten("dr", -1), Namespace: "dr"}
	if _, err := v.Reverse(t.Context()); !errors.Is(err, lag.ErrAmbiguousInverse) || tags.calls != 0 {
		t.Errorf("Reverse over colliding sources = %v after %d ACR EE calls, want ErrAmbiguousInverse and none", err, tags.calls)
	}
	v = lag.Verifier{Source: src, Tags: emptyTags{}, Flattener: replication.HarborFlatten("dr", 0), Namespace: "dr"}
	if _, err := v.Reverse(t.Context()); !errors.Is(err, lag.ErrInvalidVerifier) {
		t.Errorf("Reverse with Tags that cannot list repositories = %v, want ErrInvalidVerifier", err)
	}
}

// reposOnly is a Source of empty repositories.
type reposOnly []string

func (r reposOnly) Repositories(context.Context) ([]string, error) { return r, nil }
func (reposOnly) Artifacts(context.Context, string) ([]lag.SourceArtifact, error) {
	return nil, nil
}

// countingTags is an empty TagLister and RepositoryLister that counts its calls.
type countingTags struct{ calls int }

func (c *countingTags) TagsOf(context.Context, string) ([]lag.Tag, error) { c.calls++; return nil, nil }
func (c *countingTags) RepositoryPaths(context.Context, string) ([]string, error) {
	c.calls++
	return nil, nil
}
