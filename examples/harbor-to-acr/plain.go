package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/regdr/regdr/examples/internal/cli"
	"github.com/regdr/regdr/replication/managed"
)

// errPlainHTTP: a secret or a signed request would cross the network in clear.
var errPlainHTTP = errors.New("plain http refused")

// shutdownSignals end a run as Ctrl-C does: Kubernetes stops a Job's pod with SIGTERM.
var shutdownSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// notifyContext is ctx, cancelled by the first of shutdownSignals.
func notifyContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, shutdownSignals...)
}

// exitStatus classifies the run's error: nil is exitOK; a refusal by a safety check (no
// -yes, a namespace -existing-namespace forbids fixing, an endpoint of another provider
// type, an invalid setup) is exitRefused; anything else exitFailed.
func exitStatus(err error) int {
	if !errors.Is(err, errRefused) && errors.Is(err, managed.ErrExecution) {
		return exitFailed // a failed execution may name a cause below: it still failed
	}
	return cli.Classify(err, errRefused, managed.ErrSetup, managed.ErrNamespace, managed.ErrEndpointType)
}

// isLoopback reports whether host (no port) is a loopback address or "localhost".
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// apiEndpoint reads an OpenAPI endpoint override: "host[:port]" or "https://host[:port]"
// over HTTPS, "http://host:port" over plain HTTP — loopback only, so a request signed with
// real credentials never crosses a network in clear. It never echoes the value.
func apiEndpoint(s string) (endpoint string, plainHTTP bool, err error) {
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
		if !isLoopback(u.Hostname()) {
			return "", false, fmt.Errorf("%w: signed API calls go over plain http only to a loopback address (an emulator), not %s: use https://", errPlainHTTP, u.Hostname())
		}
		return u.Host, true, nil
	}
	return "", false, fmt.Errorf("scheme %q: want https (or http on loopback)", u.Scheme)
}

// checkPlainHTTP refuses an http:// URL to a host that is not loopback when credentials
// would go with it, unless the user opted in (-insecure-plain-http).
func checkPlainHTTP(flagName, raw string, withCredentials, optIn bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || !withCredentials || optIn || isLoopback(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("%w: %s is http:// to %s: the password would cross the network in clear; use https:// or pass -insecure-plain-http", errPlainHTTP, flagName, u.Hostname())
}
