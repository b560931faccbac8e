package reverse

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/mirror"
)

// Config is what a reverse replication reads and writes. It holds credentials (in the
// two endpoints), and is never part of a plan or a report.
type Config struct {
	// Verifier measures the reverse lag (required): its Source lists Harbor, its Tags
	// list ACR EE and must also be a lag.RepositoryLister, and its Namespace is the ACR EE
	// namespace whose repositories are looked at. managed.Setup.Verifier builds the one of
	// a Harbor replication setup; its Flattener is the forward map inverted when Inverse
	// is nil.
	Verifier *lag.Verifier
	// ACR is the ACR EE registry copied from, Harbor the Harbor registry copied to
	// (both required).
	ACR, Harbor mirror.Endpoint
	// Inverse, when not nil, is the inverse name map — ACR EE repository → Harbor
	// repository — used instead of inverting the Verifier's forward map: the map recorded
	// at failover time (see Invert), which stays exact where the flattening cannot be
	// inverted (flatten-all over nested repositories). It is taken as given: the
	// Verifier's Selector does not narrow it. Two ACR EE repositories mapping back to one
	// Harbor repository are refused with lag.ErrAmbiguousInverse; an ACR EE repository
	// of the namespace absent from it is unmapped.
	Inverse map[string]string
	// Overwrite lets the plan copy ACR EE's digest over a Harbor tag that holds another
	// (stale). By default such tags are reported and the plan is refused (ErrStaleTag):
	// Harbor may have received a newer push since the failback started. Even with
	// Overwrite, Apply writes over a tag only if it still holds what the plan saw
	// (ErrStalePlan otherwise).
	Overwrite bool
	// Sync tunes the copy (Jobs, Limiter, Retry, Timeout, GiveUp, Clock, Progress,
	// Logger, Referrers, Reverify, Validate; see mirror.Options). Source, Flattener,
	// Selector and Override belong to this package: setting them is refused
	// (ErrInvalidConfig).
	Sync mirror.Options
}

// check refuses a config missing what both Compute and Apply need.
func (c Config) check() error {
	var errs []error
	v := c.Verifier
	if v == nil || v.Source == nil || v.Tags == nil {
		errs = append(errs, errors.New("a Verifier with a Source (Harbor) and Tags (ACR EE) is required"))
	} else if _, ok := v.Tags.(lag.RepositoryLister); !ok || v.Namespace == "" {
		errs = append(errs, errors.New("the Verifier's Tags must list repositories (a lag.RepositoryLister) and its Namespace be set"))
	} else if c.Inverse == nil && v.Flattener == nil {
		errs = append(errs, errors.New("without an Inverse, the Verifier's Flattener (the forward map) is required"))
	}
	if c.ACR.Registry == "" || c.Harbor.Registry == "" {
		errs = append(errs, errors.New("the ACR EE and Harbor registries are required"))
	}
	if c.Sync.Source != nil || c.Sync.Flattener != nil || c.Sync.Selector != nil || c.Sync.Override {
		errs = append(errs, errors.New("Sync.Source, Flattener, Selector and Override are set by the reverse replication"))
	} else if c.ACR.Registry != "" && c.Harbor.Registry != "" {
		// The endpoints and the sync options, checked without I/O before any listing.
		if _, err := mirror.New(c.ACR, c.Harbor, c.Sync); err != nil {
			errs = append(errs, err)
		}
	}
	for _, dest := range slices.Sorted(maps.Keys(c.Inverse)) {
		src := c.Inverse[dest]
		if err := replication.ValidateRepositoryName(dest); err != nil {
			errs = append(errs, fmt.Errorf("inverse: ACR EE repository: %w", err))
		}
		if err := replication.ValidateRepositoryName(src); err != nil {
			errs = append(errs, fmt.Errorf("inverse of %q: Harbor repository: %w", dest, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
	}
	return nil
}

// observe measures the reverse lag: through the Verifier (the forward map inverted), or
// through the recorded Inverse.
func (c Config) observe(ctx context.Context) (*lag.ReverseReport, error) {
	if c.Inverse == nil {
		r, err := c.Verifier.Reverse(ctx)
		if err != nil {
			return nil, fmt.Errorf("measuring the reverse lag: %w", err)
		}
		return r, nil
	}
	if err := checkInjective(c.Inverse); err != nil {
		return nil, err
	}
	v := c.Verifier
	in := lag.ReverseInput{CheckedAt: c.now(), ACR: map[string][]lag.Tag{}}
	repos, err := v.Source.Repositories(ctx)
	if err != nil {
		return nil, fmt.Errorf("measuring the reverse lag: listing Harbor repositories: %w", err)
	}
	// A Harbor repository the map names but Harbor does not have (yet) holds nothing.
	inHarbor := map[string]bool{}
	for _, src := range repos {
		inHarbor[src] = true
	}
	for _, dest := range slices.Sorted(maps.Keys(c.Inverse)) {
		src := c.Inverse[dest]
		l := lag.Listing{Source: src, Dest: dest}
		if inHarbor[src] {
			if l.Artifacts, err = v.Source.Artifacts(ctx, src); err != nil {
				return nil, fmt.Errorf("measuring the reverse lag: listing artifacts of %q: %w", src, err)
			}
		}
		in.Harbor = append(in.Harbor, l)
	}
	have, err := v.Tags.(lag.RepositoryLister).RepositoryPaths(ctx, v.Namespace)
	if err != nil {
		return nil, fmt.Errorf("measuring the reverse lag: listing ACR EE repositories of %q: %w", v.Namespace, err)
	}
	have = append(have, slices.Collect(maps.Keys(c.Inverse))...)
	slices.Sort(have)
	// ACR EE's OpenAPI is listed one call at a time: it throttles per instance.
	for _, dest := range slices.Compact(have) {
		tags, err := v.Tags.TagsOf(ctx, dest)
		if err != nil {
			return nil, fmt.Errorf("measuring the reverse lag: listing tags of ACR EE repository %q: %w", dest, err)
		}
		if len(tags) > 0 {
			in.ACR[dest] = tags
		}
	}
	r, err := lag.CompareReverse(in)
	if err != nil {
		return nil, fmt.Errorf("measuring the reverse lag: %w", err)
	}
	return r, nil
}

func (c Config) now() time.Time {
	if c.Verifier.Clock != nil {
		return c.Verifier.Clock.Now()
	}
	return time.Now()
}

// checkInjective refuses an inverse in which two ACR EE repositories map back to one
// Harbor repository: their tags would land in one place, and which wins is a guess.
func checkInjective(inverse map[string]string) error {
	seen := map[string]string{}
	var dup []string
	for _, dest := range slices.Sorted(maps.Keys(inverse)) {
		src := inverse[dest]
		if other, ok := seen[src]; ok {
			dup = append(dup, fmt.Sprintf("%q and %q both map back to %q", other, dest, src))
			continue
		}
		seen[src] = dest
	}
	if len(dup) > 0 {
		return fmt.Errorf("measuring the reverse lag: %w: %s", lag.ErrAmbiguousInverse, strings.Join(dup, "; "))
	}
	return nil
}

// Invert returns the inverse of a forward name map (Harbor repository → ACR EE
// repository), such as one recorded at failover time, for Config.Inverse. Two Harbor
// repositories mapped to one ACR EE repository cannot be told apart on the way back:
// refused with lag.ErrAmbiguousInverse.
func Invert(forward map[string]string) (map[string]string, error) {
	inverse, err := lag.Invert(forward)
	if err != nil {
		return nil, fmt.Errorf("inverting the name map: %w", err)
	}
	return inverse, nil
}

// Measure measures the reverse lag as Compute and Apply do: through the recorded Inverse
// when there is one, else through the Verifier (lag.Verifier.Reverse). Hand it to
// failback, so that failback is held to the same inverse the reverse replication uses:
//
//	failover.ReverseLagFunc(func(ctx context.Context) (failover.ReverseLag, error) {
//		r, err := reverse.Measure(ctx, cfg)
//		if err != nil {
//			return failover.ReverseLag{}, err
//		}
//		return failover.ReverseLag(r.Summary()), nil
//	})
func Measure(ctx context.Context, cfg Config) (*lag.ReverseReport, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return cfg.observe(ctx)
}
