package mirror_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/retry"
)

// syncSchemes records the scheme of every request that reaches the endpoint's Transport.
type syncSchemes struct {
	rt      http.RoundTripper
	mu      sync.Mutex
	schemes map[string]int
}

func (s *syncSchemes) RoundTrip(req *http.Request) (*http.Response, error) {
	s.mu.Lock()
	if s.schemes == nil {
		s.schemes = map[string]int{}
	}
	s.schemes[req.URL.Scheme]++
	s.mu.Unlock()
	return s.rt.RoundTrip(req)
}

func (s *syncSchemes) count(scheme string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.schemes[scheme]
}

// A TLS registry on 127.0.0.1 addressed as https://127.0.0.1:PORT is reached over HTTPS
// only, with its certificate verified against the CA handed in through the Transport;
// without that CA the sync fails and never tries HTTP.
func TestHTTPSOnLoopback(t *testing.T) {
	t.Parallel()
	src := testutil.NewGGCRRegistry(t, nil)
	fx := testutil.NewFixture(21, 1<<10)
	img := fx.Image("tls", 1)
	if err := testutil.Push(testCtx(t), src.Host, "a/tls:1", img); err != nil {
		t.Fatal(err)
	}
	var plain int
	var mu sync.Mutex
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			mu.Lock()
			plain++
			mu.Unlock()
		}
		registryHandler.ServeHTTP(w, r)
	}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(tlsSrv.Close)
	dstAddr := "https://" + tlsSrv.Listener.Addr().String()

	for _, tc := range []struct {
		name    string
		rt      http.RoundTripper
		wantErr bool
	}{
		{"custom CA", tlsSrv.Client().Transport, false},
		{"system CAs only", http.DefaultTransport.(*http.Transport).Clone(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &syncSchemes{rt: tc.rt}
			s, err := mirror.New(mirror.Endpoint{Registry: "http://" + src.Host},
				mirror.Endpoint{Registry: dstAddr, Transport: rec, Auth: &authn.Basic{Username: "robot", Password: "pw"}},
				mirror.Options{Clock: &testutil.ImmediateClock{}, Retry: retry.Policy{Attempts: 1}})
			if err != nil {
				t.Fatal(err)
			}
			ctx := testCtx(t)
			p, err := s.Plan(ctx)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "certificate") {
					t.Fatalf("Plan without the CA: %v, want a certificate error", err)
				}
			} else {
				if err != nil {
					t.Fatalf("Plan: %v", err)
				}
				rep, err := s.Apply(ctx, p)
				if err != nil || !rep.OK() {
					t.Fatalf("Apply: %v\n%v", err, rep)
				}
			}
			if n := rec.count("http"); n != 0 {
				t.Errorf("%d plain HTTP requests reached the transport, want 0", n)
			}
			mu.Lock()
			defer mu.Unlock()
			if plain != 0 {
				t.Errorf("the TLS registry saw %d plain HTTP requests, want 0", plain)
			}
		})
	}
}

var registryHandler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))

// noDial fails every request: the private addresses below must never be reached.
type noDial struct{ n int }

func (d *noDial) RoundTrip(req *http.Request) (*http.Response, error) {
	d.n++
	return nil, fmt.Errorf("test: dialing %s is not allowed", req.URL.Host)
}

type staticKeychain struct{ auth authn.Authenticator }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, nil }

// Plain HTTP to a private address with credentials is refused before any request:
// explicit credentials in New, Keychain credentials at the first Plan.
func TestRefusesCleartextCredentials(t *testing.T) {
	t.Parallel()
	const secret = "SECRET-pw"
	basic := &authn.Basic{Username: "admin", Password: secret}
	for _, tc := range []struct {
		name    string
		ep      mirror.Endpoint
		atPlan  bool
		wantErr error
	}{
		{"http:// with Auth", mirror.Endpoint{Registry: "http://10.0.0.5", Auth: basic}, false, mirror.ErrPlainHTTPCredentials},
		{"PlainHTTP with Auth", mirror.Endpoint{Registry: "192.168.1.10:5000", PlainHTTP: true, Auth: basic}, false, mirror.ErrPlainHTTPCredentials},
		{"http:// with Keychain", mirror.Endpoint{Registry: "http://10.0.0.5", Keychain: staticKeychain{basic}}, true, mirror.ErrPlainHTTPCredentials},
		{"allowed", mirror.Endpoint{Registry: "http://10.0.0.5", Auth: basic, AllowPlainHTTPCredentials: true}, true, nil},
		{"anonymous", mirror.Endpoint{Registry: "http://10.0.0.5", Keychain: staticKeychain{authn.Anonymous}}, true, nil},
		{"userinfo", mirror.Endpoint{Registry: "admin:" + secret + "@10.0.0.5"}, false, mirror.ErrEndpoint},
		{"http userinfo", mirror.Endpoint{Registry: "http://admin:" + secret + "@10.0.0.5"}, false, mirror.ErrEndpoint},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nd := &noDial{}
			tc.ep.Transport = nd
			src := mirror.Endpoint{Registry: "127.0.0.1:1", Transport: &noDial{}}
			s, err := mirror.New(src, tc.ep, mirror.Options{Clock: &testutil.ImmediateClock{}, Retry: retry.Policy{Attempts: 1},
				Source: fixedSource{"a/b": {{Name: "1", Digest: "sha256:" + strings.Repeat("a", 64)}}}})
			if !tc.atPlan {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("New(%s) = %v, want %v", tc.ep, err, tc.wantErr)
				}
			} else {
				if err != nil {
					t.Fatalf("New(%s): %v", tc.ep, err)
				}
				_, err = s.Plan(testCtx(t))
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Fatalf("Plan = %v, want %v", err, tc.wantErr)
				}
				if tc.wantErr != nil && nd.n != 0 {
					t.Fatalf("%d requests went to the destination, want 0", nd.n)
				}
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Fatalf("error shows the password: %v", err)
			}
		})
	}
}

// fixedSource lists fixed tags, without I/O.
type fixedSource map[string][]mirror.Tag

func (f fixedSource) Repositories(context.Context) ([]string, error) {
	var out []string
	for r := range f {
		out = append(out, r)
	}
	return out, nil
}

func (f fixedSource) Tags(_ context.Context, repo string) ([]mirror.Tag, error) {
	return f[repo], nil
}

// Every type of the sync engine that holds credentials prints, marshals and logs without
// them, under every verb.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	const secret = "hunter2-SECRET"
	basic := valueAuth{Username: "admin", Password: secret} // a value: fmt would print its fields
	ep := mirror.Endpoint{Registry: "harbor.example.com", Auth: basic, Keychain: staticKeychain{basic}}
	s, err := mirror.New(ep, mirror.Endpoint{Registry: "https://10.0.0.5:443", Auth: basic}, mirror.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"Endpoint", ep},
		{"*Endpoint", &ep},
		{"Endpoint with userinfo", mirror.Endpoint{Registry: "admin:" + secret + "@harbor.example.com"}},
		{"Endpoint with http userinfo", mirror.Endpoint{Registry: "http://admin:" + secret + "@10.0.0.5", PlainHTTP: true}},
		// A password holding "://" once left its first half in front as if it were a scheme.
		{"Endpoint with a password holding ://", mirror.Endpoint{Registry: "admin:" + secret + "://x@harbor.example.com"}},
		{"*Syncer", s},
		{"Options with a registry source", mirror.Options{Source: mirror.NewRegistrySource(ep)}},
		{"*RegistrySource", mirror.NewRegistrySource(ep)},
		{"struct holding them", struct {
			E mirror.Endpoint
			S *mirror.Syncer
		}{ep, s}},
		{"Endpoint with *authn.Basic and userinfo", mirror.Endpoint{Registry: "https://u:" + secret + "@127.0.0.1:1",
			Auth: &authn.Basic{Username: "u", Password: secret}}},
		{"[]Endpoint", []mirror.Endpoint{ep}},
		{"map of Endpoint", map[string]mirror.Endpoint{"a": ep}},
		{"[]*Endpoint", []*mirror.Endpoint{&ep}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var outs []string
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X", "%t", "%10.40v", "%-8s", "% x"} {
				outs = append(outs, verb+": "+fmt.Sprintf(verb, tc.v))
			}
			b, err := json.Marshal(tc.v)
			outs = append(outs, fmt.Sprintf("json: %s %v", b, err))
			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", tc.v)
			slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", tc.v)
			outs = append(outs, "slog: "+buf.String())
			hexed := fmt.Sprintf("%x", secret)
			for _, o := range outs {
				if strings.Contains(o, secret) || strings.Contains(strings.ToLower(strings.ReplaceAll(o, " ", "")), hexed) {
					t.Errorf("shows the secret: %s", o)
				}
			}
		})
	}
}

// valueAuth is an Authenticator held by value, as a caller's own may be.
type valueAuth struct{ Username, Password string }

func (a valueAuth) Authorization() (*authn.AuthConfig, error) {
	return &authn.AuthConfig{Username: a.Username, Password: a.Password}, nil
}
