package harbor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-openapi/runtime"
	rtclient "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/client/artifact"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/client/project"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/client/registry"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/client/replication"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/client/repository"

	"github.com/regdr/regdr/internal/redact"
)

// apiBasePath is where Harbor serves API v2.0 below its URL.
const apiBasePath = "/api/v2.0"

// Client is a typed Harbor API v2.0 client. It implements Registries,
// Policies, Executions and Content. A Client is safe for concurrent use.
type Client struct {
	base    string // scheme://host[/path], no trailing slash; for messages only
	timeout time.Duration
	logger  *slog.Logger
	// secrets returns the credentials withheld from Harbor's messages; a func, so that
	// printing a Client never shows them.
	secrets func() []string

	registries   *registry.Client
	replications *replication.Client
	projects     *project.Client
	repositories *repository.Client
	artifacts    *artifact.Client
}

var (
	_ Registries = (*Client)(nil)
	_ Policies   = (*Client)(nil)
	_ Executions = (*Client)(nil)
	_ Content    = (*Client)(nil)
)

// Option configures a Client. Options validate their arguments: New returns the
// first error.
type Option func(*options) error

type options struct {
	user, pass string
	auth       bool
	httpClient *http.Client
	transport  http.RoundTripper
	insecure   bool
	timeout    time.Duration
	logger     *slog.Logger
}

// WithBasicAuth authenticates every request with user and password (HTTP basic
// auth, as Harbor's API expects). The default is anonymous access.
func WithBasicAuth(user, password string) Option {
	return func(o *options) error {
		if user == "" {
			return fmt.Errorf("%w: empty user name", ErrInvalidArgument)
		}
		o.user, o.pass, o.auth = user, password, true
		return nil
	}
}

// WithHTTPClient sends every request through c (its Transport, Timeout, Jar...).
// It cannot be combined with WithTransport or WithInsecureSkipVerify: configure
// TLS on c's transport instead. c is not modified: the client uses a copy whose
// CheckRedirect refuses a redirect to another scheme or host (ErrRedirect) before
// applying c.CheckRedirect, as every Client does.
func WithHTTPClient(c *http.Client) Option {
	return func(o *options) error {
		if c == nil {
			return fmt.Errorf("%w: nil http.Client", ErrInvalidArgument)
		}
		o.httpClient = c
		return nil
	}
}

// WithTransport sends every request through rt, for example a transport whose
// TLS configuration trusts a private CA. The default is a clone of
// http.DefaultTransport that verifies TLS certificates.
func WithTransport(rt http.RoundTripper) Option {
	return func(o *options) error {
		if rt == nil {
			return fmt.Errorf("%w: nil transport", ErrInvalidArgument)
		}
		o.transport = rt
		return nil
	}
}

// WithInsecureSkipVerify turns TLS certificate verification off. It is an
// explicit opt-out: by default certificates are verified (unlike go-client's own
// constructors, which skip verification). It applies to the default transport,
// or to a WithTransport that is an *http.Transport (which is cloned).
func WithInsecureSkipVerify() Option {
	return func(o *options) error {
		o.insecure = true
		return nil
	}
}

// WithTimeout bounds every API call (each page of a list, each poll of Wait) by
// d, on top of the caller's context. The default is 30 seconds; 0 means no bound
// other than the context.
func WithTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 {
			return fmt.Errorf("%w: negative timeout %v", ErrInvalidArgument, d)
		}
		o.timeout = d
		return nil
	}
}

// WithLogger logs every API call (operation, status, duration; never
// credentials) at debug level, and failures at warn level, to l. The default
// discards logs.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("%w: nil logger", ErrInvalidArgument)
		}
		o.logger = l
		return nil
	}
}

// New returns a client for the Harbor at rawURL, e.g. "https://harbor.example.com"
// (a trailing slash, or a trailing "/api/v2.0", is tolerated). The URL must not
// carry credentials: use WithBasicAuth.
func New(rawURL string, opts ...Option) (*Client, error) {
	o := options{timeout: 30 * time.Second}
	for _, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%w: nil option", ErrInvalidArgument)
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		// url.Parse errors echo the URL, which may hold a password.
		return nil, fmt.Errorf("%w: unparsable Harbor URL", ErrInvalidArgument)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: Harbor URL must not contain credentials; use WithBasicAuth", ErrInvalidArgument)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: Harbor URL scheme must be http or https, got %q", ErrInvalidArgument, u.Scheme)
	}
	// The URL is not echoed below: a malformed one can still hold a password
	// ("http:/admin:pw@host" has no host, so no user info either) or a token
	// in its query.
	if u.Host == "" {
		return nil, fmt.Errorf("%w: Harbor URL has no host (want scheme://host)", ErrInvalidArgument)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: Harbor URL %s://%s must not have a query or fragment", ErrInvalidArgument, u.Scheme, u.Host)
	}
	path := strings.TrimRight(u.Path, "/")
	path = strings.TrimSuffix(path, apiBasePath)

	hc, err := o.client()
	if err != nil {
		return nil, err
	}
	rt := rtclient.NewWithClient(u.Host, path+apiBasePath, []string{u.Scheme}, hc)
	// go-openapi turns Debug on from the DEBUG / SWAGGER_DEBUG environment
	// variables and then dumps every request, Authorization header included.
	rt.Debug = false

	var auth runtime.ClientAuthInfoWriter
	if o.auth {
		auth = rtclient.BasicAuth(o.user, o.pass)
	}
	logger := o.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	creds := redact.Basic(o.user, o.pass)
	return &Client{
		base:         u.Scheme + "://" + u.Host + path,
		timeout:      o.timeout,
		logger:       logger,
		secrets:      func() []string { return creds },
		registries:   registry.New(rt, strfmt.Default, auth),
		replications: replication.New(rt, strfmt.Default, auth),
		projects:     project.New(rt, strfmt.Default, auth),
		repositories: repository.New(rt, strfmt.Default, auth),
		artifacts:    artifact.New(rt, strfmt.Default, auth),
	}, nil
}

func (o *options) client() (*http.Client, error) {
	if o.httpClient != nil {
		if o.transport != nil || o.insecure {
			return nil, fmt.Errorf("%w: WithHTTPClient cannot be combined with WithTransport or WithInsecureSkipVerify", ErrInvalidArgument)
		}
		hc := *o.httpClient
		hc.Transport = errorBodies{next: hc.Transport}
		hc.CheckRedirect = sameOrigin(hc.CheckRedirect)
		return &hc, nil
	}
	rt := o.transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		rt = t
	}
	if o.insecure {
		t, ok := rt.(*http.Transport)
		if !ok {
			return nil, fmt.Errorf("%w: WithInsecureSkipVerify needs an *http.Transport, got %T", ErrInvalidArgument, rt)
		}
		t = t.Clone()
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // explicit caller opt-out
		rt = t
	}
	return &http.Client{Transport: errorBodies{next: rt}, CheckRedirect: sameOrigin(nil)}, nil
}

// URL returns the Harbor base URL the client talks to, without a trailing slash.
func (c *Client) URL() string { return c.base }

// call runs one API operation with the client's timeout, logs it, and maps a
// failure to an *APIError (or a transport error wrapped with op).
func (c *Client) call(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	if ctx == nil {
		return fmt.Errorf("%s: %w: nil context", op, ErrInvalidArgument)
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	body := new(errorBody)
	ctx = context.WithValue(ctx, errorBodyKey{}, body)
	start := time.Now()
	err := fn(ctx)
	if err == nil {
		c.logger.LogAttrs(ctx, slog.LevelDebug, "harbor api call", slog.String("op", op), slog.Duration("took", time.Since(start)))
		return nil
	}
	status, b, auth := body.get()
	secrets := redact.Authorization(auth)
	if c.secrets != nil {
		secrets = append(secrets, c.secrets()...)
	}
	mapped := mapError(op, err, status, b, secrets)
	var apiErr *APIError
	attrs := []slog.Attr{slog.String("op", op), slog.Duration("took", time.Since(start)), slog.String("error", mapped.Error())}
	if errors.As(mapped, &apiErr) {
		attrs = append(attrs, slog.Int("status", apiErr.Status))
	}
	c.logger.LogAttrs(ctx, slog.LevelWarn, "harbor api call failed", attrs...)
	return mapped
}
