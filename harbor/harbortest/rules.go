package harbortest

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"
)

// This file is Harbor's replication rules, written from Harbor's source
// (goharbor/harbor, v2.13) rather than borrowed from regdr's replication
// package, so that a bug in regdr's rules shows up against this emulator
// instead of being confirmed by it. The harbortest_test package compares the
// two.

// Harbor's filter types and decorations (src/pkg/reg/model/policy.go).
const (
	filterName     = "name"
	filterTag      = "tag"
	filterLabel    = "label"
	filterResource = "resource"
	decoMatches    = "matches"
	decoExcludes   = "excludes"
)

// filter is one replication filter as Harbor's server holds it: Value is a
// string (name, tag, resource) or a []string (label).
type filter struct {
	Type       string
	Value      any
	Decoration string
}

// errFilter is a policy's filter Harbor's API rejects with 400.
var errFilter = errors.New("invalid filter")

// parseFilters converts an API policy's filters and validates them as
// Harbor's Filter.Validate does (src/pkg/reg/model/policy.go): name, tag and
// resource values must be strings, a resource one of "image" and "artifact";
// label values an array of strings; only tag and label filters take a
// decoration, which must be "matches" or "excludes". Patterns are not checked
// here: Harbor accepts a malformed glob and fails when the execution matches
// with it.
func parseFilters(in []*models.ReplicationFilter) ([]filter, error) {
	var out []filter
	for _, f := range in {
		if f == nil {
			continue
		}
		rf := filter{Type: f.Type, Decoration: f.Decoration}
		switch f.Type {
		case filterName, filterTag, filterResource:
			v, ok := f.Value.(string)
			if !ok {
				return nil, fmt.Errorf("%w: the type of filter value isn't string", errFilter)
			}
			if f.Type == filterResource && v != "image" && v != "artifact" {
				return nil, fmt.Errorf("%w: invalid resource filter: %s", errFilter, v)
			}
			if f.Type != filterTag && f.Decoration != "" {
				return nil, fmt.Errorf("%w: only tag and label filter support decoration", errFilter)
			}
			rf.Value = v
		case filterLabel:
			vs, ok := f.Value.([]any)
			if !ok {
				return nil, fmt.Errorf("%w: the type of label filter value isn't string slice", errFilter)
			}
			labels := []string{}
			for _, l := range vs {
				s, ok := l.(string)
				if !ok {
					return nil, fmt.Errorf("%w: the type of label filter value isn't string slice", errFilter)
				}
				labels = append(labels, s)
			}
			rf.Value = labels
		default:
			return nil, fmt.Errorf("%w: invalid filter type", errFilter)
		}
		if f.Decoration != "" && f.Decoration != decoMatches && f.Decoration != decoExcludes {
			return nil, fmt.Errorf("%w: invalid filter decoration, :%s", errFilter, f.Decoration)
		}
		out = append(out, rf)
	}
	return out, nil
}

// match is Harbor's util.Match (src/pkg/reg/util/pattern.go): an empty
// pattern matches everything, otherwise a doublestar glob. Harbor uses
// doublestar v1; harbortest uses v4, whose syntax is the same for the globs
// replication policies use (*, **, ?, [...], {a,b}).
func match(pattern, s string) (bool, error) {
	if pattern == "" {
		return true, nil
	}
	ok, err := doublestar.Match(pattern, s)
	if err != nil {
		return false, fmt.Errorf("matching %q: %w", pattern, err)
	}
	return ok, nil
}

// matchRepository is Harbor's repositoryNameFilter
// (src/pkg/reg/filter/repository.go), every name filter in turn: an empty
// pattern keeps the repository, otherwise the pattern must match its full
// name ("library/a/b"). Name filters have no decoration.
func matchRepository(fs []filter, repo string) (bool, error) {
	for _, f := range fs {
		if f.Type != filterName {
			continue
		}
		ok, err := match(f.Value.(string), repo)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// selectArtifact is Harbor's artifact filters (src/pkg/reg/filter/artifact.go,
// BuildArtifactFilters and each Filter), applied in the policy's order to one
// artifact with tags and labels. It reports whether the artifact is replicated
// and with which of its tags (nil for an untagged one).
//
//   - label: an empty list keeps everything, whatever the decoration;
//     otherwise the artifact must carry every listed label ("matches") or not
//     carry all of them ("excludes").
//   - tag: an empty pattern keeps everything, whatever the decoration. An
//     untagged artifact is matched as the empty tag. A tagged one keeps the
//     tags that match ("matches") or do not ("excludes"), and is dropped if
//     none is left; the next filter sees only the kept tags.
//   - name and resource filters do not act on artifacts (Harbor's v2 adapter,
//     src/pkg/reg/adapter/harbor/v2/adapter.go, filters artifacts with
//     DoFilterArtifacts only; a resource filter is validated but selects
//     nothing out).
func selectArtifact(fs []filter, tags, labels []string) ([]string, bool, error) {
	tags = slices.Clone(tags)
	for _, f := range fs {
		excl := f.Decoration == decoExcludes
		switch f.Type {
		case filterLabel:
			want := f.Value.([]string)
			if len(want) == 0 {
				continue
			}
			all := true
			for _, l := range want {
				if !slices.Contains(labels, l) {
					all = false
					break
				}
			}
			if all == excl {
				return nil, false, nil
			}
		case filterTag:
			pattern := f.Value.(string)
			if pattern == "" {
				continue
			}
			if len(tags) == 0 {
				ok, err := match(pattern, "")
				if err != nil {
					return nil, false, err
				}
				if ok == excl {
					return nil, false, nil
				}
				continue
			}
			var kept []string
			for _, t := range tags {
				ok, err := match(pattern, t)
				if err != nil {
					return nil, false, err
				}
				if ok != excl {
					kept = append(kept, t)
				}
			}
			if len(kept) == 0 {
				return nil, false, nil
			}
			tags = kept
		}
	}
	if len(tags) == 0 {
		tags = nil
	}
	return tags, true, nil
}

// replaceNamespace is Harbor's replaceNamespace
// (src/controller/replication/flow/stage.go) for a destination registry
// without a path-component limit:
//
//	repository:a/b/c/image namespace:n replaceCount: -1 -> n/image
//	repository:a/b/c/image namespace:n replaceCount: 0 -> n/a/b/c/image
//	repository:a/b/c/image namespace:n replaceCount: 1 -> n/b/c/image
//	repository:a/b/c/image namespace:n replaceCount: 3 -> n/image
//	repository:a/b/c/image namespace:n replaceCount: 4 -> error
//
// An empty namespace leaves the repository as it is.
func replaceNamespace(repository, namespace string, replaceCount int8) (string, error) {
	if namespace == "" {
		return repository, nil
	}
	comps := strings.Split(repository, "/")
	n := len(comps)
	var prefix string
	switch {
	case replaceCount < 0: // Harbor: "legacy logic to keep backward compatibility"
		prefix = namespace
	case int(replaceCount) > n-1:
		return "", fmt.Errorf("the source repository %q contains only %d path components %v excepting the last one, but the destination namespace flattening level is %d",
			repository, n-1, comps[:n-1], replaceCount)
	default:
		prefix = namespace + "/" + strings.Join(comps[replaceCount:n-1], "/")
	}
	return path.Join(prefix, comps[n-1]), nil
}
