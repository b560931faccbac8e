// Package retry is regdr's one retry policy: how many tries, how long to back off between
// them (exponential, with jitter so that many workers hit by one outage do not come back in
// lockstep), and how a server's Retry-After is honoured. The sync engine, the Alibaba
// OpenAPI clients and Harbor execution polling all take a [Policy].
//
// Whether an error is worth another try is the error's own business: [Do] retries an error
// that says so through a Temporary() bool method (go-containerregistry's transport.Error,
// net.Error) or that is marked with [Transient], and honours a RetryAfter(now) hint.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/regdr/regdr/clock"
)

// Defaults of a zero Policy.
const (
	DefaultAttempts = 6
	DefaultInitial  = 200 * time.Millisecond
	DefaultMax      = 10 * time.Second
)

// ErrInvalidPolicy is returned by [Policy.Validate] for negative fields.
var ErrInvalidPolicy = errors.New("invalid retry policy")

// Policy says how often to try and how long to wait in between. The zero value is the
// default: 6 tries, backoff from 200ms doubling up to 10s.
type Policy struct {
	// Attempts is the number of tries in all, the first included; 1 disables retries.
	// The default (0) is DefaultAttempts.
	Attempts int `json:"attempts,omitempty"`
	// Initial is the first backoff, doubled after each failed try. The default (0) is
	// DefaultInitial.
	Initial time.Duration `json:"initial,omitempty"`
	// Max caps one backoff and a server's Retry-After. The default (0) is DefaultMax.
	Max time.Duration `json:"max,omitempty"`
}

// Validate refuses negative fields and an Initial above Max.
func (p Policy) Validate() error {
	switch {
	case p.Attempts < 0:
		return fmt.Errorf("%w: attempts %d < 0", ErrInvalidPolicy, p.Attempts)
	case p.Initial < 0:
		return fmt.Errorf("%w: initial backoff %v < 0", ErrInvalidPolicy, p.Initial)
	case p.Max < 0:
		return fmt.Errorf("%w: max backoff %v < 0", ErrInvalidPolicy, p.Max)
	}
	d := p.WithDefaults()
	if d.Initial > d.Max {
		return fmt.Errorf("%w: initial backoff %v above max %v", ErrInvalidPolicy, d.Initial, d.Max)
	}
	return nil
}

// WithDefaults returns p with every zero field set to its default.
func (p Policy) WithDefaults() Policy {
	if p.Attempts == 0 {
		p.Attempts = DefaultAttempts
	}
	if p.Initial == 0 {
		p.Initial = DefaultInitial
	}
	if p.Max == 0 {
		p.Max = DefaultMax
	}
	return p
}

// Backoff returns the wait after failed try n (n ≥ 1): Initial·2^(n-1) capped at Max, half of
// it fixed and half random (u in [0,1) picks the random half). A hint from the server
// (Retry-After, > 0) replaces it, capped at Max.
func (p Policy) Backoff(n int, hint time.Duration, u float64) time.Duration {
	p = p.WithDefaults()
	if hint > 0 {
		return min(hint, p.Max)
	}
	d := p.Initial
	for i := 1; i < n && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	return d/2 + time.Duration(u*float64(d/2))
}

// transient marks an error as worth another try.
type transient struct{ err error }

func (t transient) Error() string   { return t.err.Error() }
func (t transient) Unwrap() error   { return t.err }
func (t transient) Temporary() bool { return true }

// Transient marks err as worth another try; Do retries it. nil stays nil.
func Transient(err error) error {
	if err == nil {
		return nil
	}
	return transient{err}
}

// IsTransient reports whether err, or an error it wraps, says it is temporary.
func IsTransient(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// hint returns the server's Retry-After carried by err, if any.
func hint(err error, now time.Time) time.Duration {
	var h interface {
		RetryAfter(now time.Time) (time.Duration, bool)
	}
	if errors.As(err, &h) {
		if d, ok := h.RetryAfter(now); ok {
			return d
		}
	}
	return 0
}

// Do calls op until it succeeds, returns an error that is not transient, the policy's tries
// run out (the last error is returned), or ctx ends. It waits on c (nil: the wall clock).
func Do(ctx context.Context, c clock.Clock, p Policy, op func(context.Context) error) error {
	if err := p.Validate(); err != nil {
		return err
	}
	p = p.WithDefaults()
	c = clock.Or(c)
	for n := 1; ; n++ {
		err := op(ctx)
		if err == nil || !IsTransient(err) || n >= p.Attempts {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-c.After(p.Backoff(n, hint(err, c.Now()), rand.Float64())):
		}
	}
}
