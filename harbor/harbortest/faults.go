package harbortest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// EndpointFault is a real-world way a registry endpoint goes wrong as seen
// from Harbor, injected with SetEndpointFault or WithEndpointFault. Each
// reproduces what the endpoint does on the wire; the Harbor API then answers
// what Harbor v2.13 answers for it (see each constant).
type EndpointFault int

const (
	// NoFault clears a fault.
	NoFault EndpointFault = iota

	// FaultWrongCredentials: the endpoint's registry refuses the stored
	// credentials with 401 — e.g. an AccessKey ID/secret given where ACR's
	// registry password belongs, or a RAM user never activated in ACR.
	// POST /registries/ping answers 400
	// {"errors":[{"code":"BAD_REQUEST","message":"the registry is unhealthy"}]}:
	// Harbor's native HealthCheck (src/pkg/reg/adapter/native/adapter.go)
	// only logs the 401 and reports unhealthy, and PingRegistry
	// (src/server/v2.0/handler/registry.go) turns that into this 400.
	// Replication tasks fail with the registry's 401.
	FaultWrongCredentials

	// FaultTimeout: a network ACL (e.g. an ACR EE VPC/public-endpoint access
	// list without Harbor's egress address) drops Harbor's packets, so every
	// connection times out. harbortest fails the connection at once with a
	// timeout error (no waiting: the time Harbor would spend is its own
	// dial/HTTP timeout, not the caller's). POST /registries/ping answers, for
	// an "ali-acr" endpoint, 500
	// {"errors":[{"code":"UNKNOWN","message":"internal server error"}]} —
	// the ACR adapter pings the registry while being created
	// (src/pkg/reg/adapter/aliacr/adapter.go newAdapter → util.Ping), the
	// error reaches SendError (src/lib/http/error.go), which hides any 5xx
	// detail — and for other types 400 "the registry is unhealthy".
	// Replication executions fail.
	FaultTimeout

	// FaultWrongProviderType: the endpoint was registered with a provider
	// type that does not match the registry, which then answers 404 for every
	// manifest Harbor checks or pushes (repositories are looked up under a
	// path the registry does not serve) while /v2/ still answers. The ping
	// succeeds; every replication task fails with the manifest 404.
	FaultWrongProviderType
)

func (f EndpointFault) String() string {
	switch f {
	case NoFault:
		return "none"
	case FaultWrongCredentials:
		return "wrong-credentials"
	case FaultTimeout:
		return "timeout"
	case FaultWrongProviderType:
		return "wrong-provider-type"
	}
	return fmt.Sprintf("EndpointFault(%d)", int(f))
}

// WithEndpointFault injects fault for the endpoint at rawURL from the start. A URL
// without a host, or an unknown fault, is refused.
func WithEndpointFault(rawURL string, fault EndpointFault) Option {
	return func(s *Server) error {
		if u, err := url.Parse(rawURL); err != nil || u.Host == "" {
			return invalid("WithEndpointFault: %q has no host", rawURL)
		}
		if fault < NoFault || fault > FaultWrongProviderType {
			return invalid("WithEndpointFault: unknown fault %v", fault)
		}
		s.setFault(rawURL, fault)
		return nil
	}
}

// SetEndpointFault injects fault into every request the server sends to the
// host of rawURL (pings and replication), or clears it with NoFault.
func (s *Server) SetEndpointFault(rawURL string, fault EndpointFault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.setFault(rawURL, fault)
}

func (s *Server) setFault(rawURL string, fault EndpointFault) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return
	}
	if s.faults == nil {
		s.faults = map[string]EndpointFault{}
	}
	if fault == NoFault {
		delete(s.faults, u.Host)
	} else {
		s.faults[u.Host] = fault
	}
}

// errTimeout is what a connection to an endpoint under FaultTimeout fails with.
type errTimeout struct{ host string }

func (e errTimeout) Error() string {
	return "dial tcp " + e.host + ": i/o timeout (harbortest: packets dropped)"
}
func (errTimeout) Timeout() bool   { return true }
func (errTimeout) Temporary() bool { return true }

// errAnswered wraps a ping the endpoint answered with a status other than 200.
var errAnswered = errors.New("answered")

// isConnError reports whether err is a failure to get any HTTP answer from
// the endpoint (refused, timed out, TLS not trusted), as opposed to an answer
// Harbor did not like (401, 404, ...).
func isConnError(err error) bool {
	var te *transport.Error
	return err != nil && !errors.Is(err, errAnswered) && !errors.As(err, &te)
}

// inject answers r as fault makes the endpoint answer, or returns nil, nil
// to let it through.
func inject(fault EndpointFault, r *http.Request) (*http.Response, error) {
	answer := func(status int, header http.Header, body string) *http.Response {
		header.Set("Content-Type", "application/json")
		return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: header,
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: r}
	}
	switch fault {
	case FaultTimeout:
		return nil, errTimeout{host: r.URL.Host}
	case FaultWrongCredentials:
		if r.Header.Get("Authorization") == "" && r.URL.Path != "/v2/" {
			return nil, nil // the token exchange below carries the credentials
		}
		h := http.Header{}
		h.Set("Www-Authenticate", `Basic realm="harbortest"`)
		return answer(http.StatusUnauthorized, h,
			`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":null}]}`), nil
	case FaultWrongProviderType:
		if strings.Contains(r.URL.Path, "/manifests/") {
			return answer(http.StatusNotFound, http.Header{},
				`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":null}]}`), nil
		}
	}
	return nil, nil
}
