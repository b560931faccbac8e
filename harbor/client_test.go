package harbor_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
)

func TestNewValidatesURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "harbor.example.com", "ftp://h", "https://", "https://admin:pw@h", "https://h/?q=1"} {
		c, err := harbor.New(u)
		if !errors.Is(err, harbor.ErrInvalidArgument) {
			t.Errorf("New(%q) = %v, %v; want ErrInvalidArgument", u, c, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("New(%q) error %q reveals the password", u, err)
		}
	}
	for _, u := range []string{"https://h", "https://h/", "https://h/api/v2.0/", "http://h:8080/sub/"} {
		if _, err := harbor.New(u); err != nil {
			t.Errorf("New(%q): %v", u, err)
		}
	}
	if _, err := harbor.New("https://h", harbor.WithHTTPClient(http.DefaultClient), harbor.WithInsecureSkipVerify()); !errors.Is(err, harbor.ErrInvalidArgument) {
		t.Errorf("New(WithHTTPClient+WithInsecureSkipVerify) = %v, want ErrInvalidArgument", err)
	}
}

func TestErrorMapping(t *testing.T) {
	t.Parallel()
	e := newEnv(t, harbortest.WithUser("dev", "dev-password"))
	ctx := ctxT(t)
	wrong, err := harbor.New(e.http.URL, harbor.WithBasicAuth(admin, "not-the-password"))
	if err != nil {
		t.Fatal(err)
	}
	dev, err := harbor.New(e.http.URL, harbor.WithBasicAuth("dev", "dev-password"))
	if err != nil {
		t.Fatal(err)
	}
	anon, err := harbor.New(e.http.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		call   func() error
		want   error
		status int
		code   string
	}{
		{"wrong password", func() error { _, err := wrong.ListRegistries(ctx); return err }, harbor.ErrUnauthorized, 401, "UNAUTHORIZED"},
		{"anonymous", func() error { _, err := anon.ListProjects(ctx); return err }, harbor.ErrUnauthorized, 401, "UNAUTHORIZED"},
		{"not admin", func() error { _, err := dev.ListPolicies(ctx); return err }, harbor.ErrForbidden, 403, "FORBIDDEN"},
		{"not found", func() error { _, err := e.client.GetPolicy(ctx, 4242); return err }, harbor.ErrNotFound, 404, "NOT_FOUND"},
		{"conflict", func() error { _, err := e.client.CreateProject(ctx, "library", true); return err }, harbor.ErrConflict, 409, "CONFLICT"},
		{"bad request", func() error { _, err := e.client.CreateProject(ctx, "UPPER", true); return err }, harbor.ErrBadRequest, 400, "BAD_REQUEST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var apiErr *harbor.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != tc.status || apiErr.Code != tc.code || apiErr.Op == "" {
				t.Errorf("err = %#v, want an APIError with status %d, code %s and an Op", err, tc.status, tc.code)
			}
			for _, other := range []error{harbor.ErrNotFound, harbor.ErrUnauthorized, harbor.ErrForbidden, harbor.ErrConflict, harbor.ErrBadRequest, harbor.ErrServer} {
				if other != tc.want && errors.Is(err, other) {
					t.Errorf("err %v also matches %v", err, other)
				}
			}
			if strings.Contains(err.Error(), "password") {
				t.Errorf("error %q mentions a password", err)
			}
		})
	}
	if _, err := dev.ListProjects(ctx); err != nil {
		t.Errorf("ListProjects as a non-admin user: %v", err)
	}
}

func TestServerError(t *testing.T) {
	t.Parallel()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"errors":[{"code":"UNKNOWN","message":"database is down"}]}`))
	}))
	t.Cleanup(hs.Close)
	c, err := harbor.New(hs.URL, harbor.WithBasicAuth(admin, password))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRegistry(ctxT(t), 1)
	var apiErr *harbor.APIError
	if !errors.Is(err, harbor.ErrServer) || !errors.As(err, &apiErr) || apiErr.Message != "database is down" {
		t.Errorf("GetRegistry = %#v, want ErrServer with Harbor's message", err)
	}
}

func TestTLSVerifiedByDefault(t *testing.T) {
	t.Parallel()
	srv := harbortest.New()
	hs := httptest.NewUnstartedServer(spectest.Handler(t, srv))
	hs.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshake below
	hs.StartTLS()
	t.Cleanup(func() { srv.Close(); hs.Close() })
	ctx := ctxT(t)

	strict, err := harbor.New(hs.URL, harbor.WithBasicAuth(admin, password))
	if err != nil {
		t.Fatal(err)
	}
	var certErr *tls.CertificateVerificationError
	if _, err := strict.ListProjects(ctx); !errors.As(err, &certErr) {
		t.Errorf("ListProjects over an untrusted certificate = %v, want a certificate verification error", err)
	}

	insecure, err := harbor.New(hs.URL, harbor.WithBasicAuth(admin, password), harbor.WithInsecureSkipVerify())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := insecure.ListProjects(ctx); err != nil {
		t.Errorf("ListProjects with WithInsecureSkipVerify: %v", err)
	}

	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	trusting, err := harbor.New(hs.URL, harbor.WithBasicAuth(admin, password),
		harbor.WithTransport(&http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := trusting.ListProjects(ctx); err != nil {
		t.Errorf("ListProjects with the CA in RootCAs: %v", err)
	}
	viaClient, err := harbor.New(hs.URL, harbor.WithBasicAuth(admin, password), harbor.WithHTTPClient(hs.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := viaClient.ListProjects(ctx); err != nil {
		t.Errorf("ListProjects WithHTTPClient(hs.Client()): %v", err)
	}
}

// TestDebugEnvDoesNotDumpCredentials: go-openapi dumps whole requests, the
// Authorization header included, to the standard logger when DEBUG is set.
func TestDebugEnvDoesNotDumpCredentials(t *testing.T) {
	t.Setenv("DEBUG", "1")
	t.Setenv("SWAGGER_DEBUG", "1")
	var buf bytes.Buffer
	log.SetOutput(&buf)
	t.Cleanup(func() { log.SetOutput(os.Stderr) })

	srv := harbortest.New()
	hs := httptest.NewServer(spectest.Handler(t, srv))
	t.Cleanup(func() { srv.Close(); hs.Close() })
	var logs bytes.Buffer
	c, err := harbor.New(hs.URL, harbor.WithBasicAuth(admin, password),
		harbor.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListProjects(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetPolicy(ctxT(t), 77); err == nil {
		t.Fatal("GetPolicy(77) succeeded")
	}
	if s := buf.String(); strings.Contains(s, "Authorization") || strings.Contains(s, password) {
		t.Errorf("the standard logger received %q", s)
	}
	if !strings.Contains(logs.String(), "listing projects") || !strings.Contains(logs.String(), "status=404") {
		t.Errorf("slog output lacks the calls: %s", logs.String())
	}
	if s := logs.String(); strings.Contains(s, password) || strings.Contains(s, "Authorization") || strings.Contains(s, "Basic ") {
		t.Errorf("slog output reveals credentials: %s", s)
	}
}

// A malformed URL can still hold a password or a token ("http:/admin:pw@h" has
// no host, so url.Parse sees no user info): errors must not echo it.
func TestNewNeverEchoesTheURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http:/admin:S3cret-pw@h", "http:admin:S3cret-pw@h", "https://h/?password=S3cret-pw", "https://h/#S3cret-pw"} {
		_, err := harbor.New(u)
		if !errors.Is(err, harbor.ErrInvalidArgument) {
			t.Errorf("New(%q) = %v, want ErrInvalidArgument", u, err)
			continue
		}
		if strings.Contains(err.Error(), "S3cret-pw") {
			t.Errorf("New(%q) error %q reveals the secret", u, err)
		}
	}
}
