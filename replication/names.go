package replication

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

var (
	// ErrInvalidName is returned (wrapped) for a destination repository name that the
	// destination registry would refuse.
	ErrInvalidName = errors.New("invalid destination repository name")
	// ErrCollision is returned (wrapped) when two source repositories map to the same
	// destination repository. Harbor replicates both into one place silently; regdr refuses.
	ErrCollision = errors.New("destination repository collision")
)

// pathComponent is the OCI distribution-spec grammar for one repository path component.
var pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)

// ValidateRepositoryName checks name against the OCI distribution-spec repository grammar:
// lowercase components separated by "/", at most 255 characters.
func ValidateRepositoryName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty name", ErrInvalidName)
	}
	if len(name) > 255 {
		return fmt.Errorf("%w: %q is longer than 255 characters", ErrInvalidName, name)
	}
	for _, c := range strings.Split(name, "/") {
		if !pathComponent.MatchString(c) {
			return fmt.Errorf("%w: %q: component %q does not match %s", ErrInvalidName, name, c, pathComponent)
		}
	}
	return nil
}

// ValidateACRName checks a destination name against ACR Enterprise Edition's rule:
// ACRNames{}.Validate (multi-tier repository names, no depth limit). ACR refuses any other
// shape at push time; checking here turns a failure halfway through a copy into an error
// before the first write.
func ValidateACRName(name string) error { return ACRNames{}.Validate(name) }

// ACRNames validates destination repository paths for one ACR edition. Its Validate
// method is a validator for [MapNames] and mirror.Options.Validate.
type ACRNames struct {
	// MaxDepth is the most path components a path may have, the namespace included: 0 for
	// Enterprise Edition, which accepts multi-tier repository names (ns/agent/client/prod),
	// 2 for Personal Edition, which accepts namespace/repository only.
	MaxDepth int
}

// Validate checks name: at least two components (namespace/repository), each following
// the OCI grammar ([ValidateRepositoryName]); the first is the namespace (2 to 120
// characters, ACR EE's namespace rule); the rest, joined with "/", is the repository name
// (2 to 64 characters); at most MaxDepth components unless MaxDepth is 0.
func (a ACRNames) Validate(name string) error {
	if err := ValidateRepositoryName(name); err != nil {
		return err
	}
	ns, repo, ok := strings.Cut(name, "/")
	if !ok {
		return fmt.Errorf("%w: %q has 1 path component; ACR accepts namespace/repository", ErrInvalidName, name)
	}
	if n := strings.Count(name, "/") + 1; a.MaxDepth > 0 && n > a.MaxDepth {
		return fmt.Errorf("%w: %q has %d path components; this ACR edition accepts at most %d", ErrInvalidName, name, n, a.MaxDepth)
	}
	if len(ns) < 2 || len(ns) > 120 {
		return fmt.Errorf("%w: %q: namespace %q must be 2-120 characters", ErrInvalidName, name, ns)
	}
	// 2-64 is the documented rule for a one-tier repository name; that a multi-tier name
	// counts as a whole ("a/b/c") is assumed, not confirmed by Alibaba's documentation.
	if len(repo) < 2 || len(repo) > 64 {
		return fmt.Errorf("%w: %q: repository name %q must be 2-64 characters", ErrInvalidName, name, repo)
	}
	return nil
}

// NameError reports a source repository whose destination name could not be computed or
// is invalid. It wraps [ErrFlatten] or [ErrInvalidName].
type NameError struct {
	Source string // source repository
	Dest   string // destination name, empty when flattening failed
	Err    error
}

func (e *NameError) Error() string {
	if e.Dest == "" {
		return fmt.Sprintf("mapping %q: %v", e.Source, e.Err)
	}
	return fmt.Sprintf("mapping %q to %q: %v", e.Source, e.Dest, e.Err)
}

// Unwrap returns the underlying error.
func (e *NameError) Unwrap() error { return e.Err }

// CollisionError reports several source repositories that map to one destination.
type CollisionError struct {
	Dest    string
	Sources []string // sorted
}

func (e *CollisionError) Error() string {
	return fmt.Sprintf("%v: %s all map to %q", ErrCollision, strings.Join(quoteAll(e.Sources), ", "), e.Dest)
}

// Is reports whether target is ErrCollision.
func (e *CollisionError) Is(target error) bool { return target == ErrCollision }

// MapNames flattens every source repository with f and checks each result with validate
// (nil: [ValidateRepositoryName]) and against every other result. It returns the map from
// source to destination, or an error joining one [*NameError] or [*CollisionError] per
// problem, so a caller sees every bad name at once, before anything is written.
func MapNames(f Flattener, repos []string, validate func(string) error) (map[string]string, error) {
	if validate == nil {
		validate = ValidateRepositoryName
	}
	out := make(map[string]string, len(repos))
	bySrc := make(map[string][]string)
	var errs []error
	for _, src := range repos {
		if _, dup := out[src]; dup {
			continue
		}
		dst, err := f.Flatten(src)
		if err != nil {
			errs = append(errs, &NameError{Source: src, Err: err})
			continue
		}
		if err := validate(dst); err != nil {
			errs = append(errs, &NameError{Source: src, Dest: dst, Err: err})
			continue
		}
		out[src] = dst
		bySrc[dst] = append(bySrc[dst], src)
	}
	dsts := make([]string, 0, len(bySrc))
	for d := range bySrc {
		dsts = append(dsts, d)
	}
	sort.Strings(dsts)
	for _, d := range dsts {
		if srcs := bySrc[d]; len(srcs) > 1 {
			sort.Strings(srcs)
			errs = append(errs, &CollisionError{Dest: d, Sources: srcs})
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return q
}
