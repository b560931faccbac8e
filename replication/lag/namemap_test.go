package lag_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
)

// TestInvert: an exact forward map inverts; one in which Harbor repositories share an ACR
// EE repository is refused with ErrAmbiguousInverse naming every collision.
func TestInvert(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		forward map[string]string
		want    map[string]string
		wantErr []string // substrings of the refusal
	}{
		{name: "empty", forward: map[string]string{}, want: map[string]string{}},
		{name: "nested sources flattened without collision",
			forward: map[string]string{"library/web/nginx": "dr/nginx", "library/redis": "dr/redis"},
			want:    map[string]string{"dr/nginx": "library/web/nginx", "dr/redis": "library/redis"}},
		{name: "two sources, one destination",
			forward: map[string]string{"library/web/nginx": "dr/nginx", "team/nginx": "dr/nginx", "a/redis": "dr/redis", "b/x/redis": "dr/redis", "c/ok": "dr/ok"},
			wantErr: []string{`"library/web/nginx", "team/nginx" all map to "dr/nginx"`, `"a/redis", "b/x/redis" all map to "dr/redis"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := lag.Invert(tt.forward)
			if tt.wantErr != nil {
				if !errors.Is(err, lag.ErrAmbiguousInverse) || got != nil {
					t.Fatalf("Invert(%v) = %v, %v; want ErrAmbiguousInverse", tt.forward, got, err)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("Invert refusal %q does not name %s", err, s)
					}
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); err != nil || diff != "" {
				t.Errorf("Invert(%v) = %v (-want +got):\n%s", tt.forward, err, diff)
			}
		})
	}
}

// harborRepos is a Source: each repository and its artifacts, counting Artifacts calls.
type harborRepos struct {
	repos map[string][]lag.SourceArtifact

	mu     sync.Mutex
	listed []string
}

func (h *harborRepos) Repositories(context.Context) ([]string, error) {
	return slices.Sorted(maps.Keys(h.repos)), nil
}

func (h *harborRepos) Artifacts(_ context.Context, repo string) ([]lag.SourceArtifact, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.listed = append(h.listed, repo)
	as, ok := h.repos[repo]
	if !ok {
		return nil, fmt.Errorf("repository %q: not found", repo)
	}
	return as, nil
}

// acrRepos is a TagLister and RepositoryLister over fixed repositories, counting calls.
type acrRepos struct {
	repos map[string][]lag.Tag
	calls int
}

func (a *acrRepos) TagsOf(_ context.Context, path string) ([]lag.Tag, error) {
	a.calls++
	return a.repos[path], nil
}

func (a *acrRepos) RepositoryPaths(_ context.Context, ns string) ([]string, error) {
	a.calls++
	var out []string
	for p := range a.repos {
		if strings.HasPrefix(p, ns+"/") {
			out = append(out, p)
		}
	}
	return out, nil
}

// TestReverseRecordedNameMap: with the name map recorded at failover, Reverse inverts it
// rather than Harbor's current repositories — a repository created since that collides
// under flatten-all does not make the inverse ambiguous, and one deleted since still gets
// back what ACR EE holds for it (missing; its artifacts are not listed). A recorded map
// that is itself ambiguous is refused before ACR EE is listed.
func TestReverseRecordedNameMap(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	d := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	harbor := func() *harborRepos {
		return &harborRepos{repos: map[string][]lag.SourceArtifact{
			"library/web/nginx": {{Digest: d("a"), Tags: []string{"1.25"}}},
			"team/nginx":        {{Digest: d("f"), Tags: []string{"1"}}}, // created after the failover
		}}
	}
	acr := func() *acrRepos {
		return &acrRepos{repos: map[string][]lag.Tag{
			"dr/nginx": {{Name: "1.25", Digest: d("a")}, {Name: "hotfix", Digest: d("b"), PushTime: now.Add(-time.Hour)}},
			"dr/redis": {{Name: "7", Digest: d("c"), PushTime: now.Add(-2 * time.Hour)}},
		}}
	}
	verifier := func(src lag.Source, tags lag.TagLister, recorded map[string]string) lag.Verifier {
		return lag.Verifier{Source: src, Tags: tags, Flattener: replication.HarborFlatten("dr", -1), Namespace: "dr",
			NameMap: recorded, Clock: clocktest.NewFake(now)}
	}

	// Without the recorded map, Harbor's current repositories collide.
	h, a := harbor(), acr()
	v := verifier(h, a, nil)
	if _, err := v.Reverse(t.Context()); !errors.Is(err, lag.ErrAmbiguousInverse) {
		t.Fatalf("Reverse over Harbor's current repositories = %v, want ErrAmbiguousInverse", err)
	}

	recorded := map[string]string{"library/web/nginx": "dr/nginx", "library/redis": "dr/redis"}
	h, a = harbor(), acr()
	v = verifier(h, a, recorded)
	r, err := v.Reverse(t.Context())
	if err != nil {
		t.Fatalf("Reverse with the recorded map = %v", err)
	}
	want := []lag.Artifact{
		{Source: "library/web/nginx", Dest: "dr/nginx", Tag: "hotfix", DestDigest: d("b"), PushTime: now.Add(-time.Hour)},
		{Source: "library/redis", Dest: "dr/redis", Tag: "7", DestDigest: d("c"), PushTime: now.Add(-2 * time.Hour)},
	}
	if diff := cmp.Diff(want, r.Missing); diff != "" || r.Present != 1 || len(r.Unmapped)+len(r.Stale) != 0 || r.OldestMissing != 2*time.Hour {
		t.Errorf("Reverse = %v; missing (-want +got):\n%s", r, diff)
	}
	if !cmp.Equal(h.listed, []string{"library/web/nginx"}) {
		t.Errorf("Harbor repositories listed = %v, want only the recorded one Harbor still holds", h.listed)
	}

	// A recorded map that is ambiguous itself is refused, and nothing in ACR EE is listed.
	h, a = harbor(), acr()
	v = verifier(h, a, map[string]string{"library/web/nginx": "dr/nginx", "team/nginx": "dr/nginx"})
	if _, err := v.Reverse(t.Context()); !errors.Is(err, lag.ErrAmbiguousInverse) || a.calls != 0 || len(h.listed) != 0 {
		t.Errorf("Reverse with an ambiguous recorded map = %v after %d ACR EE calls and Harbor listings %v; want ErrAmbiguousInverse and none",
			err, a.calls, h.listed)
	}
}

// TestForwardMap: the map a failover records — the selected repositories, flattened and
// validated — keeps colliding repositories both, to be refused when inverted.
func TestForwardMap(t *testing.T) {
	t.Parallel()
	src := reposOnly{"library/web/nginx", "team/nginx", "library/redis", "other/skip"}
	sel, err := replication.NewRules(replication.Filter{Kind: replication.FilterName, Pattern: "{library,team}/**"})
	if err != nil {
		t.Fatal(err)
	}
	v := lag.Verifier{Source: src, Tags: emptyTags{}, Flattener: replication.HarborFlatten("dr", -1), Selector: sel, Namespace: "dr"}
	got, err := v.ForwardMap(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"library/web/nginx": "dr/nginx", "team/nginx": "dr/nginx", "library/redis": "dr/redis"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ForwardMap (-want +got):\n%s", diff)
	}
	if _, err := lag.Invert(got); !errors.Is(err, lag.ErrAmbiguousInverse) {
		t.Errorf("Invert(ForwardMap) = %v, want ErrAmbiguousInverse", err)
	}
	v.Validate = func(string) error { return errors.New("too long") }
	if _, err := v.ForwardMap(t.Context()); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Errorf("ForwardMap with a name that does not validate = %v, want the validation error", err)
	}
}
