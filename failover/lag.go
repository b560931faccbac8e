package failover

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/regdr/regdr/clock"
)

// DefaultLagMaxAge is LastKnownLag.MaxAge's default.
const DefaultLagMaxAge = time.Hour

// DefaultLagMaxSkew is LastKnownLag.MaxSkew's default.
const DefaultLagMaxSkew = 5 * time.Minute

// LagRefresher is a LagReporter that can be kept fresh while the primary is up. A
// Monitor whose Failover.Lag implements it calls Refresh in every round in which the
// primary is up.
type LagRefresher interface {
	LagReporter
	Refresh(ctx context.Context) error
}

// LastKnownLag is a LagReporter for the moment the lag matters most: Harbor is down, and
// what it holds cannot be listed, so a fresh comparison fails. LastKnownLag remembers the
// last lag Reporter measured and, when a fresh measurement fails, answers that one, aged:
// anything pushed to Harbor since may be missing from ACR EE, so OldestMissing grows by
// the time since CheckedAt. A remembered lag older than MaxAge is not used: the failure is
// returned, and a failover with an RPO is refused unless forced.
//
// Keep it fresh while Harbor is up: give it to a Monitor (which calls Refresh every round
// the primary is up, at most once per Every), call Refresh from your own loop, or Seed it
// with a lag measured elsewhere (for example by `examples/verify -json` on a schedule).
// A LastKnownLag is safe for concurrent use.
type LastKnownLag struct {
	// Reporter measures the lag (required), e.g. a LagFunc over replication.Verifier.Lag.
	Reporter LagReporter
	// MaxAge is how old a remembered lag may be. The default (0) is DefaultLagMaxAge;
	// negative is refused.
	MaxAge time.Duration
	// Every is the least time between two measurements by Refresh (0: every call;
	// negative is refused). Lag always measures.
	Every time.Duration
	// Clock ages the remembered lag. The default is the wall clock.
	Clock clock.Clock
	// MaxSkew is how far in the future a lag may be dated (the measuring host's clock
	// running ahead): a lag dated later is refused with [ErrLagFromFuture], since it would
	// not age and would hold the RPO open. The default (0) is DefaultLagMaxSkew; negative
	// is refused.
	MaxSkew time.Duration

	mu   sync.Mutex
	last *Lag
}

var _ LagRefresher = (*LastKnownLag)(nil)

// Lag measures; when that fails it returns the remembered lag, aged, if it is no older
// than MaxAge, and otherwise the failure.
func (l *LastKnownLag) Lag(ctx context.Context) (Lag, error) {
	if err := l.validate(); err != nil {
		return Lag{}, err
	}
	lag, err := l.Reporter.Lag(ctx)
	if err == nil {
		if err := l.remember(lag); err != nil {
			return Lag{}, err
		}
		return lag, nil
	}
	last, ok := l.Last()
	if !ok {
		return Lag{}, err
	}
	age := max(l.now().Sub(last.CheckedAt), 0)
	if maxAge := l.maxAge(); age > maxAge {
		return Lag{}, fmt.Errorf("%w; the last measured lag is %v old, more than %v", err, age.Round(time.Second), maxAge)
	}
	last.OldestMissing += age
	return last, nil
}

// Refresh measures unless the remembered lag is younger than Every.
func (l *LastKnownLag) Refresh(ctx context.Context) error {
	if err := l.validate(); err != nil {
		return err
	}
	if last, ok := l.Last(); ok && l.Every > 0 && l.now().Sub(last.CheckedAt) < l.Every {
		return nil
	}
	lag, err := l.Reporter.Lag(ctx)
	if err != nil {
		return err
	}
	return l.remember(lag)
}

// Seed remembers lag, measured elsewhere, unless a newer one is remembered. A lag without
// CheckedAt is taken as measured now; one dated more than MaxSkew in the future is
// refused ([ErrLagFromFuture]).
func (l *LastKnownLag) Seed(lag Lag) error {
	if err := l.validate(); err != nil {
		return err
	}
	return l.remember(lag)
}

// validate refuses a LastKnownLag without a Reporter or with a negative setting: each has
// a documented default for 0, and a negative one would otherwise be silently replaced.
func (l *LastKnownLag) validate() error {
	switch {
	case l.Reporter == nil:
		return fmt.Errorf("%w: LastKnownLag without a Reporter", ErrInvalid)
	case l.MaxAge < 0 || l.Every < 0 || l.MaxSkew < 0:
		return fmt.Errorf("%w: LastKnownLag with a negative MaxAge, Every or MaxSkew", ErrInvalid)
	}
	return nil
}

// Last returns the remembered lag, as measured (not aged).
func (l *LastKnownLag) Last() (Lag, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil {
		return Lag{}, false
	}
	return *l.last, true
}

func (l *LastKnownLag) remember(lag Lag) error {
	now := l.now()
	if lag.CheckedAt.IsZero() {
		lag.CheckedAt = now
	}
	skew := l.MaxSkew
	if skew <= 0 {
		skew = DefaultLagMaxSkew
	}
	if ahead := lag.CheckedAt.Sub(now); ahead > skew {
		return fmt.Errorf("%w: measured at %s, %v ahead of this clock (more than the %v allowed)", ErrLagFromFuture,
			lag.CheckedAt.UTC().Format(time.RFC3339), ahead.Round(time.Second), skew)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.last == nil || !lag.CheckedAt.Before(l.last.CheckedAt) {
		l.last = &lag
	}
	return nil
}

func (l *LastKnownLag) now() time.Time {
	if l.Clock != nil {
		return l.Clock.Now()
	}
	return time.Now()
}

func (l *LastKnownLag) maxAge() time.Duration {
	if l.MaxAge > 0 {
		return l.MaxAge
	}
	return DefaultLagMaxAge
}
