package failover

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/regdr/regdr/clock"
)

// NameMapper reports the forward name map: each replicated Harbor repository
// ("library/web/nginx") and the ACR EE repository it is replicated into ("dr/nginx").
// Package lag computes it (lag.Verifier.ForwardMap, adapted by a [NameMapFunc]).
//
// A failover records the map in its plan and its journal entries, so that what clients
// push into ACR EE during the outage can be carried back to the Harbor repository it came
// from even when the flattening cannot be inverted in general (a replace count of -1 over
// nested sources) or Harbor's repositories change before failback. [RecordedNameMap] reads
// it back from the journal.
type NameMapper interface {
	NameMap(ctx context.Context) (map[string]string, error)
}

// NameMapFunc adapts a function to [NameMapper].
type NameMapFunc func(ctx context.Context) (map[string]string, error)

// NameMap calls f.
func (f NameMapFunc) NameMap(ctx context.Context) (map[string]string, error) { return f(ctx) }

// NameMapRefresher is a NameMapper that can be kept fresh while the primary is up. A
// Monitor whose Failover.NameMap implements it calls Refresh in every round in which the
// primary is up, as it does for a [LagRefresher].
type NameMapRefresher interface {
	NameMapper
	Refresh(ctx context.Context) error
}

var (
	_ NameMapper       = NameMapFunc(nil)
	_ NameMapRefresher = (*LastKnownNameMap)(nil)
)

// LastKnownNameMap is a NameMapper for the moment a failover happens: Harbor is down, and
// its repositories cannot be listed. It remembers the last map Mapper reported and answers
// that one when a fresh one cannot be had. The map changes only when repositories are
// created or deleted, so a remembered map does not expire: it is still what the
// replication knew last. Keep it fresh while Harbor is up: give it to a Monitor (as
// Failover.NameMap), call Refresh from your own loop, or Seed it. A LastKnownNameMap is
// safe for concurrent use.
type LastKnownNameMap struct {
	// Mapper reports the current map (required), e.g. a NameMapFunc over
	// lag.Verifier.ForwardMap.
	Mapper NameMapper
	// Every is the least time between two reads by Refresh (0: every call; negative is
	// refused): listing Harbor's repositories every probe round is wasted work. NameMap
	// always reads.
	Every time.Duration
	// Clock times Every. The default is the wall clock.
	Clock clock.Clock

	mu     sync.Mutex
	last   map[string]string
	readAt time.Time
}

// NameMap asks Mapper; when that fails it returns the remembered map, if any, and
// otherwise the failure.
func (l *LastKnownNameMap) NameMap(ctx context.Context) (map[string]string, error) {
	if err := l.validate(); err != nil {
		return nil, err
	}
	m, err := l.Mapper.NameMap(ctx)
	if err == nil {
		l.Seed(m)
		return maps.Clone(m), nil
	}
	if last, ok := l.Last(); ok {
		return last, nil
	}
	return nil, err
}

// Refresh asks Mapper and remembers its answer, unless the remembered map is younger
// than Every.
func (l *LastKnownNameMap) Refresh(ctx context.Context) error {
	if err := l.validate(); err != nil {
		return err
	}
	l.mu.Lock()
	fresh := l.last != nil && l.Every > 0 && l.now().Sub(l.readAt) < l.Every
	l.mu.Unlock()
	if fresh {
		return nil
	}
	m, err := l.Mapper.NameMap(ctx)
	if err != nil {
		return fmt.Errorf("refreshing the name map: %w", err)
	}
	l.Seed(m)
	return nil
}

// Seed remembers m, reported elsewhere, as read now.
func (l *LastKnownNameMap) Seed(m map[string]string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.last, l.readAt = maps.Clone(m), now
	if l.last == nil {
		l.last = map[string]string{}
	}
}

func (l *LastKnownNameMap) validate() error {
	switch {
	case l.Mapper == nil:
		return fmt.Errorf("%w: LastKnownNameMap without a Mapper", ErrInvalid)
	case l.Every < 0:
		return fmt.Errorf("%w: LastKnownNameMap with a negative Every", ErrInvalid)
	}
	return nil
}

func (l *LastKnownNameMap) now() time.Time {
	if l.Clock != nil {
		return l.Clock.Now()
	}
	return time.Now()
}

// Last returns a copy of the remembered map.
func (l *LastKnownNameMap) Last() (map[string]string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.last), l.last != nil
}

// RecordedNameMap returns the forward name map recorded by the failover that failback
// would undo now — of all targets', the one journaled last ([FailoverToUndo]) — and
// whether it recorded one. A failover whose request had no NameMap, or whose map could not
// be read (Evidence.NameMapError), recorded none: the reverse lag then has only Harbor's
// current repositories to go by. Journals written before name maps were recorded read
// as recording none.
func RecordedNameMap(entries []JournalEntry) (map[string]string, bool) {
	undo := undoable(entries)
	var last *JournalEntry
	for _, e := range switches(entries) {
		if u, ok := undo[e.Target]; ok && e.Kind == KindFailover && sameEntry(e, u) {
			last = &e
		}
	}
	if last == nil || len(last.NameMap) == 0 {
		return nil, false
	}
	return maps.Clone(last.NameMap), true
}

// DefaultNameMapTimeout is the default FailoverRequest.NameMapTimeout: how long planning a
// failover waits for the name map. Harbor is usually down by then, perhaps black-holed,
// and the map must never hold the failover up.
const DefaultNameMapTimeout = 10 * time.Second

// readNameMap reads the name map for a failover plan, giving up after timeout
// (DefaultNameMapTimeout when 0) even when the mapper ignores its context: it then
// returns what a LastKnownNameMap remembered, or an error saying why none. The bound is a
// context deadline, as a request's timeout is, not a wait on the switcher's clock: the
// mapper does I/O.
func readNameMap(ctx context.Context, nm NameMapper, timeout time.Duration) (map[string]string, error) {
	if timeout <= 0 {
		timeout = DefaultNameMapTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, fmt.Errorf("timed out after %v", timeout))
	defer cancel()
	type answer struct {
		m   map[string]string
		err error
	}
	done := make(chan answer, 1) // the mapper's goroutine never blocks on it
	go func() {
		m, err := nm.NameMap(ctx)
		done <- answer{m, err}
	}()
	select {
	case a := <-done:
		return a.m, a.err
	case <-ctx.Done():
	}
	if l, ok := nm.(interface {
		Last() (map[string]string, bool)
	}); ok {
		if last, ok := l.Last(); ok {
			return last, nil
		}
	}
	return nil, fmt.Errorf("reading the name map: %w", context.Cause(ctx))
}
