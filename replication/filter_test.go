package replication

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSelectorRepository(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		filters []Filter
		repo    string
		want    bool
	}{
		{"no filters select all", nil, "library/a/b/nginx", true},
		{"empty pattern selects all", []Filter{{Kind: FilterName}}, "x/y", true},
		{"star stops at slash", []Filter{{Kind: FilterName, Pattern: "library/*"}}, "library/a/nginx", false},
		{"star within one level", []Filter{{Kind: FilterName, Pattern: "library/*"}}, "library/nginx", true},
		{"double star crosses slashes", []Filter{{Kind: FilterName, Pattern: "library/**"}}, "library/a/b/nginx", true},
		{"question mark", []Filter{{Kind: FilterName, Pattern: "library/ngin?"}}, "library/nginx", true},
		{"class", []Filter{{Kind: FilterName, Pattern: "library/[a-m]*"}}, "library/nginx", false},
		{"alternatives", []Filter{{Kind: FilterName, Pattern: "{library,team}/nginx"}}, "team/nginx", true},
		{"name needs the project", []Filter{{Kind: FilterName, Pattern: "nginx"}}, "library/nginx", false},
		{"all filters must agree", []Filter{
			{Kind: FilterName, Pattern: "**"},
			{Kind: FilterName, Pattern: "library/*"},
		}, "team/app", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := NewRules(tt.filters...)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.MatchRepository(tt.repo); got != tt.want {
				t.Errorf("MatchRepository(%q) with %v = %v, want %v", tt.repo, tt.filters, got, tt.want)
			}
		})
	}
}

func TestSelectorTagsAndLabels(t *testing.T) {
	t.Parallel()
	s := MustRules(
		Filter{Kind: FilterTag, Pattern: "v1.*"},
		Filter{Kind: FilterLabel, Labels: []string{"prod", "dr"}},
	)
	if diff := cmp.Diff([]string{"v1.0", "v1.2"}, s.FilterTags([]string{"v1.0", "latest", "v1.2", "v2.0"})); diff != "" {
		t.Errorf("FilterTags mismatch (-want +got):\n%s", diff)
	}
	if s.MatchTag("") {
		t.Error(`MatchTag("") = true with a v1.* filter, want false (untagged artifacts are the empty tag)`)
	}
	if !s.MatchLabels([]string{"dr", "prod", "extra"}) {
		t.Error("MatchLabels with every label = false, want true")
	}
	if s.MatchLabels([]string{"prod"}) {
		t.Error("MatchLabels missing one label = true, want false")
	}
	if !s.Match("library/nginx", []string{"latest", "v1.0"}, []string{"prod", "dr"}) {
		t.Error("Match with one selected tag = false, want true")
	}
	if s.Match("library/nginx", []string{"latest"}, []string{"prod", "dr"}) {
		t.Error("Match with no selected tag = true, want false")
	}

	ex := MustRules(Filter{Kind: FilterLabel, Labels: []string{"skip-dr"}, Decoration: Excludes})
	if ex.MatchLabels([]string{"skip-dr"}) || !ex.MatchLabels(nil) {
		t.Error("excludes label filter: want artifacts carrying the label dropped and others kept")
	}
	if !MustRules().Match("any/thing", nil, nil) {
		t.Error("empty selector must select an untagged artifact")
	}
	var nilSel *Rules
	if !nilSel.Match("a/b", []string{"x"}, nil) {
		t.Error("nil selector must select everything")
	}
}

// TestRulesFollowHarbor: where Harbor v2 skips a filter, Rules does too — an empty tag
// pattern or label list with "excludes" keeps everything, and a resource filter selects
// every artifact (Harbor's v2 adapter does not filter by type).
func TestRulesFollowHarbor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		filter Filter
		tags   []string
		labels []string
		kind   string
	}{
		{"empty tag pattern excludes", Filter{Kind: FilterTag, Decoration: Excludes}, []string{"1", "dev"}, nil, "image"},
		{"empty label list excludes", Filter{Kind: FilterLabel, Decoration: Excludes}, []string{"1"}, []string{"prod"}, "image"},
		{"resource image on an artifact", Filter{Kind: FilterResource, Pattern: "image"}, []string{"1"}, nil, "artifact"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := MustRules(tt.filter)
			if !r.MatchResource(tt.kind) || !r.MatchLabels(tt.labels) || !cmp.Equal(r.FilterTags(tt.tags), tt.tags) {
				t.Errorf("%v drops part of %s %v %v; Harbor keeps all of it", tt.filter, tt.kind, tt.tags, tt.labels)
			}
		})
	}
}

func TestSelectorResource(t *testing.T) {
	t.Parallel()
	img := MustRules(Filter{Kind: FilterResource, Pattern: "image"})
	if !img.MatchResource("image") || !img.MatchResource("artifact") {
		t.Error(`resource "image" must select every artifact, as Harbor v2 does`)
	}
	all := MustRules(Filter{Kind: FilterResource, Pattern: "artifact"})
	if !all.MatchResource("image") || !all.MatchResource("artifact") {
		t.Error(`resource "artifact" must select everything`)
	}
}

func TestNewRulesRejectsMalformed(t *testing.T) {
	t.Parallel()
	bad := []Filter{
		{Kind: FilterName, Pattern: "library/[a-"},
		{Kind: FilterTag, Pattern: "{v1,v2"},
		{Kind: "colour", Pattern: "red"},
		{Kind: FilterName, Pattern: "x", Decoration: "maybe"},
		{Kind: FilterResource, Pattern: "chart"},
		{Kind: FilterLabel, Labels: []string{""}},
		{Kind: FilterName, Pattern: "library/**", Decoration: Excludes}, // Harbor: 400
		{Kind: FilterResource, Pattern: "image", Decoration: Excludes},  // Harbor: 400
	}
	for _, f := range bad {
		if _, err := NewRules(f); !errors.Is(err, ErrInvalidPattern) {
			t.Errorf("NewRules(%v) error = %v, want ErrInvalidPattern", f, err)
		}
	}
	if _, err := NewRules(bad...); err == nil {
		t.Error("NewRules with all bad filters succeeded")
	}
}
