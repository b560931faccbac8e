package failover

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/regdr/regdr/clock"
)

// DefaultProbeTimeout bounds one probe when the endpoint sets no timeout.
const DefaultProbeTimeout = 5 * time.Second

// Endpoint is a registry whose health is probed: Harbor (the primary) or ACR EE (the
// secondary). It holds no credentials: an anonymous GET /v2/ answered with a 401 challenge
// proves the registry is serving.
type Endpoint struct {
	// Name labels the endpoint in reports ("harbor", "acr-ee").
	Name string `json:"name"`
	// URL is the registry's base URL, "https://host[:port]", without credentials or query.
	URL string `json:"url"`
	// InsecureSkipVerify turns TLS verification off for this endpoint only. The default
	// (false) verifies certificates against the vantage point's trust roots.
	InsecureSkipVerify bool `json:"insecure_skip_verify,omitempty"`
	// Timeout bounds one probe. The default is DefaultProbeTimeout.
	Timeout time.Duration `json:"timeout,omitempty"`
}

// Validate checks the endpoint before any request. It never echoes a URL that carries
// credentials.
func (e Endpoint) Validate() error {
	if e.Name == "" {
		return fmt.Errorf("%w: endpoint has no name", ErrInvalid)
	}
	u, err := url.Parse(e.URL)
	if err != nil {
		return fmt.Errorf("%w: endpoint %s: URL does not parse", ErrInvalid, e.Name)
	}
	if u.User != nil {
		return fmt.Errorf("%w: endpoint %s: URL must not carry credentials", ErrInvalid, e.Name)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return fmt.Errorf("%w: endpoint %s: URL needs an http(s) scheme and a host", ErrInvalid, e.Name)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%w: endpoint %s: URL must not carry a query or fragment", ErrInvalid, e.Name)
	}
	if e.Timeout < 0 {
		return fmt.Errorf("%w: endpoint %s: negative timeout", ErrInvalid, e.Name)
	}
	return nil
}

// probeURL is the endpoint's /v2/ URL.
func (e Endpoint) probeURL() string { return strings.TrimRight(e.URL, "/") + "/v2/" }

// ProbeResult is the outcome of one probe of one endpoint from one vantage point.
type ProbeResult struct {
	// Endpoint is the probed endpoint's name.
	Endpoint string `json:"endpoint"`
	// Vantage names the vantage point that probed.
	Vantage string `json:"vantage,omitempty"`
	// At is when the probe started.
	At time.Time `json:"at"`
	// Up reports a serving registry: 200, or 401 with a WWW-Authenticate challenge.
	Up bool `json:"up"`
	// StatusCode is the HTTP status; 0 when no response arrived.
	StatusCode int `json:"status_code,omitempty"`
	// Latency is how long the probe took, by the prober's clock.
	Latency time.Duration `json:"latency,omitempty"`
	// Error says why the endpoint is down (never carries credentials).
	Error string `json:"error,omitempty"`
}

// Vantage is a place registries are probed from. Several vantage points vote on health
// (see [HealthPolicy]). [*Prober] is the HTTP implementation; [ProbeFunc] adapts a function.
type Vantage interface {
	// Probe probes e once; it never fails, a failure is a down result.
	Probe(ctx context.Context, e Endpoint) ProbeResult
}

// ProbeFunc adapts a function to [Vantage].
type ProbeFunc func(ctx context.Context, e Endpoint) ProbeResult

// Probe calls f.
func (f ProbeFunc) Probe(ctx context.Context, e Endpoint) ProbeResult { return f(ctx, e) }

var (
	_ Vantage = ProbeFunc(nil)
	_ Vantage = (*Prober)(nil)
)

// Prober probes registries over HTTP from one vantage point: GET <base>/v2/. It is safe
// for concurrent use.
type Prober struct {
	name   string
	client *http.Client
	clock  clock.Clock

	once     sync.Once
	insecure *http.Client
	errInsec error
}

// ProberOption configures a [Prober].
type ProberOption func(*Prober) error

// WithHTTPClient sets the client probes use (its transport, proxy and trust roots). The
// default is a client over a clone of http.DefaultTransport.
func WithHTTPClient(c *http.Client) ProberOption {
	return func(p *Prober) error {
		if c == nil {
			return fmt.Errorf("%w: nil http.Client", ErrInvalid)
		}
		p.client = c
		return nil
	}
}

// WithProberClock sets the clock that stamps results. The default is the wall clock.
func WithProberClock(c clock.Clock) ProberOption {
	return func(p *Prober) error {
		if c == nil {
			return fmt.Errorf("%w: nil clock", ErrInvalid)
		}
		p.clock = c
		return nil
	}
}

// NewProber returns a prober for the vantage point called name.
func NewProber(name string, opts ...ProberOption) (*Prober, error) {
	p := &Prober{name: name, clock: clock.System()}
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: nil prober option", ErrInvalid)
		}
		if err := o(p); err != nil {
			return nil, err
		}
	}
	if p.client == nil {
		p.client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	return p, nil
}

// Name returns the vantage point's name.
func (p *Prober) Name() string { return p.name }

// Probe sends GET <base>/v2/ and judges the answer: 200, or 401 carrying a
// WWW-Authenticate challenge, is up; any other status, a transport or TLS error, or the
// timeout is down.
func (p *Prober) Probe(ctx context.Context, e Endpoint) ProbeResult {
	start := p.clock.Now()
	res := ProbeResult{Endpoint: e.Name, Vantage: p.name, At: start}
	done := func(err error) ProbeResult {
		res.Latency = p.clock.Now().Sub(start)
		if err != nil {
			res.Error = err.Error()
		}
		return res
	}
	if err := e.Validate(); err != nil {
		return done(err)
	}
	client, err := p.clientFor(e)
	if err != nil {
		return done(err)
	}
	timeout := e.Timeout
	if timeout == 0 {
		timeout = DefaultProbeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.probeURL(), nil)
	if err != nil {
		return done(fmt.Errorf("building probe of %s: %w", e.Name, err))
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return done(fmt.Errorf("probing %s: timed out after %v", e.Name, timeout))
		}
		return done(fmt.Errorf("probing %s: %w", e.Name, err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	res.StatusCode = resp.StatusCode
	switch {
	case resp.StatusCode == http.StatusOK:
		res.Up = true
	case resp.StatusCode == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") != "":
		res.Up = true
	case resp.StatusCode == http.StatusUnauthorized:
		return done(fmt.Errorf("probing %s: 401 without an authentication challenge", e.Name))
	default:
		return done(fmt.Errorf("probing %s: status %d", e.Name, resp.StatusCode))
	}
	return done(nil)
}

// clientFor returns the client for e: the configured one, or, for an endpoint that opted
// out of TLS verification, a copy whose transport skips it.
func (p *Prober) clientFor(e Endpoint) (*http.Client, error) {
	if !e.InsecureSkipVerify {
		return p.client, nil
	}
	p.once.Do(func() {
		rt := p.client.Transport
		if rt == nil {
			rt = http.DefaultTransport
		}
		t, ok := rt.(*http.Transport)
		if !ok {
			p.errInsec = fmt.Errorf("%w: endpoint %s skips TLS verification but the prober's transport is not an *http.Transport", ErrInvalid, e.Name)
			return
		}
		t = t.Clone()
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{}
		}
		t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // the caller opted out for this endpoint
		c := *p.client
		c.Transport = t
		p.insecure = &c
	})
	return p.insecure, p.errInsec
}
