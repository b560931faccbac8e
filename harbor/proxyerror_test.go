package harbor_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/harbor"
)

// TestProxyTextPlainErrors: a proxy in front of Harbor answering text/plain (or HTML)
// instead of Harbor's JSON still yields an *APIError for its status, and a 401 points at
// the credentials, not at go-client's decoder.
func TestProxyTextPlainErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        error
		wantText    string // in the message
	}{
		{"text/plain 401", http.StatusUnauthorized, "text/plain; charset=utf-8", "Unauthorized\n", harbor.ErrUnauthorized, "user name or password"},
		{"html 401", http.StatusUnauthorized, "text/html", "<html>401</html>", harbor.ErrUnauthorized, "user name or password"},
		{"text/plain 403", http.StatusForbidden, "text/plain", "denied by proxy", harbor.ErrForbidden, "403"},
		{"html 502", http.StatusBadGateway, "text/html", "<html>bad gateway</html>", harbor.ErrServer, "502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			t.Cleanup(srv.Close)
			c, err := harbor.New(srv.URL, harbor.WithBasicAuth("admin", "wrong-password"))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for name, call := range map[string]func() error{
				"ListRegistries": func() error { _, err := c.ListRegistries(ctx); return err },
				"GetRegistry":    func() error { _, err := c.GetRegistry(ctx, 1); return err },
				"ListPolicies":   func() error { _, err := c.ListPolicies(ctx); return err },
			} {
				err := call()
				var apiErr *harbor.APIError
				if !errors.Is(err, tt.want) || !errors.As(err, &apiErr) || apiErr.Status != tt.status {
					t.Errorf("%s() = %v, want an *APIError %d matching %v", name, err, tt.status, tt.want)
					continue
				}
				msg := err.Error()
				if !strings.Contains(msg, tt.wantText) || strings.Contains(msg, "TextConsumer") || strings.Contains(msg, "wrong-password") {
					t.Errorf("%s() = %q, want it to mention %q and nothing of go-client's decoder", name, msg, tt.wantText)
				}
			}
		})
	}
}
