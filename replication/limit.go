package replication

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/regdr/regdr/clock"
)

// BandwidthLimiter caps the bytes per second moved by all transfers that share it.
//
// WaitN blocks until n more bytes may be moved, or returns the context's error: at once when
// ctx is already done or its deadline is too close for the wait. n is at least 1. A
// limiter that refuses n above a burst (as *rate.Limiter from golang.org/x/time/rate does)
// says so with a Burst() int method: [NewReader] and [NewTransport] then never ask for
// more than Burst bytes in one call, splitting a read into several waits; a limiter
// without Burst is asked for at most 32 KiB at a time. *rate.Limiter and [*Limiter]
// plug in as they are.
type BandwidthLimiter interface {
	WaitN(ctx context.Context, n int) error
}

// NewBandwidthLimiter returns a limiter for bytesPerSecond shared by every caller
// (≤ 0: unlimited).
//
// Unlike Harbor's per-blob `speed`, whose real cap is speed × concurrent workers, this is one
// budget: sixteen streams sharing a 10 MB/s limiter move 10 MB/s between them.
func NewBandwidthLimiter(bytesPerSecond int64) BandwidthLimiter {
	if bytesPerSecond <= 0 {
		return Unlimited
	}
	l, _ := NewLimiter(bytesPerSecond) // cannot fail: the rate is positive, no option
	return l
}

// Unlimited is a BandwidthLimiter that never waits. It still reports a done context.
var Unlimited BandwidthLimiter = unlimited{}

type unlimited struct{}

func (unlimited) WaitN(ctx context.Context, _ int) error { return ctx.Err() }

// LimiterOption configures a Limiter; [NewLimiter] reports the error of one that cannot
// be honoured.
type LimiterOption func(*Limiter) error

// WithBurst sets how many bytes may pass at once after an idle period (> 0; otherwise
// NewLimiter fails with ErrInvalidRate). The default is 1/20 of a second's worth (at least
// 1 byte), so a short copy cannot overshoot its rate noticeably.
func WithBurst(bytes int64) LimiterOption {
	return func(l *Limiter) error {
		if bytes <= 0 {
			return fmt.Errorf("%w: burst %d bytes is not positive", ErrInvalidRate, bytes)
		}
		l.burst = bytes
		return nil
	}
}

// WithClock sets the limiter's time source. The default, and what nil means, is the
// system clock (clock.System).
func WithClock(c clock.Clock) LimiterOption {
	return func(l *Limiter) error {
		l.clock = clock.Or(c)
		return nil
	}
}

// Limiter is a token-bucket BandwidthLimiter shared by any number of goroutines. Callers are
// served in the order they call WaitN, each reserving its bytes at once, so the achieved
// aggregate rate matches the limit however many streams share it.
//
// The zero value is not usable; use [NewLimiter].
type Limiter struct {
	rate  float64 // bytes per second
	burst int64
	clock clock.Clock

	mu   sync.Mutex
	full time.Time // when the bucket is full again; before that it holds burst - rate*(full-now)
}

var _ BandwidthLimiter = (*Limiter)(nil)

// NewLimiter returns a Limiter moving at most bytesPerSecond, which must be > 0
// (ErrInvalidRate otherwise; [NewBandwidthLimiter] takes ≤ 0 as unlimited), configured by
// opts.
func NewLimiter(bytesPerSecond int64, opts ...LimiterOption) (*Limiter, error) {
	if bytesPerSecond <= 0 {
		return nil, fmt.Errorf("%w: %d bytes per second is not positive", ErrInvalidRate, bytesPerSecond)
	}
	l := &Limiter{rate: float64(bytesPerSecond), clock: clock.System()}
	l.burst = max(bytesPerSecond/20, 1)
	for _, o := range opts {
		if err := o(l); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Rate returns the limit in bytes per second.
func (l *Limiter) Rate() int64 { return int64(l.rate) }

// Burst returns the burst size in bytes.
func (l *Limiter) Burst() int { return int(min(l.burst, math.MaxInt32)) }

func (l *Limiter) String() string {
	return fmt.Sprintf("%s (burst %d B)", FormatRate(int64(l.rate)), l.burst)
}

// Reserve reserves n bytes at time now and returns how long the caller must wait before
// moving them. It is WaitN's pure core, for callers who schedule their own waits.
func (l *Limiter) Reserve(now time.Time, n int) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reserveLocked(now, n)
}

func (l *Limiter) reserveLocked(now time.Time, n int) time.Duration {
	start := l.full
	if start.Before(now) {
		start = now
	}
	l.full = start.Add(l.cost(n))
	wait := l.full.Sub(now) - l.cost(int(l.burst))
	return max(wait, 0)
}

func (l *Limiter) cost(n int) time.Duration {
	return time.Duration(float64(n) / l.rate * float64(time.Second))
}

// cancel gives back n bytes reserved earlier and not used.
func (l *Limiter) cancel(n int) {
	l.mu.Lock()
	l.full = l.full.Add(-l.cost(n))
	l.mu.Unlock()
}

// WaitN blocks until n bytes may pass. n may exceed the burst: the wait is proportional.
// It returns ctx.Err() if ctx is done first, and returns at once with an error wrapping
// context.DeadlineExceeded when ctx's deadline falls before the bytes could pass; either
// way the bytes are given back.
func (l *Limiter) WaitN(ctx context.Context, n int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if n <= 0 {
		return nil
	}
	now := l.clock.Now()
	l.mu.Lock()
	wait := l.reserveLocked(now, n)
	if dl, ok := ctx.Deadline(); ok && now.Add(wait).After(dl) {
		l.full = l.full.Add(-l.cost(n))
		l.mu.Unlock()
		return fmt.Errorf("bandwidth limit: %d bytes need %v, past the deadline: %w", n, wait, context.DeadlineExceeded)
	}
	l.mu.Unlock()
	if wait == 0 {
		return nil
	}
	select {
	case <-l.clock.After(wait):
		return nil
	case <-ctx.Done():
		l.cancel(n)
		return ctx.Err()
	}
}

// SpeedToBytesPerSecond converts Harbor's replication `speed` (kbit/s; 1 unit = 128 B/s;
// ≤ 0 = unlimited) to bytes per second (0 = unlimited).
func SpeedToBytesPerSecond(speed int32) int64 {
	if speed <= 0 {
		return 0
	}
	return int64(speed) * 128
}

// BytesPerSecondToSpeed converts bytes per second (≤ 0 = unlimited) to Harbor's `speed`
// (kbit/s; -1 = unlimited), rounding down but never to 0, which Harbor would read as
// unlimited. Remember Harbor applies it per blob stream: its real cap is speed × workers.
func BytesPerSecondToSpeed(bytesPerSecond int64) int32 {
	if bytesPerSecond <= 0 {
		return -1
	}
	s := bytesPerSecond / 128
	switch {
	case s < 1:
		return 1
	case s > math.MaxInt32:
		return math.MaxInt32
	}
	return int32(s)
}
