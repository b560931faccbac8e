package replication

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// ErrInvalidPattern is returned (wrapped) by NewRules for a malformed filter.
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

// Selector decides what is replicated: which repositories, which tags of an artifact, and
// which artifacts by their labels. The sync engine (mirror.Options.Selector) and the
// completeness check (lag.Verifier.Selector) call nothing else, so a tool can plug its own
// (semantic versions, an allow-list); [Rules] is Harbor's filters. Implementations must be
// safe for concurrent use.
type Selector interface {
	// MatchRepository reports whether the repository at path repo ("library/nginx",
	// project included) is selected.
	MatchRepository(repo string) bool
	// FilterTags returns the selected tags among an artifact's tags, in their order. An
	// artifact left with none is not replicated.
	FilterTags(tags []string) []string
	// MatchLabels reports whether an artifact carrying labels is selected.
	MatchLabels(labels []string) bool
}

// Rules is the Selector of a Harbor replication policy's source filters, with Harbor's
// semantics (src/lib/selector and the replication flow of Harbor v2). A nil or empty Rules
// selects everything. It is immutable and safe for concurrent use.
type Rules struct {
	filters []Filter
}

var _ Selector = (*Rules)(nil)

// NewRules validates filters and returns their Rules. A malformed glob, an unknown kind or
// decoration, a resource filter other than "image"/"artifact", or "excludes" on a name or
// resource filter (Harbor refuses it: only tag and label filters take a decoration) is an
// error wrapping [ErrInvalidPattern].
func NewRules(filters ...Filter) (*Rules, error) {
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
		if f.Decoration == Excludes && (f.Kind == FilterName || f.Kind == FilterResource) {
			errs = append(errs, fmt.Errorf("%w: %s: only tag and label filters take a decoration", ErrInvalidPattern, f))
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
	return &Rules{filters: fs}, nil
}

// MustRules is NewRules for filters known to be valid; it panics otherwise.
func MustRules(filters ...Filter) *Rules {
	s, err := NewRules(filters...)
	if err != nil {
		panic(err)
	}
	return s
}

// Filters returns the selector's filters, with default decorations filled in.
func (s *Rules) Filters() []Filter {
	if s == nil {
		return nil
	}
	return slices.Clone(s.filters)
}

func globMatch(pattern, s string) bool {
	if pattern == "" {
		return true
	}
	ok, _ := doublestar.Match(pattern, s) // validated in NewRules
	return ok
}

func keep(f Filter, match bool) bool { return match == (f.Decoration != Excludes) }

// empty reports whether f selects nothing in particular: an empty tag pattern or label
// list. Harbor skips such a filter whatever its decoration, so "excludes" with nothing to
// exclude keeps everything.
func empty(f Filter) bool {
	switch f.Kind {
	case FilterTag:
		return f.Pattern == ""
	case FilterLabel:
		return len(f.Labels) == 0
	}
	return false
}

// MatchRepository reports whether every name filter selects repo (the full path, project
// included: "library/nginx").
func (s *Rules) MatchRepository(repo string) bool {
	for _, f := range s.each(FilterName) {
		if !keep(f, globMatch(f.Pattern, repo)) {
			return false
		}
	}
	return true
}

// MatchTag reports whether every tag filter selects tag. An untagged artifact is matched as
// the empty tag, as Harbor does.
func (s *Rules) MatchTag(tag string) bool {
	for _, f := range s.each(FilterTag) {
		if !empty(f) && !keep(f, globMatch(f.Pattern, tag)) {
			return false
		}
	}
	return true
}

// FilterTags returns the tags that the tag filters select, in their order. Harbor replicates
// an artifact with only these tags; an artifact left with none is not replicated.
func (s *Rules) FilterTags(tags []string) []string {
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
func (s *Rules) MatchLabels(labels []string) bool {
	for _, f := range s.each(FilterLabel) {
		if empty(f) {
			continue
		}
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
// "image" or "artifact". Harbor v2's replication adapter does not filter artifacts by type,
// so a (valid) resource filter selects every artifact: MatchResource always reports true,
// and is kept so that a policy's resource filter is accepted and round-trips.
func (s *Rules) MatchResource(kind string) bool { return true }

// Match reports whether an artifact of repo with tags and labels is selected: the repository
// and labels must match, and either it is untagged and the empty tag matches, or at least
// one of its tags matches.
func (s *Rules) Match(repo string, tags []string, labels []string) bool {
	if !s.MatchRepository(repo) || !s.MatchLabels(labels) {
		return false
	}
	if len(tags) == 0 {
		return s.MatchTag("")
	}
	return len(s.FilterTags(tags)) > 0
}

func (s *Rules) each(k FilterKind) []Filter {
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
