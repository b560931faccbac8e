// Package clock is regdr's one time source. Every package that waits or reads the time —
// the bandwidth limiter, the sync engine's backoff and give-up rule, Harbor execution
// polling, failover probes and plans, the emulators' token expiry — takes a [Clock], so a
// test can drive time with [clocktest.Fake] instead of sleeping.
//
// # Testing
//
// Package clocktest provides [clocktest.Fake], a clock that moves only when the test
// advances it.
package clock

import "time"

// Clock tells the time and waits. Implementations must be safe for concurrent use.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives the time once d has passed (at once if d ≤ 0).
	After(d time.Duration) <-chan time.Time
}

// System returns the wall clock.
func System() Clock { return system{} }

type system struct{}

func (system) Now() time.Time                         { return time.Now() }
func (system) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Or returns c, or the wall clock if c is nil: the default every option in regdr documents.
func Or(c Clock) Clock {
	if c == nil {
		return System()
	}
	return c
}
