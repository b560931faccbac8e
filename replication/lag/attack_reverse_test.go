package lag_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
)

// TestReverseFallbackTagHostile: only the exact OCI referrers fallback tag
// (sha256-<64 lowercase hex>, no suffix) of a subject Harbor holds with referrers counts
// as held; every near miss — a subject Harbor does not hold, one it holds unsigned,
// uppercase hex, a short or long hex, another algorithm, a suffix whose digest Harbor
// does not know, a subject held in another Harbor repository — stays missing and blocks
// failback.
func TestReverseFallbackTagHostile(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	d := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	signed := lag.SourceArtifact{Digest: d("a"), Tags: []string{"1"},
		Accessories: []lag.Accessory{{Type: "signature.cosign", Digest: d("c")}}}
	unsigned := lag.SourceArtifact{Digest: d("9"), Tags: []string{"2"}}
	otherSigned := lag.SourceArtifact{Digest: d("5"), Tags: []string{"x"},
		Accessories: []lag.Accessory{{Type: "signature.cosign", Digest: d("6")}}}
	harbor := []lag.Listing{
		{Source: "library/nginx", Dest: "dr/nginx", Artifacts: []lag.SourceArtifact{signed, unsigned}},
		{Source: "library/other", Dest: "dr/other", Artifacts: []lag.SourceArtifact{otherSigned}},
	}
	for _, tc := range []struct {
		name string
		tag  string
		held bool
	}{
		{"fallback of a signed subject", "sha256-" + strings.Repeat("a", 64), true},
		{"fallback of a subject Harbor does not hold", "sha256-" + strings.Repeat("b", 64), false},
		{"fallback of an unsigned subject", "sha256-" + strings.Repeat("9", 64), false},
		{"uppercase hex", "sha256-" + strings.Repeat("A", 64), false},
		{"63 hex", "sha256-" + strings.Repeat("a", 63), false},
		{"65 hex", "sha256-" + strings.Repeat("a", 65), false},
		{"another algorithm", "sha512-" + strings.Repeat("a", 128), false},
		{"a suffix whose digest Harbor does not know", "sha256-" + strings.Repeat("a", 64) + ".att", false},
		{"a trailing newline", "sha256-" + strings.Repeat("a", 64) + "\n", false},
		{"a subject signed in another Harbor repository", "sha256-" + strings.Repeat("5", 64), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			acr := map[string][]lag.Tag{
				"dr/nginx": {{Name: "1", Digest: d("a")}, {Name: "2", Digest: d("9")}, {Name: tc.tag, Digest: d("7")}},
				"dr/other": {{Name: "x", Digest: d("5")}},
			}
			r, err := lag.CompareReverse(lag.ReverseInput{CheckedAt: now, Harbor: harbor, ACR: acr})
			if err != nil {
				t.Fatal(err)
			}
			if r.Complete() != tc.held || r.Present != 3+map[bool]int{true: 1}[tc.held] {
				t.Errorf("ACR EE tag %q: complete %v, %d present (%v); want complete %v", tc.tag, r.Complete(), r.Present, r, tc.held)
			}
		})
	}
}

// TestReverseRecordedNameMapHostileNames: a recorded name map holding a name that is no
// repository name — a newline (which would forge a line of the report), "..", an empty
// or uppercase component — is refused (ErrInvalidVerifier) before ACR EE is listed,
// the name quoted; the forward map validates every name it records, and so does the
// reverse replication's inverse.
func TestReverseRecordedNameMapHostileNames(t *testing.T) {
	t.Parallel()
	for name, recorded := range map[string]map[string]string{
		"newline in the source":      {"library/a\nmissing: x": "dr/a"},
		"newline in the destination": {"library/a": "dr/a\nb"},
		"dot-dot source":             {"library/../../v2": "dr/a"},
		"dot-dot destination":        {"library/a": "dr/../a"},
		"empty component":            {"library//a": "dr/a"},
		"uppercase destination":      {"library/a": "dr/A"},
		"empty destination":          {"library/a": ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := &harborRepos{repos: map[string][]lag.SourceArtifact{"library/a": nil}}
			a := &acrRepos{repos: map[string][]lag.Tag{"dr/a": {{Name: "1", Digest: "sha256:" + strings.Repeat("a", 64)}}}}
			v := lag.Verifier{Source: h, Tags: a, Flattener: replication.HarborFlatten("dr", -1), Namespace: "dr", NameMap: recorded}
			_, err := v.Reverse(t.Context())
			if !errors.Is(err, lag.ErrInvalidVerifier) || a.calls != 0 {
				t.Fatalf("Reverse(recorded %q) = %v after %d ACR EE calls; want ErrInvalidVerifier and none", recorded, err, a.calls)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("the error holds a raw newline: %q", err)
			}
		})
	}
}

// TestReverseRecordedNameMapStale: the map a LastKnownNameMap recorded is as old as its
// last refresh, so a repository Harbor created (and the replication copied) in between
// is not in it. Harbor holds it still: ACR EE's copy maps back through Harbor's current
// flattening and is not unmapped — failback was refused (ErrReverseLag) though Harbor
// held everything. A recorded destination keeps its recorded source (a repository
// created since that collides with it is not used), and two new repositories that
// collide with each other leave their destination unmapped rather than guess.
func TestReverseRecordedNameMapStale(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	d := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	h := &harborRepos{repos: map[string][]lag.SourceArtifact{
		"library/app-a":   {{Digest: d("a"), Tags: []string{"1"}}},
		"library/app-b":   {{Digest: d("b"), Tags: []string{"1"}}}, // created after the last refresh
		"team/app-a":      {{Digest: d("e"), Tags: []string{"9"}}}, // collides with a recorded destination
		"library/x/app-c": {{Digest: d("c"), Tags: []string{"1"}}}, // these two collide with each other
		"library/y/app-c": {{Digest: d("c"), Tags: []string{"1"}}},
	}}
	a := &acrRepos{repos: map[string][]lag.Tag{
		"dr/app-a": {{Name: "1", Digest: d("a")}},
		"dr/app-b": {{Name: "1", Digest: d("b")}, {Name: "2", Digest: d("f"), PushTime: now.Add(-time.Hour)}},
		"dr/app-c": {{Name: "1", Digest: d("c")}},
	}}
	v := lag.Verifier{Source: h, Tags: a, Flattener: replication.HarborFlatten("dr", -1), Namespace: "dr",
		NameMap: map[string]string{"library/app-a": "dr/app-a"}, Clock: clocktest.NewFake(now)}
	r, err := v.Reverse(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	wantMissing := []lag.Artifact{{Source: "library/app-b", Dest: "dr/app-b", Tag: "2", DestDigest: d("f"), PushTime: now.Add(-time.Hour)}}
	wantUnmapped := []lag.Artifact{{Dest: "dr/app-c", Tag: "1", DestDigest: d("c")}}
	if diff := cmp.Diff(wantMissing, r.Missing); diff != "" || r.Present != 2 || len(r.Stale) != 0 {
		t.Errorf("Reverse = %v; missing (-want +got):\n%s", r, diff)
	}
	if diff := cmp.Diff(wantUnmapped, r.Unmapped); diff != "" {
		t.Errorf("unmapped (-want +got):\n%s", diff)
	}
}
