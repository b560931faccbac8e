package testutil

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// TokenAuth puts a registry behind Docker token authentication, as Harbor and ACR do: the
// registry answers 401 with a Bearer challenge naming the scope a request needs, and /token
// on the same host trades a username and password for a token holding exactly the scopes
// asked for. It records every token request's scopes.
type TokenAuth struct {
	User, Password string

	mu     sync.Mutex
	issued [][]string
}

// Wrap returns h behind token authentication.
func (a *TokenAuth) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			a.token(w, r)
			return
		}
		need := needScopes(r)
		have := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		granted, _ := url.QueryUnescape(strings.TrimPrefix(have, "tok:"))
		if !strings.HasPrefix(have, "tok:") || !covers(strings.Fields(granted), need) {
			ch := fmt.Sprintf(`Bearer realm="http://%s/token",service="testutil"`, r.Host)
			if len(need) > 0 {
				ch += fmt.Sprintf(`,scope="%s"`, strings.Join(need, " "))
			}
			w.Header().Set("WWW-Authenticate", ch)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (a *TokenAuth) token(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != a.User || p != a.Password {
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED"}]}`, http.StatusUnauthorized)
		return
	}
	var scopes []string
	for _, s := range r.URL.Query()["scope"] {
		scopes = append(scopes, strings.Fields(s)...)
	}
	a.mu.Lock()
	a.issued = append(a.issued, scopes)
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"token": "tok:" + url.QueryEscape(strings.Join(scopes, " ")), "expires_in": 300})
}

// Issued returns the scopes of every token issued, in order.
func (a *TokenAuth) Issued() [][]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.issued)
}

// needScopes returns the scopes a request needs ("" for the ping: any token will do).
func needScopes(r *http.Request) []string {
	q := Parse(r)
	switch q.Kind {
	case "ping":
		return nil
	case "catalog":
		return []string{"registry:catalog:*"}
	}
	action := "pull"
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		action = "push"
	}
	need := []string{"repository:" + q.Repo + ":" + action}
	if q.Mount != "" {
		need = append(need, "repository:"+q.Mount+":pull")
	}
	return need
}

// covers reports whether granted scopes ("repository:a:push,pull") allow every needed one
// ("repository:a:push").
func covers(granted, need []string) bool {
	for _, n := range need {
		i := strings.LastIndexByte(n, ':')
		res, action := n[:i], n[i+1:]
		ok := false
		for _, g := range granted {
			j := strings.LastIndexByte(g, ':')
			if g[:j] == res && (g[j+1:] == "*" || slices.Contains(strings.Split(g[j+1:], ","), action)) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
