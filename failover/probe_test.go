package failover

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// registry serves /v2/ with the given status, adding a challenge when asked.
func registry(status int, challenge bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/" {
			http.NotFound(w, r)
			return
		}
		if challenge {
			w.Header().Set("WWW-Authenticate", `Bearer realm="https://auth.example/token",service="registry"`)
		}
		w.WriteHeader(status)
	})
}

func TestProberProbe(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	blocked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(blocked.Close)
	t.Cleanup(func() { close(release) })
	plain := func(h http.Handler) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL
	}
	tlsSrv := httptest.NewTLSServer(registry(http.StatusOK, false))
	t.Cleanup(tlsSrv.Close)

	defaultProber, err := NewProber("default")
	if err != nil {
		t.Fatal(err)
	}
	trusting, err := NewProber("trusting", WithHTTPClient(tlsSrv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		prober  *Prober
		ep      Endpoint
		up      bool
		status  int
		errPart string
	}{
		{"200", defaultProber, Endpoint{Name: "r", URL: plain(registry(200, false))}, true, 200, ""},
		{"401 challenge", defaultProber, Endpoint{Name: "r", URL: plain(registry(401, true)) + "/"}, true, 401, ""},
		{"401 without challenge", defaultProber, Endpoint{Name: "r", URL: plain(registry(401, false))}, false, 401, "challenge"},
		{"500", defaultProber, Endpoint{Name: "r", URL: plain(registry(500, true))}, false, 500, "status 500"},
		{"404", defaultProber, Endpoint{Name: "r", URL: plain(http.NotFoundHandler())}, false, 404, "status 404"},
		{"TLS unknown CA", defaultProber, Endpoint{Name: "r", URL: tlsSrv.URL}, false, 0, "certificate"},
		{"TLS opted out", defaultProber, Endpoint{Name: "r", URL: tlsSrv.URL, InsecureSkipVerify: true}, true, 200, ""},
		{"TLS trusted CA", trusting, Endpoint{Name: "r", URL: tlsSrv.URL}, true, 200, ""},
		{"timeout", defaultProber, Endpoint{Name: "r", URL: blocked.URL, Timeout: 50 * time.Millisecond}, false, 0, "timed out"},
		{"invalid", defaultProber, Endpoint{Name: "r", URL: "ftp://x"}, false, 0, "scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got := tt.prober.Probe(ctx, tt.ep)
			if got.Up != tt.up || got.StatusCode != tt.status {
				t.Errorf("Probe(%s) = up %v status %d (%s), want up %v status %d", tt.ep.URL, got.Up, got.StatusCode, got.Error, tt.up, tt.status)
			}
			if !strings.Contains(got.Error, tt.errPart) || (tt.errPart == "") != (got.Error == "") {
				t.Errorf("Probe(%s).Error = %q, want it to contain %q", tt.ep.URL, got.Error, tt.errPart)
			}
			if got.Vantage != tt.prober.Name() || got.Endpoint != "r" {
				t.Errorf("Probe(%s) vantage/endpoint = %q/%q", tt.ep.URL, got.Vantage, got.Endpoint)
			}
		})
	}
}

func TestEndpointValidateHidesCredentials(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-pa55"
	for _, raw := range []string{"https://admin:" + secret + "@harbor.example", "https://harbor.example/?token=" + secret} {
		err := Endpoint{Name: "harbor", URL: raw}.Validate()
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("Validate(%q) = %v, want ErrInvalid", "<redacted>", err)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("Validate error leaks the secret: %v", err)
		}
		p, _ := NewProber("v")
		r := p.Probe(context.Background(), Endpoint{Name: "harbor", URL: raw})
		if r.Up || strings.Contains(r.Error, secret) {
			t.Errorf("Probe of a URL with credentials = up %v, error %q", r.Up, r.Error)
		}
	}
}
