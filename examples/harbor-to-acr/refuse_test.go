package main

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/regdr/regdr/examples/internal/cli"
)

// TestRefusesBeforeAnyRequest: rates that are not rates, crons Harbor would refuse, signed
// API calls or passwords over plain http off loopback are bad flags (exit 2, one reason, no
// password), refused before any request.
func TestRefusesBeforeAnyRequest(t *testing.T) {
	e := newEnv(t)
	good := e.args()
	set := func(flagName, value string, extra ...string) []string {
		args := slices.Clone(good)
		if i := slices.Index(args, flagName); i >= 0 {
			args[i+1] = value
		} else {
			args = append(args, flagName, value)
		}
		return append(args, extra...)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bandwidth NaN", set("-bandwidth", "NaN"), "invalid rate"},
		{"bandwidth Inf", set("-bandwidth", "InfMiB/s"), "invalid rate"},
		{"bandwidth overflow", set("-bandwidth", "1e30GiB/s"), "invalid rate"},
		{"bandwidth below 1 B/s", set("-bandwidth", "0.5B/s"), "invalid rate"},
		{"cron letters", set("-cron", "a b c d e f", "-trigger", "scheduled"), "invalid cron"},
		{"cron out of range", set("-cron", "0 0 25 * * *", "-trigger", "scheduled"), "invalid cron"},
		{"acr-api plain off loopback", set("-acr-api", "http://cr.invalid"), "plain http refused"},
		{"harbor plain off loopback", set("-harbor", "http://harbor.invalid"), "-insecure-plain-http"},
		{"acr-url plain off loopback", set("-acr-url", "http://acr.invalid"), "-acr-url is http://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runT(t, tc.args, hooks{})
			if r.code != 2 || !strings.Contains(r.errOut, tc.want) {
				t.Errorf("run(%s) = %d, want 2 and %q:\n%s", tc.name, r.code, tc.want, r.errOut)
			}
			if strings.Contains(r.errOut, harborPassword) || strings.Contains(r.errOut, acrPassword) {
				t.Errorf("run(%s) shows a password:\n%s", tc.name, r.errOut)
			}
		})
	}
	if n := e.writes(); n != 0 {
		t.Errorf("refused runs wrote %d times", n)
	}
	// The opt-in only lifts the plain-http refusal (checked on the parsed flags: no dial).
	c, err := parse(set("-harbor", "http://harbor.invalid", "-insecure-plain-http"), os.Stderr)
	if err != nil || c.harborURL != "http://harbor.invalid" {
		t.Errorf("parse with -insecure-plain-http = %v", err)
	}
}

// TestPlainHTTPDecision: the refusal decided on parsed addresses (never dialled): loopback
// is fine, private and public addresses are not, unless opted in.
func TestPlainHTTPDecision(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw       string
		optIn     bool
		wantError bool
	}{
		{"http://127.0.0.1:8080", false, false},
		{"http://[::1]:8080", false, false},
		{"http://localhost", false, false},
		{"https://10.0.0.8", false, false},
		{"http://10.0.0.8", false, true},
		{"http://192.168.1.10:80", false, true},
		{"http://172.16.0.1", false, true},
		{"http://10.0.0.8", true, false},
	} {
		err := cli.CheckPlainHTTP("-harbor", tc.raw, true, tc.optIn)
		if (err != nil) != tc.wantError || (err != nil && !errors.Is(err, cli.ErrPlainHTTP)) {
			t.Errorf("cli.CheckPlainHTTP(%q, opt-in %v) = %v, want error %v", tc.raw, tc.optIn, err, tc.wantError)
		}
		if strings.HasPrefix(tc.raw, "http://") {
			_, plain, err := cli.APIEndpoint(tc.raw)
			loopback := strings.Contains(tc.raw, "127.0.0.1") || strings.Contains(tc.raw, "::1") || strings.Contains(tc.raw, "localhost")
			if loopback != (err == nil) || (err == nil && !plain) || (err != nil && !errors.Is(err, cli.ErrPlainHTTP)) {
				t.Errorf("cli.APIEndpoint(%q) = plain %v, %v; want accepted %v", tc.raw, plain, err, loopback)
			}
		}
	}
}

// TestDirectKeepsTheScheme: -direct addresses each registry with its URL's scheme, so an
// https:// registry on loopback is spoken to in HTTPS.
func TestDirectKeepsTheScheme(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		raw       string
		host      string
		plainHTTP bool
	}{
		{"https://127.0.0.1:5443", "127.0.0.1:5443", false},
		{"https://[::1]:5443", "[::1]:5443", false},
		{"http://127.0.0.1:5000", "127.0.0.1:5000", true},
		{"https://acr.invalid", "acr.invalid", false},
	} {
		ep, err := syncEndpoint(tc.raw, false, authn.Anonymous)
		if err != nil || ep.Registry != tc.host || ep.PlainHTTP != tc.plainHTTP {
			t.Errorf("syncEndpoint(%q) = %s plain %v, %v; want %s plain %v", tc.raw, ep.Registry, ep.PlainHTTP, err, tc.host, tc.plainHTTP)
		}
	}
}

// TestSIGTERMCancels: SIGTERM (what Kubernetes sends) cancels the run as Ctrl-C does.
func TestSIGTERMCancels(t *testing.T) {
	ctx, stop := cli.NotifyContext(context.Background())
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not cancel the context")
	}
}
