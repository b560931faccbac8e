package reverse

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

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
	// repository — of the forward map recorded at failover time (see Invert), which
	// stays exact where the flattening cannot be inverted (flatten-all over nested
	// repositories). It is the same recorded map as the Verifier's NameMap, given the
	// other way round, and read by the same code (lag.Verifier.Reverse,
	// lag.Verifier.RecordedInverse): setting both to different maps is refused
	// (ErrInvalidConfig); with Inverse nil, a Verifier's NameMap is the recorded map. Its
	// entries are taken as given (the Verifier's Selector does not narrow them). A
	// Harbor repository the recorded map lacks (created after it was recorded) maps back
	// through the current flattening into an ACR EE repository the map does not name,
	// unless another such repository flattens there too; an ACR EE repository of the
	// namespace neither reaches is unmapped. Two ACR EE repositories mapping back to one
	// Harbor repository are refused with lag.ErrAmbiguousInverse.
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
	if v != nil && c.Inverse != nil && v.NameMap != nil {
		if fwd, err := c.recorded(); err == nil && !maps.Equal(fwd, v.NameMap) {
			errs = append(errs, errors.New("the Inverse and the Verifier's NameMap are two different recorded name maps"))
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

// recorded returns the forward name map recorded at failover (Harbor repository → ACR EE
// repository) that the reverse replication inverts: Inverse turned back, else the
// Verifier's NameMap; nil when none was recorded (the inverse is then derived from the
// current flattening). An Inverse in which two ACR EE repositories map back to one Harbor
// repository is refused with lag.ErrAmbiguousInverse.
func (c Config) recorded() (map[string]string, error) {
	if c.Inverse == nil {
		return c.Verifier.NameMap, nil
	}
	// The inverse's own inverse: refused when two ACR EE repositories map back to one
	// Harbor repository (lag.ErrAmbiguousInverse).
	forward, err := lag.Invert(c.Inverse)
	if err != nil {
		return nil, fmt.Errorf("the recorded inverse: %w", err)
	}
	return forward, nil
}

// isRecorded reports whether the config gives a name map recorded at failover.
func (c Config) isRecorded() bool { return c.Inverse != nil || c.Verifier.NameMap != nil }

// verifier returns the Verifier that measures the reverse lag and maps back: the
// config's, holding the recorded forward map in its NameMap. So lag.Verifier.Reverse
// applies its one rule to a recorded map whichever way it was given. Without a
// Flattener (allowed with an Inverse) nothing maps back but the recorded map.
func (c Config) verifier() (*lag.Verifier, error) {
	forward, err := c.recorded()
	if err != nil {
		return nil, err
	}
	v := *c.Verifier
	v.NameMap = forward
	if v.Flattener == nil {
		v.Flattener = replication.FlattenFunc(func(repo string) (string, error) {
			return "", fmt.Errorf("%w: no current flattening, only the recorded name map", ErrUnmapped)
		})
	}
	return &v, nil
}

// observe measures the reverse lag through lag.Verifier.Reverse: the forward map
// inverted, or the recorded map (Inverse or the Verifier's NameMap) under its staleness
// rule.
func (c Config) observe(ctx context.Context) (*lag.ReverseReport, error) {
	v, err := c.verifier()
	if err != nil {
		return nil, fmt.Errorf("measuring the reverse lag: %w", err)
	}
	r, err := v.Reverse(ctx)
	if err != nil {
		return nil, fmt.Errorf("measuring the reverse lag: %w", err)
	}
	return r, nil
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

// Measure measures the reverse lag as Compute and Apply do: lag.Verifier.Reverse, with the
// recorded map (Inverse, or the Verifier's NameMap) as the Verifier's NameMap — so it
// reports what Verifier.Reverse reports given the same recorded map. Hand it to failback,
// so that failback is held to the same inverse the reverse replication uses:
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
