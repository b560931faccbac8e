package harbortest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/regdr/regdr/clock"
)

// Registry token service, as Harbor's core runs it (src/core/service/token and
// the security and v2auth middlewares in front of its registry).
const (
	tokenService = "harbor-registry"     // the "service" (JWT audience) of registry tokens
	tokenIssuer  = "harbor-token-issuer" // the JWT issuer

	// DefaultTokenExpiration is how long a registry token lasts unless
	// WithTokenExpiration says otherwise: Harbor's default token_expiration.
	DefaultTokenExpiration = 30 * time.Minute
)

// WithClock makes the server read the time from c (clocktest.Fake in tests): token
// issue and expiry, and the creation and update times the API reports. The default is
// the system clock. A nil clock is refused.
func WithClock(c clock.Clock) Option {
	return func(s *Server) error {
		if c == nil {
			return invalid("WithClock: nil clock")
		}
		s.now = func() time.Time { return c.Now().UTC() }
		return nil
	}
}

// WithTokenExpiration sets how long the registry tokens issued at
// /service/token stay valid. The default is DefaultTokenExpiration (30 minutes,
// Harbor's default); d ≤ 0 is refused.
func WithTokenExpiration(d time.Duration) Option {
	return func(s *Server) error {
		if d <= 0 {
			return invalid("WithTokenExpiration: %v ≤ 0", d)
		}
		s.tokenTTL = d
		return nil
	}
}

// WithExternalURL sets the URL Harbor knows itself by (its external_url), the
// base of the token realm /v2/ challenges name. The default is the scheme and
// Host of each request, which is right for clients that reach the server at
// the address it is served at.
//
// u must be an absolute http or https URL; anything else is refused.
func WithExternalURL(u string) Option {
	return func(s *Server) error {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return invalid("WithExternalURL: %q is not an absolute http(s) URL", u)
		}
		s.externalURL = strings.TrimRight(u, "/")
		return nil
	}
}

// Registry actions in tokens and access checks.
const (
	actPull   = "pull"
	actPush   = "push"
	actDelete = "delete"
)

// resourceActions is one entry of a token's access claim.
type resourceActions struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

type tokenClaims struct {
	Issuer    string            `json:"iss"`
	Subject   string            `json:"sub"`
	Audience  string            `json:"aud"`
	Expiry    int64             `json:"exp"`
	NotBefore int64             `json:"nbf"`
	IssuedAt  int64             `json:"iat"`
	ID        string            `json:"jti"`
	Access    []resourceActions `json:"access"`
}

// principal is who a registry request acts as: Harbor's security context.
type principal struct {
	kind   int    // anonymousPrincipal, basicPrincipal or tokenPrincipal
	name   string // user name; "" for anonymous (also in an anonymous token)
	admin  bool
	access map[string][]string // token: project → actions
}

const (
	anonymousPrincipal = iota
	basicPrincipal
	tokenPrincipal
)

func (p principal) authenticated() bool { return p.name != "" }

// can reports whether p may do action on the repositories of project proj
// (nil: no such project).
func (p principal) can(action string, proj *project) bool {
	if proj == nil {
		return false
	}
	switch p.kind {
	case tokenPrincipal:
		return slices.Contains(p.access[proj.name], action) || slices.Contains(p.access[proj.name], "*")
	case basicPrincipal:
		// An administrator may do anything; other users push and pull, as a
		// project developer does.
		return p.admin || action != actDelete
	}
	return action == actPull && proj.public
}

// sign returns a JWT (HS256 with the server's own key) for claims.
func (s *Server) sign(c tokenClaims) string {
	enc := base64.RawURLEncoding
	hdr, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "HS256"})
	body, _ := json.Marshal(c)
	payload := enc.EncodeToString(hdr) + "." + enc.EncodeToString(body)
	mac := hmac.New(sha256.New, s.tokenKey)
	mac.Write([]byte(payload))
	return payload + "." + enc.EncodeToString(mac.Sum(nil))
}

var errBadToken = errors.New("invalid registry token")

// verify checks a token's signature, audience, issuer and validity period.
func (s *Server) verify(tok string) (tokenClaims, error) {
	var c tokenClaims
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return c, errBadToken
	}
	mac := hmac.New(sha256.New, s.tokenKey)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return c, errBadToken
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(body, &c) != nil {
		return c, errBadToken
	}
	now := s.now().Unix()
	if c.Audience != tokenService || c.Issuer != tokenIssuer || now >= c.Expiry || now < c.NotBefore {
		return c, errBadToken
	}
	return c, nil
}

// principalOf is Harbor's security middleware for registry requests: a valid
// bearer token, else valid basic credentials, else anonymous (wrong
// credentials are anonymous too; the access check then refuses).
func (s *Server) principalOf(r *http.Request) principal {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && strings.HasPrefix(r.URL.Path, "/v2") {
		if c, err := s.verify(strings.TrimSpace(tok)); err == nil {
			p := principal{kind: tokenPrincipal, name: c.Subject, access: map[string][]string{}}
			for _, a := range c.Access {
				if a.Type == "repository" {
					proj, _, _ := strings.Cut(a.Name, "/")
					p.access[proj] = a.Actions
				}
			}
			return p
		}
	}
	if name, admin, ok := s.authenticate(r); ok {
		return principal{kind: basicPrincipal, name: name, admin: admin}
	}
	return principal{}
}

// tokenResponse is what GET /service/token answers.
type tokenResponse struct {
	Token     string `json:"token"`
	ExpiresIn int    `json:"expires_in"`
	IssuedAt  string `json:"issued_at"`
}

// serveToken is Harbor's GET /service/token: basic credentials (or none), the
// service, and scopes; each scope's actions become what the caller may do —
// everything the caller is allowed on that project, whatever was asked, and
// nothing on a project that does not exist or that the caller may not see.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	if svc := q.Get("service"); svc != tokenService {
		http.Error(w, fmt.Sprintf("Unable to handle service: %s", svc), http.StatusBadRequest)
		return
	}
	var p principal
	if name, admin, ok := s.authenticate(r); ok {
		p = principal{kind: basicPrincipal, name: name, admin: admin}
	}
	var scopes []string
	for _, v := range q["scope"] {
		scopes = append(scopes, strings.Split(v, " ")...)
	}
	access := parseScopes(scopes)
	if !p.authenticated() && len(access) == 0 {
		// A docker login with wrong (or no) credentials.
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	for i := range access {
		if err := s.filterAccess(p, &access[i]); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
	}
	now := s.now()
	c := tokenClaims{
		Issuer: tokenIssuer, Subject: p.name, Audience: tokenService,
		Expiry: now.Add(s.tokenTTL).Unix(), NotBefore: now.Unix(), IssuedAt: now.Unix(),
		ID: rand.Text(), Access: access,
	}
	if c.Access == nil {
		c.Access = []resourceActions{}
	}
	writeJSON(w, http.StatusOK, tokenResponse{Token: s.sign(c), ExpiresIn: int(s.tokenTTL / time.Second), IssuedAt: now.Format(time.RFC3339)})
}

// parseScopes reads "type:name:actions" scopes (the name may hold colons).
func parseScopes(scopes []string) []resourceActions {
	var out []resourceActions
	for _, sc := range scopes {
		if sc == "" {
			continue
		}
		items := strings.Split(sc, ":")
		a := resourceActions{Type: items[0], Actions: []string{}}
		switch n := len(items); {
		case n == 2:
			a.Name = items[1]
		case n > 2:
			a.Name = strings.Join(items[1:n-1], ":")
			if items[n-1] != "" {
				a.Actions = strings.Split(items[n-1], ",")
			}
		}
		out = append(out, a)
	}
	return out
}

// filterAccess replaces a's actions with those p is allowed, as Harbor's
// repository and registry filters do.
func (s *Server) filterAccess(p principal, a *resourceActions) error {
	switch a.Type {
	case "repository":
		projName, _, ok := strings.Cut(a.Name, "/")
		if !ok {
			return fmt.Errorf("unable to parse image from string: %s", a.Name)
		}
		s.mu.Lock()
		proj := s.projectByName(projName)
		s.mu.Unlock()
		a.Actions = []string{}
		for _, act := range []string{actPull, actPush, actDelete} {
			if p.can(act, proj) {
				a.Actions = append(a.Actions, act)
			}
		}
		if len(a.Actions) == 3 {
			a.Actions = append(a.Actions, "*")
		}
	case "registry":
		if a.Name != "catalog" {
			return fmt.Errorf("unable to handle registry access %q", a.Name)
		}
		if !p.admin {
			a.Actions = []string{}
		}
	default:
		a.Actions = []string{}
	}
	return nil
}

// registryAction is the action a registry request needs (Harbor's v2auth).
func registryAction(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead:
		return actPull
	case http.MethodPost, http.MethodPatch, http.MethodPut:
		return actPush
	case http.MethodDelete:
		return actDelete
	}
	return ""
}

// challenge is the WWW-Authenticate header of a refused registry request, as
// Harbor's v2auth builds it: a client that sent credentials (or asked for the
// catalog) is told Basic; one that sent none is sent to the token service,
// with the scope it needs.
func (s *Server) challenge(r *http.Request, scopes []string) string {
	if r.Header.Get("Authorization") != "" || r.URL.Path == "/v2/_catalog" {
		return `Basic realm="harbor"`
	}
	base := s.externalURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = (&url.URL{Scheme: scheme, Host: r.Host}).String()
	}
	c := fmt.Sprintf(`Bearer realm="%s/service/token",service="%s"`, base, tokenService)
	if len(scopes) > 0 {
		c += fmt.Sprintf(`,scope="%s"`, strings.Join(scopes, " "))
	}
	return c
}

// scopeOf is the token scope that grants action on repo.
func scopeOf(repo, action string) string {
	switch action {
	case actPush:
		return "repository:" + repo + ":pull,push"
	case "":
		return ""
	}
	return "repository:" + repo + ":" + action
}

// unauthorized refuses a registry request as Harbor does: 401, the challenge
// and an UNAUTHORIZED error.
func unauthorized(w http.ResponseWriter, challenge, msg string) {
	w.Header().Set("Docker-Distribution-Api-Version", "registry/2.0")
	w.Header().Set("Www-Authenticate", challenge)
	registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", msg)
}
