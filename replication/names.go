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

// ValidateACRName checks a destination name against ACR Enterprise Edition's rule: exactly
// two components, namespace/repository, each following the OCI grammar. ACR EE refuses any
// other shape at push time; checking here turns a failure halfway through a copy into an
// error before the first write.
func ValidateACRName(name string) error {
	if err := ValidateRepositoryName(name); err != nil {
		return err
	}
	if n := strings.Count(name, "/") + 1; n != 2 {
		return fmt.Errorf("%w: %q has %d path components; ACR EE accepts exactly namespace/repository", ErrInvalidName, name, n)
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
