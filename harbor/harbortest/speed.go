package harbortest

import (
	"context"
	"io"
	"net/http"
	"time"
)

// Harbor's bandwidth limit, as its image transfer applies it
// (src/controller/replication/transfer/image/transfer.go, copyBlob*; the
// reader is src/lib/iothrottler.go): each blob's data goes through its own
// token bucket of speed × 1024/8 bytes a second with a burst of 1000×1024
// bytes, so blobs under the burst are not slowed at all and the policy's cap
// holds per blob stream, not per execution.
const (
	speedUnit  = 1024 / 8 // bytes a second per unit of a policy's speed (kb/s)
	speedBurst = 1000 * 1024
)

// speedTransport throttles every request body rt sends (the blobs pushed to
// the destination) to speed kb/s, each body on its own bucket. speed ≤ 0 is
// no limit.
func speedTransport(rt http.RoundTripper, speed int32) http.RoundTripper {
	if speed <= 0 {
		return rt
	}
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if req.Body == nil || req.Body == http.NoBody {
			return rt.RoundTrip(req)
		}
		r2 := req.Clone(req.Context())
		r2.Body = newThrottled(req.Context(), req.Body, int64(speed)*speedUnit)
		if req.GetBody != nil {
			r2.GetBody = func() (io.ReadCloser, error) {
				b, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				return newThrottled(req.Context(), b, int64(speed)*speedUnit), nil
			}
		}
		return rt.RoundTrip(r2)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// throttled is a token bucket reader: it may run speedBurst bytes ahead of
// rate, then waits (or gives up when ctx is done).
type throttled struct {
	ctx    context.Context
	r      io.ReadCloser
	rate   int64 // bytes a second
	tokens float64
	last   time.Time
}

func newThrottled(ctx context.Context, r io.ReadCloser, rate int64) *throttled {
	return &throttled{ctx: ctx, r: r, rate: rate, tokens: speedBurst, last: time.Now()}
}

func (t *throttled) Read(p []byte) (int, error) {
	if len(p) > speedBurst {
		p = p[:speedBurst]
	}
	n, err := t.r.Read(p)
	if n <= 0 {
		return n, err
	}
	now := time.Now()
	t.tokens = min(speedBurst, t.tokens+now.Sub(t.last).Seconds()*float64(t.rate))
	t.last = now
	t.tokens -= float64(n)
	if t.tokens < 0 {
		wait := time.Duration(-t.tokens / float64(t.rate) * float64(time.Second))
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-t.ctx.Done():
			return n, t.ctx.Err()
		}
	}
	return n, err
}

func (t *throttled) Close() error { return t.r.Close() }
