package harbor_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/harbor"
)

// TestErrorEchoingCredentials: Harbor, or a proxy in front of it, answering an error whose
// message quotes the request's Authorization header or the password itself: neither the
// returned error nor the client's log record carries the credential.
func TestErrorEchoingCredentials(t *testing.T) {
	t.Parallel()
	const user, pass = "admin", "Hunter2-s3cret"
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	for name, message := range map[string]func(r *http.Request) string{
		"the Authorization header": func(r *http.Request) string { return "unauthorized: " + r.Header.Get("Authorization") },
		"its base64 alone": func(r *http.Request) string {
			return "bad credential " + strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
		},
		"the password": func(*http.Request) string { return "user admin with password " + pass + " is locked" },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": "FORBIDDEN", "message": message(r)}}})
			}))
			t.Cleanup(srv.Close)
			var log bytes.Buffer
			c, err := harbor.New(srv.URL, harbor.WithBasicAuth(user, pass),
				harbor.WithLogger(slog.New(slog.NewJSONHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err = c.ListRegistries(ctx)
			if err == nil {
				t.Fatal("ListRegistries succeeded against a 403")
			}
			for what, s := range map[string]string{"error": err.Error(), "log": log.String()} {
				if strings.Contains(s, pass) || strings.Contains(s, basic) {
					t.Errorf("the %s carries the credential: %s", what, s)
				}
			}
		})
	}
}
