package reverse_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/regdr/regdr/replication/reverse"
	"github.com/regdr/regdr/retry"
)

// leaks reports whether s shows a password or an Authorization header's value.
func leaks(s string) bool {
	return containsSecret(s) || strings.Contains(s, "Basic ") || strings.Contains(s, "Bearer ")
}

// syncBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// echo answers with status and a registry error (or a Harbor API error) whose message
// echoes both passwords and the request's Authorization header, as a careless proxy or
// server might.
func echo(status int) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		msg := fmt.Sprintf("denied for %s / %s (auth %s) %s", harborPassword, acrPassword, r.Header.Get("Authorization"), r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": "DENIED", "message": msg}}})
	}
}

// TestSecretsEchoedByServers: a server that echoes credentials in its error bodies —
// Harbor's registry refusing the manifest push, ACR EE's registry refusing a blob read,
// Harbor's API refusing a listing — never gets them into an error, a result, a plan or
// a log line.
func TestSecretsEchoedByServers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		side string // "harbor" or "acr"
		when func(r *http.Request) bool
		// compute: the echo happens while planning (else while applying).
		compute bool
	}{
		{"harbor registry refuses the manifest push", "harbor", func(r *http.Request) bool { return isManifestPut(r, "library/nginx") }, false},
		{"harbor registry refuses the blob upload", "harbor", func(r *http.Request) bool { return isBlobUpload(r, "library/nginx") }, false},
		{"harbor registry fails the manifest push", "harbor", func(r *http.Request) bool { return isManifestPut(r, "library/nginx") }, false},
		{"acr registry refuses a blob read", "acr", func(r *http.Request) bool {
			return r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/")
		}, false},
		{"acr registry refuses a manifest read", "acr", func(r *http.Request) bool {
			return r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/manifests/")
		}, true},
		{"harbor API refuses a listing", "harbor", func(r *http.Request) bool {
			return r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/") && strings.Contains(r.URL.Path, "/repositories")
		}, true},
		{"harbor registry refuses the tag listing", "harbor", func(r *http.Request) bool {
			return r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/tags/list")
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := newOutage(t)
			c := ctx(t)
			var logs syncBuffer
			o.cfg.Sync.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			o.cfg.Sync.Retry = retry.Policy{Attempts: 1}
			status := http.StatusForbidden
			if strings.Contains(tc.name, "fails") {
				status = http.StatusInternalServerError
			}
			p := &o.harborHook
			if tc.side == "acr" {
				p = &o.acrHook
			}
			h := echo(status)
			arm := func() {
				setHook(p, func(w http.ResponseWriter, r *http.Request) bool {
					if tc.when(r) {
						h(w, r)
						return true
					}
					return false
				})
			}
			var seen []any
			if tc.compute {
				arm()
			}
			plan, err := reverse.Compute(c, o.cfg)
			seen = append(seen, plan, err)
			if err == nil {
				arm()
				res, err := plan.Apply(c, o.cfg)
				seen = append(seen, res, err)
				if err == nil {
					t.Errorf("Apply with %s succeeded", tc.name)
				}
			} else if !tc.compute {
				t.Fatalf("Compute: %v", err)
			}
			setHook(p, nil)
			if s := logs.String(); leaks(s) {
				t.Errorf("the log shows a secret:\n%s", s)
			}
			var leaked []string
			for i, v := range seen {
				if v == nil || v == error(nil) {
					continue
				}
				b, _ := json.Marshal(v)
				for _, s := range []string{fmt.Sprint(v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), string(b)} {
					if leaks(s) {
						leaked = append(leaked, fmt.Sprintf("value %d (%T) shows a secret: %s", i, v, s))
						break
					}
				}
			}
			if len(leaked) > 0 {
				t.Errorf("%s", strings.Join(leaked, "\n"))
			}
		})
	}
}

// TestSecretsInConfig: a password put where it does not belong — in a registry URL (user
// info, a query, a fragment, a path) — is refused and kept out of every plan, result and
// error.
func TestSecretsInConfig(t *testing.T) {
	t.Parallel()
	o := newOutage(t)
	c := ctx(t)
	for _, tc := range []struct {
		name string
		edit func(cfg *reverse.Config)
	}{
		{"acr registry with user info", func(cfg *reverse.Config) { cfg.ACR.Registry = "http://u:" + acrPassword + "@" + o.acrHost }},
		{"acr registry with user info, no scheme", func(cfg *reverse.Config) { cfg.ACR.Registry = "u:" + acrPassword + "@" + o.acrHost }},
		{"harbor registry with a token query", func(cfg *reverse.Config) { cfg.Harbor.Registry = o.harborHost() + "/?token=" + harborPassword }},
		{"harbor registry with a fragment", func(cfg *reverse.Config) { cfg.Harbor.Registry = o.harborHost() + "#" + harborPassword }},
		{"harbor registry with a path", func(cfg *reverse.Config) { cfg.Harbor.Registry = o.harborHost() + "/" + harborPassword }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := o.cfg
			tc.edit(&cfg)
			before := o.writes()
			plan, err := reverse.Compute(c, cfg)
			seen := []any{plan, err}
			if err == nil {
				t.Errorf("Compute with %s = %v, nil; want it refused", tc.name, plan)
				res, err := plan.Apply(c, cfg)
				seen = append(seen, res, err)
			}
			if got := o.writes() - before; got != 0 {
				t.Errorf("wrote %d times", got)
			}
			var leaked []string
			for i, v := range seen {
				if v == nil || v == error(nil) {
					continue
				}
				b, _ := json.Marshal(v)
				for _, s := range []string{fmt.Sprint(v), fmt.Sprintf("%+v", v), fmt.Sprintf("%#v", v), string(b)} {
					if containsSecret(s) {
						leaked = append(leaked, fmt.Sprintf("value %d (%T) shows a secret: %s", i, v, s))
						break
					}
				}
			}
			if len(leaked) > 0 {
				t.Errorf("%s", strings.Join(leaked, "\n"))
			}
		})
	}
}
