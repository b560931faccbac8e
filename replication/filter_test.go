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
		{"excludes", []Filter{{Kind: FilterName, Pattern: "library/**", Decoration: Excludes}}, "library/nginx", false},
		{"excludes others pass", []Filter{{Kind: FilterName, Pattern: "library/**", Decoration: Excludes}}, "team/nginx", true},
		{"all filters must agree", []Filter{
			{Kind: FilterName, Pattern: "**"},
			{Kind: FilterName, Pattern: "**/test-*", Decoration: Excludes},
		}, "team/test-app", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := NewSelector(tt.filters...)
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
	s := MustSelector(
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

	ex := MustSelector(Filter{Kind: FilterLabel, Labels: []string{"skip-dr"}, Decoration: Excludes})
	if ex.MatchLabels([]string{"skip-dr"}) || !ex.MatchLabels(nil) {
		t.Error("excludes label filter: want artifacts carrying the label dropped and others kept")
	}
	if !MustSelector().Match("any/thing", nil, nil) {
		t.Error("empty selector must select an untagged artifact")
	}
	var nilSel *Selector
	if !nilSel.Match("a/b", []string{"x"}, nil) {
		t.Error("nil selector must select everything")
	}
}

func TestSelectorResource(t *testing.T) {
	t.Parallel()
	img := MustSelector(Filter{Kind: FilterResource, Pattern: "image"})
	if !img.MatchResource("image") || img.MatchResource("artifact") {
		t.Error(`resource "image" must select images only`)
	}
	all := MustSelector(Filter{Kind: FilterResource, Pattern: "artifact"})
	if !all.MatchResource("image") || !all.MatchResource("artifact") {
		t.Error(`resource "artifact" must select everything`)
	}
}

func TestNewSelectorRejectsMalformed(t *testing.T) {
	t.Parallel()
	bad := []Filter{
		{Kind: FilterName, Pattern: "library/[a-"},
		{Kind: FilterTag, Pattern: "{v1,v2"},
		{Kind: "colour", Pattern: "red"},
		{Kind: FilterName, Pattern: "x", Decoration: "maybe"},
		{Kind: FilterResource, Pattern: "chart"},
		{Kind: FilterLabel, Labels: []string{""}},
	}
	for _, f := range bad {
		if _, err := NewSelector(f); !errors.Is(err, ErrInvalidPattern) {
			t.Errorf("NewSelector(%v) error = %v, want ErrInvalidPattern", f, err)
		}
	}
	if _, err := NewSelector(bad...); err == nil {
		t.Error("NewSelector with all bad filters succeeded")
	}
}
