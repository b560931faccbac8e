package mirror

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/replication"
)

// TestDecide holds the plan's per-tag decision to a table: no registry, no fakes.
func TestDecide(t *testing.T) {
	t.Parallel()
	const a, b = "sha256:aaaa", "sha256:bbbb"
	tests := []struct {
		name     string
		tag      Tag
		dest     destTag
		override bool
		look     bool // needsPresence
		want     Action
	}{
		{"in place", Tag{Name: "v1", Digest: a}, destTag{digest: a, tagged: true}, false, false, Skip},
		{"in place, override", Tag{Name: "v1", Digest: a}, destTag{digest: a, tagged: true}, true, false, Skip},
		{"tag holds another digest", Tag{Name: "v1", Digest: a}, destTag{digest: b, tagged: true}, false, false, Conflict},
		{"tag holds another digest, override, digest absent", Tag{Name: "v1", Digest: a}, destTag{digest: b, tagged: true}, true, true, Copy},
		{"tag holds another digest, override, digest elsewhere", Tag{Name: "v1", Digest: a}, destTag{digest: b, tagged: true, holds: true}, true, true, TagOnly},
		{"new tag, digest absent", Tag{Name: "v1", Digest: a}, destTag{}, false, true, Copy},
		{"new tag, digest present", Tag{Name: "v1", Digest: a}, destTag{holds: true}, false, true, TagOnly},
		{"untagged referrer present", Tag{Digest: a}, destTag{holds: true}, false, true, Skip},
		{"untagged referrer absent", Tag{Digest: a}, destTag{}, false, true, Copy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := needsPresence(tt.tag, tt.dest, tt.override); got != tt.look {
				t.Errorf("needsPresence = %v, want %v", got, tt.look)
			}
			if got := decide(tt.tag, tt.dest, tt.override); got != tt.want {
				t.Errorf("decide = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSelectTags: the selector picks tags and labels; referrer tags go aside, and follow
// only the selected images they name.
func TestSelectTags(t *testing.T) {
	t.Parallel()
	hexA := "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	hexB := "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
	tags := []Tag{
		{Name: "v1", Digest: "sha256:" + hexA, Labels: []string{"prod"}},
		{Name: "v2", Digest: "sha256:" + hexB},
		{Name: "dev", Digest: "sha256:" + hexB, Labels: []string{"prod"}},
		{Name: "sha256-" + hexA + ".sig"},
		{Name: "sha256-" + hexB},
	}
	sel := replication.MustRules(
		replication.Filter{Kind: replication.FilterTag, Pattern: "v*"},
		replication.Filter{Kind: replication.FilterLabel, Labels: []string{"prod"}},
	)
	selected, refTags := selectTags(tags, sel)
	names := func(ts []Tag) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.Name)
		}
		return out
	}
	if diff := cmp.Diff([]string{"v1"}, names(selected)); diff != "" {
		t.Errorf("selected (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"sha256-" + hexA + ".sig", "sha256-" + hexB}, names(refTags)); diff != "" {
		t.Errorf("referrer tags (-want +got):\n%s", diff)
	}
	refs := referrerTagsOf(refTags, map[string]bool{"sha256:" + hexA: true})
	if diff := cmp.Diff([]string{"sha256-" + hexA + ".sig"}, names(refs)); diff != "" {
		t.Errorf("referrers of the selected image (-want +got):\n%s", diff)
	}
}
