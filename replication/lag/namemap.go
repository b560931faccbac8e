package lag

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/regdr/regdr/replication"
)

// ForwardMap returns the forward name map as it stands: every Harbor repository the
// Selector picks, and the ACR EE repository the Flattener maps it to (each name
// validated). It is what a failover records (failover.FailoverRequest.NameMap, through a
// failover.NameMapFunc) for [Verifier.Reverse] to invert at failback. Two repositories
// that flatten to one ACR EE repository are both kept, not refused: the collision is
// recorded as it was, and refused when the map is inverted ([Invert]).
func (v *Verifier) ForwardMap(ctx context.Context) (map[string]string, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	sel := v.Selector
	if sel == nil {
		sel = replication.MustRules()
	}
	all, err := v.Source.Repositories(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing Harbor repositories for the name map: %w", err)
	}
	validate := v.Validate
	if validate == nil {
		validate = replication.ValidateACRName
	}
	out := map[string]string{}
	for _, repo := range all {
		if !sel.MatchRepository(repo) {
			continue
		}
		dest, err := v.Flattener.Flatten(repo)
		if err == nil {
			err = validate(dest)
		}
		if err != nil {
			return nil, fmt.Errorf("mapping %q into %q: %w", repo, v.Namespace, err)
		}
		out[repo] = dest
	}
	return out, nil
}

// Invert returns the inverse of the forward name map forward (Harbor repository → ACR EE
// repository): each ACR EE repository and the one Harbor repository it maps back to.
// When two Harbor repositories map to one ACR EE repository it refuses with
// [ErrAmbiguousInverse], naming every collision: what ACR EE holds there cannot be given
// back to one of them. Reverse replication writes into Harbor only through an inverse
// Invert accepted.
func Invert(forward map[string]string) (map[string]string, error) {
	inverse := make(map[string]string, len(forward))
	sources := map[string][]string{}
	for src, dest := range forward {
		inverse[dest] = src
		sources[dest] = append(sources[dest], src)
	}
	var ambiguous []string
	for _, dest := range verifySortedKeys(sources) {
		if srcs := sources[dest]; len(srcs) > 1 {
			slices.Sort(srcs)
			ambiguous = append(ambiguous, fmt.Sprintf("%s all map to %q", quoteAll(srcs), dest))
		}
	}
	if len(ambiguous) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrAmbiguousInverse, strings.Join(ambiguous, "; "))
	}
	return inverse, nil
}

// RecordedInverse returns the inverse [Verifier.Reverse] uses with the recorded name map
// (NameMap, required): each ACR EE repository and the Harbor repository it maps back to
// — the recorded map inverted, and each of Harbor's repositories the map lacks, through
// the current flattening, into a destination the map does not name and no other such
// repository flattens to. A reverse replication writes through it, so that it carries
// back into exactly the repositories Reverse measures. It lists Harbor's repositories;
// the recorded map is validated and refused when ambiguous as Reverse refuses it.
func (v *Verifier) RecordedInverse(ctx context.Context) (map[string]string, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	if v.NameMap == nil {
		return nil, fmt.Errorf("%w: no recorded name map to invert", ErrInvalidVerifier)
	}
	held, gone, err := v.recordedListings(ctx)
	if err != nil {
		return nil, fmt.Errorf("inverting the recorded name map: %w", err)
	}
	inverse := make(map[string]string, len(held)+len(gone))
	for _, l := range slices.Concat(held, gone) {
		inverse[l.Dest] = l.Source
	}
	return inverse, nil
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// recordedListings returns one Listing per entry of the recorded name map, sorted by
// source, and which of them Harbor still holds (those whose artifacts are listed; the
// others hold nothing now, so every tag ACR EE holds for them is missing); and, among
// those held, Harbor's repositories the recorded map lacks, each through the current
// flattening into a destination the recorded map does not name and no other such
// repository flattens to.
func (v *Verifier) recordedListings(ctx context.Context) (held, gone []Listing, err error) {
	validate := v.Validate
	if validate == nil {
		validate = replication.ValidateACRName
	}
	for _, src := range verifySortedKeys(v.NameMap) {
		// As ForwardMap validates what it records: a name that is no repository name
		// (a newline would forge a line of the report) is not compared, let alone
		// carried back.
		if err := replication.ValidateRepositoryName(src); err != nil {
			return nil, nil, fmt.Errorf("%w: the recorded name map: Harbor repository %q: %w", ErrInvalidVerifier, src, err)
		}
		if err := validate(v.NameMap[src]); err != nil {
			return nil, nil, fmt.Errorf("%w: the recorded name map: %q maps to %q: %w", ErrInvalidVerifier, src, v.NameMap[src], err)
		}
	}
	if _, err := Invert(v.NameMap); err != nil {
		return nil, nil, fmt.Errorf("inverting the name map recorded at failover: %w", err)
	}
	repos, err := v.Source.Repositories(ctx)
	if err != nil {
		return nil, nil, err
	}
	recordedDests := map[string]bool{}
	for _, src := range verifySortedKeys(v.NameMap) {
		l := Listing{Source: src, Dest: v.NameMap[src]}
		recordedDests[l.Dest] = true
		if slices.Contains(repos, src) {
			held = append(held, l)
		} else {
			gone = append(gone, l)
		}
	}
	// The recorded map is as old as its last refresh: a repository Harbor created since
	// (and the replication copied) is not in it. One Harbor still holds maps back
	// through the current flattening, if its destination is not a recorded one (the
	// recorded source keeps it) and no other new repository flattens to it (then it
	// stays unmapped: no guess).
	sel := v.Selector
	if sel == nil {
		sel = replication.MustRules()
	}
	fresh := map[string][]string{} // destination → new sources
	for _, repo := range repos {
		if _, ok := v.NameMap[repo]; ok || !sel.MatchRepository(repo) {
			continue
		}
		dest, err := v.Flattener.Flatten(repo)
		if err != nil || validate(dest) != nil || replication.ValidateRepositoryName(repo) != nil || recordedDests[dest] {
			continue
		}
		fresh[dest] = append(fresh[dest], repo)
	}
	for _, dest := range verifySortedKeys(fresh) {
		if srcs := fresh[dest]; len(srcs) == 1 {
			held = append(held, Listing{Source: srcs[0], Dest: dest})
		}
	}
	return held, gone, nil
}
