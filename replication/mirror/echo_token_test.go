package mirror_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/retry"
)

// TestEchoedCredentialsHiddenOnConnect: the ping and the token service are answered
// through go-containerregistry, whose error quotes the body whole (errors[].message, or
// a text body raw): a registry or token service echoing the credentials there gets none
// of them into the error, the plan or the log.
func TestEchoedCredentialsHiddenOnConnect(t *testing.T) {
	t.Parallel()
	const pass = "tok-Pa55word-echo"
	pair := base64.StdEncoding.EncodeToString([]byte("robot:" + pass))
	for _, tc := range []struct {
		name   string
		path   string // the request answered with the echo
		status int
		text   bool
	}{
		{"token service, JSON", "/token", http.StatusUnauthorized, false},
		{"token service, text", "/token", http.StatusForbidden, true},
		{"token service fails, text", "/token", http.StatusInternalServerError, true},
		{"ping, text", "/v2/", http.StatusForbidden, true},
		{"ping, JSON", "/v2/", http.StatusForbidden, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok := &testutil.TokenAuth{User: "robot", Password: pass}
			echo := func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					a := r.Header.Get("Authorization")
					if r.URL.Path != tc.path || (tc.path == "/token" && a == "") {
						h.ServeHTTP(w, r)
						return
					}
					msg := fmt.Sprintf("denied (auth %s) %s %s", a, pass, pair)
					if tc.text {
						w.Header().Set("Content-Type", "text/plain")
						w.WriteHeader(tc.status)
						fmt.Fprint(w, msg)
						return
					}
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(tc.status)
					json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": "DENIED", "message": msg}}})
				})
			}
			src := testutil.NewGGCRRegistry(t, func(h http.Handler) http.Handler { return echo(tok.Wrap(h)) })
			dst := testutil.NewGGCRRegistry(t, nil)
			var logs syncLogBuffer
			s, err := mirror.New(
				mirror.Endpoint{PlainHTTP: true, Registry: src.Host, Auth: &authn.Basic{Username: "robot", Password: pass}},
				mirror.Endpoint{PlainHTTP: true, Registry: dst.Host},
				mirror.Options{Clock: &testutil.ImmediateClock{}, Retry: retry.Policy{Attempts: 2}, Logger: logs.logger()})
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.Plan(testCtx(t))
			if err == nil {
				t.Fatalf("Plan = %v, want the refusal", p)
			}
			for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), logs.String()} {
				for _, sec := range []string{pass, pair} {
					if strings.Contains(out, sec) {
						t.Errorf("shows %q: %s", sec, out)
					}
				}
			}
		})
	}
}

// syncLogBuffer collects a debug-level text log, safe for concurrent writes.
type syncLogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncLogBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncLogBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncLogBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
