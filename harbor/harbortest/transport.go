package harbortest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// errEndpointDown is what a request to an endpoint made unreachable by
// SetEndpointDown fails with.
var errEndpointDown = errors.New("connection refused (harbortest: endpoint down)")

// inProcess serves requests by calling a handler directly: the server reads its
// own registry without knowing the address it is served at.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	res := rec.Result()
	res.Request = r
	return res, nil
}

// faults fails requests to hosts marked down.
type faults struct {
	s    *Server
	next http.RoundTripper
}

func (t faults) RoundTrip(r *http.Request) (*http.Response, error) {
	t.s.mu.Lock()
	down := t.s.down[r.URL.Host]
	fault := t.s.faults[r.URL.Host]
	t.s.mu.Unlock()
	if down {
		return nil, fmt.Errorf("dial %s: %w", r.URL.Host, errEndpointDown)
	}
	if res, err := inject(fault, r); res != nil || err != nil {
		if r.Body != nil {
			_ = r.Body.Close()
		}
		return res, err
	}
	return t.next.RoundTrip(r)
}

// outbound returns the transport towards an endpoint: the base transport (TLS
// verification off for an insecure endpoint), with fault injection.
func (s *Server) outbound(insecure bool) http.RoundTripper {
	rt := s.baseRT
	if t, ok := rt.(*http.Transport); ok && insecure {
		t = t.Clone()
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // the endpoint is marked insecure
		rt = t
	}
	return faults{s: s, next: rt}
}

// endpointRegistry parses an endpoint URL into a registry name for go-containerregistry.
func endpointRegistry(rawURL string) (name.Registry, *url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return name.Registry{}, nil, fmt.Errorf("invalid endpoint URL %q", rawURL)
	}
	var opts []name.Option
	if u.Scheme == "http" {
		opts = append(opts, name.Insecure)
	}
	reg, err := name.NewRegistry(u.Host, opts...)
	return reg, u, err
}

func authenticator(key, secret string) authn.Authenticator {
	if key == "" && secret == "" {
		return authn.Anonymous
	}
	return &authn.Basic{Username: key, Password: secret}
}

// ping does what Harbor's "test connection" does: GET <url>/v2/, and when the
// registry challenges, log in (basic or token) with the credential and try again.
func (s *Server) ping(ctx context.Context, rawURL string, insecure bool, key, secret string) error {
	reg, u, err := endpointRegistry(rawURL)
	if err != nil {
		return err
	}
	rt, err := transport.NewWithContext(ctx, reg, authenticator(key, secret), s.outbound(insecure), nil)
	if err != nil {
		return fmt.Errorf("contacting %s: %w", u.Host, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.Scheme+"://"+u.Host+"/v2/", nil)
	if err != nil {
		return err
	}
	res, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return fmt.Errorf("contacting %s: %w", u.Host, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %w %s", u.Host, errAnswered, res.Status)
	}
	return nil
}
