package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// ErrPlainHTTP: a secret or a signed request would cross the network in clear.
var ErrPlainHTTP = errors.New("plain http refused")

// ShutdownSignals end a run as Ctrl-C does: Kubernetes stops a Job's pod with SIGTERM.
var ShutdownSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// NotifyContext is ctx, cancelled by the first of ShutdownSignals.
func NotifyContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, ShutdownSignals...)
}

// IsLoopback reports whether host (no port) is a loopback address or "localhost".
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// APIEndpoint reads an OpenAPI endpoint override: "host[:port]" or "https://host[:port]"
// over HTTPS, "http://host:port" over plain HTTP — loopback only, so a request signed with
// real credentials never crosses a network in clear (else ErrPlainHTTP). It never echoes
// the value.
func APIEndpoint(s string) (endpoint string, plainHTTP bool, err error) {
	if s == "" {
		return "", false, nil
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		return "", false, errors.New("want HOST[:PORT], https://HOST[:PORT] or http://127.0.0.1:PORT")
	}
	switch u.Scheme {
	case "https":
		return u.Host, false, nil
	case "http":
		if !IsLoopback(u.Hostname()) {
			return "", false, fmt.Errorf("%w: signed API calls go over plain http only to a loopback address (an emulator), not %s: use https://", ErrPlainHTTP, u.Hostname())
		}
		return u.Host, true, nil
	}
	return "", false, fmt.Errorf("scheme %q: want https (or http on loopback)", u.Scheme)
}

// CheckPlainHTTP refuses (ErrPlainHTTP) an http:// URL, the value of flagName, to a host
// that is not loopback when credentials would go with it, unless the user opted in
// (-insecure-plain-http).
func CheckPlainHTTP(flagName, raw string, withCredentials, optIn bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || !withCredentials || optIn || IsLoopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("%w: %s is http:// to %s: the password would cross the network in clear; use https:// or pass -insecure-plain-http", ErrPlainHTTP, flagName, u.Hostname())
}

// Main is a program's main: run with the command line's arguments and the standard
// streams, cancelled by the first of ShutdownSignals, then exit with run's status.
func Main(run func(ctx context.Context, args []string, stdout, stderr io.Writer) int) {
	ctx, stop := NotifyContext(context.Background())
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// InsecureTransport is a copy of base that does not verify TLS certificates, for the one
// endpoint whose user opted out (an -insecure flag); base's other settings are kept.
func InsecureTransport(base http.RoundTripper) (*http.Transport, error) {
	t, ok := base.(*http.Transport)
	if !ok {
		return nil, errors.New("the transport is not an *http.Transport")
	}
	t = t.Clone()
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // the user opted out for this endpoint
	return t, nil
}
