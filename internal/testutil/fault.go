package testutil

import (
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/regdr/regdr/clock/clocktest"
)

// FaultKind is one way a FaultTransport fails a request.
type FaultKind string

// Fault kinds.
const (
	Fault5xx     FaultKind = "503"        // answer 503 without reaching the server
	Fault429     FaultKind = "429"        // answer 429 with Retry-After
	FaultReset   FaultKind = "reset"      // read part of the request body, then a connection reset
	FaultBodyCut FaultKind = "reset-body" // forward, then cut the response body halfway with a reset
)

// Faults configures a FaultTransport.
type Faults struct {
	// Seed makes the choice of failing requests repeatable.
	Seed int64
	// Rate is the share of requests that fail, 0 to 1.
	Rate float64
	// Kinds are picked from at random. Empty: all four.
	Kinds []FaultKind
	// RetryAfter is the Retry-After of a 429. Empty: "1".
	RetryAfter string
	// MaxInARow bounds how many times in a row one request (method and path) fails, so a
	// client with enough retries always gets through. The default is 2.
	MaxInARow int
	// Match picks the requests that may fail. Nil: all but the /v2/ ping.
	Match func(*http.Request) bool
	// Latency delays each request through Clock (never the real time). Zero: none.
	Latency time.Duration
	Clock   interface {
		After(time.Duration) <-chan time.Time
	}
}

// FaultTransport is an http.RoundTripper that fails a share of requests the way networks and
// overloaded registries do.
type FaultTransport struct {
	rt http.RoundTripper
	f  Faults

	mu       sync.Mutex
	rnd      *rand.Rand
	inARow   map[string]int
	injected map[FaultKind]int
}

// NewFaultTransport wraps rt (nil: a clone of http.DefaultTransport).
func NewFaultTransport(rt http.RoundTripper, f Faults) *FaultTransport {
	if rt == nil {
		// A transport of its own: httptest.Server.Close closes http.DefaultTransport's
		// idle connections, which, from a parallel test, breaks requests racing to reuse
		// one.
		rt = http.DefaultTransport.(*http.Transport).Clone()
	}
	if len(f.Kinds) == 0 {
		f.Kinds = []FaultKind{Fault5xx, Fault429, FaultReset, FaultBodyCut}
	}
	if f.RetryAfter == "" {
		f.RetryAfter = "1"
	}
	if f.MaxInARow <= 0 {
		f.MaxInARow = 2
	}
	return &FaultTransport{rt: rt, f: f, rnd: rand.New(rand.NewSource(f.Seed)), inARow: map[string]int{}, injected: map[FaultKind]int{}}
}

// Injected returns how many faults of each kind were injected.
func (t *FaultTransport) Injected() map[FaultKind]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[FaultKind]int{}
	for k, v := range t.injected {
		out[k] = v
	}
	return out
}

func (t *FaultTransport) pick(req *http.Request) (FaultKind, bool) {
	if t.f.Match != nil && !t.f.Match(req) {
		return "", false
	}
	if t.f.Match == nil && strings.TrimSuffix(req.URL.Path, "/") == "/v2" {
		return "", false
	}
	key := req.Method + " " + req.URL.Path
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inARow[key] >= t.f.MaxInARow || t.rnd.Float64() >= t.f.Rate {
		delete(t.inARow, key)
		return "", false
	}
	k := t.f.Kinds[t.rnd.Intn(len(t.f.Kinds))]
	if k == FaultBodyCut && req.Method != http.MethodGet {
		k = Fault5xx
	}
	t.inARow[key]++
	t.injected[k]++
	return k, true
}

// RoundTrip forwards req, or fails it.
func (t *FaultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.f.Latency > 0 && t.f.Clock != nil {
		select {
		case <-t.f.Clock.After(t.f.Latency):
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	k, fail := t.pick(req)
	if !fail {
		return t.rt.RoundTrip(req)
	}
	switch k {
	case Fault5xx, Fault429:
		if req.Body != nil {
			req.Body.Close()
		}
		code := http.StatusServiceUnavailable
		h := http.Header{"Content-Type": {"application/json"}}
		if k == Fault429 {
			code = http.StatusTooManyRequests
			h.Set("Retry-After", t.f.RetryAfter)
		}
		body := fmt.Sprintf(`{"errors":[{"code":"UNAVAILABLE","message":"injected %s"}]}`, k)
		return &http.Response{StatusCode: code, Status: http.StatusText(code), Header: h, Request: req,
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
	case FaultReset:
		if req.Body != nil {
			_, _ = io.CopyN(io.Discard, req.Body, 512)
			req.Body.Close()
		}
		return nil, fmt.Errorf("injected: %w", syscall.ECONNRESET)
	default: // FaultBodyCut
		resp, err := t.rt.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		resp.Body = &cutBody{rc: resp.Body, left: max(resp.ContentLength/2, 1)}
		return resp, nil
	}
}

type cutBody struct {
	rc   io.ReadCloser
	left int64
}

func (c *cutBody) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, fmt.Errorf("injected: %w", syscall.ECONNRESET)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *cutBody) Close() error { return c.rc.Close() }

// ImmediateClock is a clock whose After fires at once, recording each wait:
// clocktest.Instant, the one users get.
type ImmediateClock = clocktest.Instant
