package acr

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/clock"
)

// RefreshMargin is how long before their expiry temporary registry credentials are
// replaced.
const RefreshMargin = 5 * time.Minute

// Token is a temporary registry login from GetAuthorizationToken. Its String, LogValue
// and MarshalJSON never show the password.
type Token struct {
	Username string
	Password string
	Expires  time.Time
}

// String redacts the password.
func (t Token) String() string {
	return fmt.Sprintf("acr.Token{Username:%s Password:<redacted> Expires:%s}", t.Username, t.Expires.UTC().Format(time.RFC3339))
}

// GetAuthorizationToken asks for temporary registry credentials (valid about an hour).
func (c *Client) GetAuthorizationToken(ctx context.Context) (Token, error) {
	var b *cr.GetAuthorizationTokenResponseBody
	err := c.call(ctx, "GetAuthorizationToken", func(api api) (any, error) {
		r, err := api.GetAuthorizationTokenWithOptions(&cr.GetAuthorizationTokenRequest{InstanceId: tea.String(c.instanceID)}, c.runtime)
		if err != nil {
			return nil, err
		}
		b = r.Body
		return b, nil
	})
	if err != nil {
		return Token{}, fmt.Errorf("getting authorization token: %w", err)
	}
	t := Token{Username: str(b.TempUsername), Password: str(b.AuthorizationToken)}
	if b.ExpireTime != nil {
		t.Expires = time.UnixMilli(*b.ExpireTime)
	}
	return t, nil
}

// Authenticator returns a registry authenticator that logs in with temporary
// credentials from GetAuthorizationToken, cached and refreshed RefreshMargin before they
// expire (by the client's clock). It fetches the first credentials now, so a refused
// AccessKey fails here.
func (c *Client) Authenticator(ctx context.Context) (*TokenAuthenticator, error) {
	a := NewTokenAuthenticator(c, c.clock)
	a.name = c.instanceID
	if _, err := a.AuthorizationContext(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// NewTokenAuthenticator returns an authenticator over src that fetches credentials on
// first use and refreshes them RefreshMargin before they expire by c. The default clock
// (nil) is the wall clock.
func NewTokenAuthenticator(src TokenSource, c clock.Clock) *TokenAuthenticator {
	return &TokenAuthenticator{src: src, clock: clock.Or(c)}
}

// TokenAuthenticator is an authn.Authenticator over GetAuthorizationToken. It is safe for
// concurrent use.
type TokenAuthenticator struct {
	src   TokenSource
	clock clock.Clock
	name  string
	mu    sync.Mutex
	tok   Token
}

var (
	_ authn.Authenticator        = (*TokenAuthenticator)(nil)
	_ authn.ContextAuthenticator = (*TokenAuthenticator)(nil)
)

// Authorization implements authn.Authenticator.
func (a *TokenAuthenticator) Authorization() (*authn.AuthConfig, error) {
	return a.AuthorizationContext(context.Background())
}

// AuthorizationContext implements authn.ContextAuthenticator: the cached credentials, or
// new ones when they are missing or about to expire.
func (a *TokenAuthenticator) AuthorizationContext(ctx context.Context) (*authn.AuthConfig, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok.Password == "" || !a.clock.Now().Add(RefreshMargin).Before(a.tok.Expires) {
		t, err := a.src.GetAuthorizationToken(ctx)
		if err != nil {
			return nil, err
		}
		a.tok = t
	}
	return &authn.AuthConfig{Username: a.tok.Username, Password: a.tok.Password}, nil
}

// String never shows the password.
func (a *TokenAuthenticator) String() string { return "acr.TokenAuthenticator(" + a.name + ")" }

// Basic returns the authenticator for the instance's fixed registry password (set in the
// console), the alternative to temporary credentials. Unlike go-containerregistry's
// *authn.Basic, it shows the user name only: under every fmt verb, in JSON and in slog.
func Basic(username, password string) authn.Authenticator {
	return basic{username: username, password: password}
}

// basic is Basic's authenticator. It is a value with unexported fields, so that nothing
// but Authorization reads the password.
type basic struct{ username, password string }

var (
	_ authn.Authenticator = basic{}
	_ fmt.Formatter       = basic{}
	_ fmt.GoStringer      = basic{}
	_ slog.LogValuer      = basic{}
	_ json.Marshaler      = basic{}
)

// Authorization implements authn.Authenticator.
func (b basic) Authorization() (*authn.AuthConfig, error) {
	return &authn.AuthConfig{Username: b.username, Password: b.password}, nil
}

// String never shows the password.
func (b basic) String() string { return "acr.Basic(" + b.username + ")" }

// GoString redacts the password for %#v.
func (b basic) GoString() string { return b.String() }

// Format redacts the password under every verb, as Token's does.
func (b basic) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v', 's', 'q', 'x', 'X':
		_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), b.String())
	default:
		_, _ = fmt.Fprintf(f, "%%!%c(%s)", verb, b.String())
	}
}

// LogValue logs the user name only.
func (b basic) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", b.username))
}

// MarshalJSON writes the user name only.
func (b basic) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Username string `json:"username"`
	}{b.username})
}

// GoString redacts the password for %#v.
func (t Token) GoString() string { return t.String() }

// Format redacts the password under every verb: fmt skips String for verbs that are not
// for strings (%d) and would print the fields.
func (t Token) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v', 's', 'q', 'x', 'X':
		_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), t.String())
	default:
		_, _ = fmt.Fprintf(f, "%%!%c(%s)", verb, t.String())
	}
}

// Format shows the instance only, under every verb: the cached token holds a password.
func (a *TokenAuthenticator) Format(f fmt.State, verb rune) {
	if a == nil {
		_, _ = fmt.Fprint(f, "<nil>")
		return
	}
	_, _ = fmt.Fprint(f, a.String())
}

var (
	_ fmt.Formatter = Token{}
	_ fmt.Formatter = (*TokenAuthenticator)(nil)
)

// LogValue logs the user name and expiry only.
func (t Token) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", t.Username), slog.Time("expires", t.Expires))
}

// MarshalJSON writes the user name and expiry only.
func (t Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Username string    `json:"username"`
		Expires  time.Time `json:"expires"`
	}{t.Username, t.Expires})
}
