package replication

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// ErrInvalidPattern is returned (wrapped) by NewSelector for a malformed filter.
var ErrInvalidPattern = errors.New("invalid filter")

// FilterKind names what a Filter looks at, with Harbor's names.
type FilterKind string

// Filter kinds, as Harbor names them in a replication policy.
const (
	FilterName     FilterKind = "name"     // the repository path, e.g. "library/**"
	FilterTag      FilterKind = "tag"      // a tag, e.g. "v1.*"
	FilterLabel    FilterKind = "label"    // labels on the artifact, all required
	FilterResource FilterKind = "resource" // "image" or "artifact"
)

// Decoration says whether a filter keeps or drops what it matches.
type Decoration string

// Decorations, as Harbor names them.
const (
	Matches  Decoration = "matches"
	Excludes Decoration = "excludes"
)

// Filter is one of a replication policy's source filters, with Harbor's semantics: patterns
// are doublestar globs (`*` stops at `/`, `**` crosses it, `?`, `[...]`, `{a,b}`), an empty
// pattern matches everything, and a label filter matches an artifact carrying every listed
// label. Decoration defaults to Matches.
type Filter struct {
	Kind       FilterKind `json:"kind"`
	Pattern    string     `json:"pattern,omitempty"`
	Labels     []string   `json:"labels,omitempty"`
	Decoration Decoration `json:"decoration,omitempty"`
}

func (f Filter) String() string {
	dec := f.Decoration
	if dec == "" {
		dec = Matches
	}
	if f.Kind == FilterLabel {
		return fmt.Sprintf("%s %s [%s]", f.Kind, dec, strings.Join(f.Labels, ","))
	}
	return fmt.Sprintf("%s %s %q", f.Kind, dec, f.Pattern)
}

// Selector decides which repositories, tags and artifacts a set of filters selects. A nil or
// empty Selector selects everything. It is immutable and safe for concurrent use.
type Selector struct {
	filters []Filter
}

// NewSelector validates filters and returns their Selector. A malformed glob, an unknown
// kind or decoration, or a resource filter other than "image"/"artifact" is an error wrapping
// [ErrInvalidPattern].
func NewSelector(filters ...Filter) (*Selector, error) {
	var errs []error
	fs := make([]Filter, 0, len(filters))
	for _, f := range filters {
		if f.Decoration == "" {
			f.Decoration = Matches
		}
		if f.Decoration != Matches && f.Decoration != Excludes {
			errs = append(errs, fmt.Errorf("%w: %s: decoration must be %q or %q", ErrInvalidPattern, f, Matches, Excludes))
			continue
		}
		switch f.Kind {
		case FilterName, FilterTag:
			if !doublestar.ValidatePattern(f.Pattern) {
				errs = append(errs, fmt.Errorf("%w: %s: malformed pattern", ErrInvalidPattern, f))
				continue
			}
		case FilterLabel:
			if slices.Contains(f.Labels, "") {
				errs = append(errs, fmt.Errorf("%w: %s: empty label", ErrInvalidPattern, f))
				continue
			}
		case FilterResource:
			if f.Pattern != "" && f.Pattern != "image" && f.Pattern != "artifact" {
				errs = append(errs, fmt.Errorf("%w: %s: resource must be \"image\" or \"artifact\"", ErrInvalidPattern, f))
				continue
			}
		default:
			errs = append(errs, fmt.Errorf("%w: %s: unknown kind %q", ErrInvalidPattern, f, f.Kind))
			continue
		}
		fs = append(fs, f)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &Selector{filters: fs}, nil
}

// MustSelector is NewSelector for filters known to be valid; it panics otherwise.
func MustSelector(filters ...Filter) *Selector {
	s, err := NewSelector(filters...)
	if err != nil {
		panic(err)
	}
	return s
}

// Filters returns the selector's filters, with default decorations filled in.
func (s *Selector) Filters() []Filter {
	if s == nil {
		return nil
	}
	return slices.Clone(s.filters)
}

func globMatch(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	ok, _ := doublestar.Match(pattern, s) // validated in NewSelector
	return ok
}

func keep(f Filter, match bool) bool { return match == (f.Decoration != Excludes) }

// MatchRepository reports whether every name filter selects repo (the full path, project
// included: "library/nginx").
func (s *Selector) MatchRepository(repo string) bool {
	for _, f := range s.each(FilterName) {
		if !keep(f, globMatch(f.Pattern, repo)) {
			return false
		}
	}
	return true
}

// MatchTag reports whether every tag filter selects tag. An untagged artifact is matched as
// the empty tag, as Harbor does.
func (s *Selector) MatchTag(tag string) bool {
	for _, f := range s.each(FilterTag) {
		if !keep(f, globMatch(f.Pattern, tag)) {
			return false
		}
	}
	return true
}

// FilterTags returns the tags that the tag filters select, in their order. Harbor replicates
// an artifact with only these tags; an artifact left with none is not replicated.
func (s *Selector) FilterTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		if s.MatchTag(t) {
			out = append(out, t)
		}
	}
	return out
}

// MatchLabels reports whether every label filter selects an artifact carrying labels: a
// "matches" filter needs all its labels present, an "excludes" filter drops artifacts that
// carry all of them.
func (s *Selector) MatchLabels(labels []string) bool {
	for _, f := range s.each(FilterLabel) {
		all := true
		for _, want := range f.Labels {
			if !slices.Contains(labels, want) {
				all = false
				break
			}
		}
		if !keep(f, all) {
			return false
		}
	}
	return true
}

// MatchResource reports whether the resource filters select an artifact whose type is
// "image" (container images and indexes) or "artifact" (anything else).
func (s *Selector) MatchResource(kind string) bool {
	for _, f := range s.each(FilterResource) {
		// "artifact" covers every kind, images included.
		match := f.Pattern == "" || f.Pattern == "artifact" || f.Pattern == kind
		if !keep(f, match) {
			return false
		}
	}
	return true
}

// Match reports whether an artifact of repo with tags and labels is selected: the repository
// and labels must match, and either it is untagged and the empty tag matches, or at least
// one of its tags matches.
func (s *Selector) Match(repo string, tags []string, labels []string) bool {
	if !s.MatchRepository(repo) || !s.MatchLabels(labels) {
		return false
	}
	if len(tags) == 0 {
		return s.MatchTag("")
	}
	return len(s.FilterTags(tags)) > 0
}

func (s *Selector) each(k FilterKind) []Filter {
	if s == nil {
		return nil
	}
	var out []Filter
	for _, f := range s.filters {
		if f.Kind == k {
			out = append(out, f)
		}
	}
	return out
}
