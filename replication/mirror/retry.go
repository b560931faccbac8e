package mirror

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/regdr/regdr/clock"
)

// policy is the retry and timeout policy for registry requests, made of Options.Retry,
// Timeout and GiveUp: capped exponential backoff with jitter for 5xx, 429 (honouring
// Retry-After), 408, timeouts, connection resets and truncated bodies; never for other 4xx
// answers such as authentication failures.
type policy struct {
	// Attempts is the number of tries per operation, the first included. The default is 10.
	Attempts int `json:"attempts,omitempty"`
	// Base is the first backoff. The default is 200ms.
	Base time.Duration `json:"base,omitempty"`
	// Max caps one backoff, and a Retry-After. The default is 10s.
	Max time.Duration `json:"max,omitempty"`
	// Timeout bounds each wait of a request on the registry: for the response header, and
	// for each read or write of a body; a small request (not a blob's transfer) also has a
	// deadline of 5 × Timeout in all. The default is 60s.
	Timeout time.Duration `json:"timeout,omitempty"`
	// GiveUp is how long a registry may answer nothing successfully, while requests to it
	// fail, before it is declared down. A 2xx answer succeeds once its body is read to the
	// end: a header followed by a broken body is a failure. The default is 2m.
	GiveUp time.Duration `json:"give_up,omitempty"`
}

func (r policy) withDefaults() policy {
	if r.Attempts <= 0 {
		r.Attempts = DefaultAttempts
	}
	if r.Base <= 0 {
		r.Base = 200 * time.Millisecond
	}
	if r.Max <= 0 {
		r.Max = 10 * time.Second
	}
	if r.Timeout <= 0 {
		r.Timeout = DefaultTimeout
	}
	if r.GiveUp <= 0 {
		r.GiveUp = DefaultGiveUp
	}
	return r
}

// backoff returns the wait before try n+1 (n ≥ 1): half fixed, half random, so that many
// workers hit by one outage do not come back in lockstep. A Retry-After date counts from now.
func (r policy) backoff(n int, err error, now time.Time) time.Duration {
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter != "" {
		if d, ok := parseRetryAfter(he.RetryAfter, now); ok {
			return min(d, r.Max)
		}
	}
	d := r.Base << min(n-1, 30)
	if d <= 0 || d > r.Max {
		d = r.Max
	}
	return d/2 + rand.N(d/2+1)
}

func parseRetryAfter(s string, now time.Time) (time.Duration, bool) {
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil && secs >= 0 {
		// Clamped: a huge number must not overflow into a negative wait (no backoff).
		return time.Duration(min(secs, int64(math.MaxInt64/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(s); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// retryable reports whether err is worth another try.
func retryable(err error) bool {
	if err == nil || errors.Is(err, ErrRegistryDown) {
		return false
	}
	if errors.Is(err, ErrTimeout) {
		return true
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || syncTLSRefused(err) {
		return false
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Temporary()
	}
	// The registry's own answer decides, before any transport error beside it: the ping
	// joins the refused HTTPS attempt (a *url.Error, a net.Error) with the HTTP answer.
	var answer *transport.Error
	if errors.As(err, &answer) {
		return answer.Temporary()
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	// net/http's word for a connection that broke under a request it had begun writing
	// (persistConn.mapRoundTripError; an idle-close by CloseIdleConnections racing the
	// connection's reuse, for one), which may reach here out of its *url.Error: no
	// exported type or sentinel names it.
	if strings.Contains(err.Error(), "net/http: HTTP/1.x transport connection broken") {
		return true
	}
	var te interface{ Temporary() bool }
	return errors.As(err, &te) && te.Temporary()
}

// syncTLSRefused reports whether err is a TLS failure another try cannot mend: a certificate
// that does not verify, or a peer that does not speak TLS at all.
func syncTLSRefused(err error) bool {
	var (
		cv *tls.CertificateVerificationError
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
		rh tls.RecordHeaderError
	)
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &rh)
}

// retry runs op until it succeeds, fails for good, or the attempts run out. Waits go
// through clock, so tests never sleep.
func retryDo(ctx context.Context, r policy, clock clock.Clock, onRetry func(error, time.Duration), op func() error) error {
	r = r.withDefaults()
	var err error
	for n := 1; ; n++ {
		if err = op(); err == nil || !retryable(err) || n >= r.Attempts {
			return err
		}
		if ctx.Err() != nil {
			return err
		}
		wait := r.backoff(n, err, clock.Now())
		if onRetry != nil {
			onRetry(err, wait)
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-clock.After(wait):
		}
	}
}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
