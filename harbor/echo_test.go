package harbor_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/regdr/regdr/harbor"
)

// bearerTransport adds a bearer token to every request, as a client behind an
// authenticating proxy would.
type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// TestEchoedCredentialsWithheld: Harbor (or a proxy in front of it) quoting the request
// it refuses — the password, the Basic header or its base64 pair, a bearer token — in a
// JSON error or a text/plain body gets none of it into the error, its %#v or JSON, or the
// log; Harbor's error code is kept.
func TestEchoedCredentialsWithheld(t *testing.T) {
	t.Parallel()
	const (
		pass  = "harbor-Pa55-echo"
		token = "eyJhbGciOi.proxy-token.sig"
	)
	pair := base64.StdEncoding.EncodeToString([]byte(admin + ":" + pass))
	for _, tc := range []struct {
		name   string
		bearer bool // a bearer token instead of Basic auth
		status int
		text   bool // a text/plain body
		echo   func(auth string) string
	}{
		{"password", false, http.StatusForbidden, false, func(string) string { return "denied for " + pass }},
		{"password, status outside the spec", false, http.StatusTeapot, false, func(string) string { return "denied for " + pass }},
		{"Basic header", false, http.StatusUnauthorized, false, func(a string) string { return "denied (auth " + a + ")" }},
		{"base64 pair alone", false, http.StatusInternalServerError, false, func(string) string { return "denied " + pair }},
		{"bearer token", true, http.StatusForbidden, false, func(string) string { return "denied " + token }},
		{"bearer header", true, http.StatusNotFound, false, func(a string) string { return "denied " + a }},
		{"text/plain Basic", false, http.StatusForbidden, true, func(a string) string { return "denied " + a + " " + pass }},
		{"text/plain bearer", true, http.StatusBadGateway, true, func(a string) string { return "denied " + a }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var sent string
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				a := r.Header.Get("Authorization")
				mu.Lock()
				sent = a
				mu.Unlock()
				msg := tc.echo(a)
				if tc.text {
					w.Header().Set("Content-Type", "text/plain")
					w.WriteHeader(tc.status)
					fmt.Fprint(w, msg)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": "DENIED", "message": msg}}})
			}))
			t.Cleanup(hs.Close)
			var logs bytes.Buffer
			opts := []harbor.Option{harbor.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))}
			if tc.bearer {
				opts = append(opts, harbor.WithTransport(bearerTransport{token}))
			} else {
				opts = append(opts, harbor.WithBasicAuth(admin, pass))
			}
			c, err := harbor.New(hs.URL, opts...)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetRegistry(ctxT(t), 1)
			var apiErr *harbor.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != tc.status {
				t.Fatalf("GetRegistry = %v, want an *APIError %d", err, tc.status)
			}
			mu.Lock()
			secrets := []string{pass, token, pair, sent}
			mu.Unlock()
			if sent == "" {
				t.Fatal("no Authorization header was sent")
			}
			b, _ := json.Marshal(apiErr)
			for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", apiErr), string(b), logs.String()} {
				for _, s := range secrets {
					if strings.Contains(out, s) {
						t.Errorf("%q shows %q", out, s)
					}
				}
			}
			if !tc.text && (apiErr.Code != "DENIED" || apiErr.Message != "[REDACTED]") {
				t.Errorf("APIError code %q, message %q: want DENIED, the message withheld", apiErr.Code, apiErr.Message)
			}
		})
	}
}

// TestErrorMessageSanitized: Harbor's message is kept without control characters and
// cut to 512 bytes.
func TestErrorMessageSanitized(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, msg, want string }{
		{"plain", "project library not found", "project library not found"},
		{"control characters", "line1\r\nfake log line\x1b[31m", "line1 fake log line [31m"},
		{"long", strings.Repeat("a", 600), strings.Repeat("a", 509) + "…"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": "NOT_FOUND", "message": tc.msg}}})
			}))
			t.Cleanup(hs.Close)
			c, err := harbor.New(hs.URL, harbor.WithBasicAuth(admin, password))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetRegistry(ctxT(t), 1)
			var apiErr *harbor.APIError
			if !errors.As(err, &apiErr) || apiErr.Message != tc.want || apiErr.Code != "NOT_FOUND" {
				t.Errorf("GetRegistry = %#v, want NOT_FOUND with message %q", err, tc.want)
			}
		})
	}
}
