package mirror

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/regdr/regdr/internal/redact"
)

// Errors about how a Syncer reaches a registry; match them with errors.Is.
var (
	// ErrPlainHTTPCredentials: plain HTTP was asked for a registry that is not on
	// loopback while credentials are configured for it, and its Endpoint does not set
	// AllowPlainHTTPCredentials. Nothing was sent.
	ErrPlainHTTPCredentials = errors.New("refusing to send credentials over plain HTTP")
	// ErrScheme: a request to a registry would have used the other scheme than the
	// one its Endpoint names (HTTPS unless http:// or PlainHTTP). The Syncer never falls
	// back from HTTPS to HTTP.
	ErrScheme = errors.New("refusing to switch scheme")
	// ErrEndpoint: a Endpoint's Registry is not HOST[:PORT], http://HOST[:PORT] or
	// https://HOST[:PORT] (credentials in it are refused, and never echoed).
	ErrEndpoint = errors.New("invalid registry address")
)

// String returns the registry address, never credentials: userinfo written into Registry
// is shown as [REDACTED], and what follows the host (a path, query or fragment, which
// may carry a token) is left out.
func (e Endpoint) String() string { return shownAddress(e.Registry) }

// shownAddress is how an error or a log shows a registry address: its user information
// redacted, then cut at the first "/", "?" or "#" after the host. Redacting first matters:
// a password may hold "/" itself, and only the last "@" ends it.
func shownAddress(registry string) string {
	s := redact.URL(registry)
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + 3
	}
	if i := strings.IndexAny(s[start:], "/?#"); i >= 0 {
		s = s[:start+i]
	}
	return s
}

// GoString is for %#v: the address and which options are set, never credentials.
func (e Endpoint) GoString() string {
	return fmt.Sprintf("mirror.Endpoint{Registry: %q, PlainHTTP: %t, AllowPlainHTTPCredentials: %t, Auth: %s, Keychain: %s}",
		e.String(), e.PlainHTTP, e.AllowPlainHTTPCredentials, syncSet(e.Auth != nil), syncSet(e.Keychain != nil))
}

// Format prints the Endpoint as String does under every verb (%q quoted), and as GoString
// does under %#v: fmt would otherwise print its fields one by one under %d, %x or %t —
// the address with its userinfo, the Auth's password.
func (e Endpoint) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, e.GoString())
	case verb == 'q':
		fmt.Fprintf(f, "%q", e.String())
	default:
		io.WriteString(f, e.String())
	}
}

// MarshalJSON writes the redacted address and the scheme options; never credentials.
func (e Endpoint) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Registry                  string `json:"registry"`
		PlainHTTP                 bool   `json:"plain_http,omitempty"`
		AllowPlainHTTPCredentials bool   `json:"allow_plain_http_credentials,omitempty"`
	}{e.String(), e.PlainHTTP, e.AllowPlainHTTPCredentials})
}

// LogValue is what slog records: the redacted address and the scheme.
func (e Endpoint) LogValue() slog.Value {
	scheme, _, err := schemeOf(e.Registry, e.PlainHTTP)
	if err != nil {
		scheme = "invalid"
	}
	return slog.GroupValue(slog.String("registry", e.String()), slog.String("scheme", scheme))
}

func syncSet(b bool) string {
	if b {
		return "set"
	}
	return "nil"
}

// schemeOf decides how a registry is reached: "https" unless the address starts with
// http:// or plainHTTP is set, whatever the host (loopback and private addresses included:
// go-containerregistry's guess that they speak HTTP is not used). It returns the host
// (with its port, if any) and refuses credentials in the address and a contradiction
// (https:// with plainHTTP). It does no I/O.
func schemeOf(registry string, plainHTTP bool) (scheme, host string, err error) {
	bad := func(why string) error {
		return fmt.Errorf("%w %q: %s", ErrEndpoint, shownAddress(registry), why)
	}
	host, scheme = registry, ""
	if s, rest, ok := strings.Cut(registry, "://"); ok {
		scheme, host = strings.ToLower(s), strings.TrimSuffix(rest, "/")
		if scheme != "http" && scheme != "https" {
			return "", "", bad("the scheme must be http:// or https://")
		}
	}
	if strings.Contains(host, "@") {
		return "", "", bad("credentials do not belong in the address (use the Docker config or Endpoint.Auth)")
	}
	if host == "" || strings.ContainsAny(host, "/?# \t") {
		return "", "", bad("want HOST[:PORT], with an optional http:// or https://")
	}
	if u, perr := url.Parse("https://" + host); perr != nil || u.Host != host {
		return "", "", bad("want HOST[:PORT], with an optional http:// or https://")
	}
	switch {
	case scheme == "https" && plainHTTP:
		return "", "", bad("https:// and PlainHTTP contradict each other")
	case scheme == "":
		scheme = "https"
		if plainHTTP {
			scheme = "http"
		}
	}
	return scheme, host, nil
}

// syncLoopback reports whether host (HOST[:PORT]) is localhost or a loopback address, where
// plain HTTP cannot be read by anyone else on the network.
func syncLoopback(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.IsLoopback()
}

// checkCleartext refuses plain HTTP to a registry off loopback when credentials are
// configured, unless allowed.
func checkCleartext(scheme, host string, hasCredentials, allow bool) error {
	if scheme != "http" || !hasCredentials || allow || syncLoopback(host) {
		return nil
	}
	return fmt.Errorf("%w to %s (use https://, or set AllowPlainHTTPCredentials to accept the risk)", ErrPlainHTTPCredentials, host)
}

// syncHasCredentials reports whether auth would send anything.
func syncHasCredentials(auth authn.Authenticator) (bool, error) {
	if auth == nil || auth == authn.Anonymous {
		return false, nil
	}
	cfg, err := auth.Authorization()
	if err != nil {
		return false, err
	}
	return cfg != nil && *cfg != (authn.AuthConfig{}), nil
}

// scheme returns "https" or "http"; the address was checked by New.
func (e Endpoint) scheme() string {
	s, _, err := schemeOf(e.Registry, e.PlainHTTP)
	if err != nil {
		return "https"
	}
	return s
}

func (e Endpoint) registry() (name.Registry, error) {
	scheme, host, err := schemeOf(e.Registry, e.PlainHTTP)
	if err != nil {
		return name.Registry{}, err
	}
	var opts []name.Option
	if scheme == "http" {
		opts = append(opts, name.Insecure)
	}
	reg, err := name.NewRegistry(host, opts...)
	if err != nil {
		// go-containerregistry's message repeats the address: keep only ours.
		return name.Registry{}, fmt.Errorf("%w %q: not a registry host", ErrEndpoint, shownAddress(e.Registry))
	}
	return reg, nil
}

func (e Endpoint) authenticator() (authn.Authenticator, error) {
	if e.Auth != nil {
		return e.Auth, nil
	}
	if e.Keychain == nil {
		return authn.Anonymous, nil
	}
	reg, err := e.registry()
	if err != nil {
		return nil, err
	}
	a, err := e.Keychain.Resolve(reg)
	if err != nil {
		return nil, fmt.Errorf("resolving credentials for %s: %w", e, err)
	}
	return a, nil
}

// schemeGuard refuses every request to the registry's host made with the other scheme:
// go-containerregistry's ping tries HTTPS then HTTP for loopback and private addresses,
// and a redirect or a Link header could name http:// too.
type schemeGuard struct {
	rt           http.RoundTripper
	host, scheme string
}

func (g schemeGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != g.scheme && strings.EqualFold(req.URL.Hostname(), hostname(g.host)) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("%w: %s to %s, which is reached over %s (write http:// or set PlainHTTP for HTTP)", ErrScheme, req.URL.Scheme, g.host, g.scheme)
	}
	return g.rt.RoundTrip(req)
}

func hostname(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
}
