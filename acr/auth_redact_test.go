package acr_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/clock/clocktest"
)

type staticTokens struct{ t acr.Token }

func (s staticTokens) GetAuthorizationToken(context.Context) (acr.Token, error) { return s.t, nil }

// TestSecretTypesNeverPrint: a Token, an authenticator holding one, the fixed-password
// authenticator Basic returns and Credentials hide the secret under every fmt verb, as a
// value, behind a pointer in a struct, in JSON and in slog.
func TestSecretTypesNeverPrint(t *testing.T) {
	t.Parallel()
	const secret = "t0ken-Pa55word"
	tok := acr.Token{Username: "cr_temp_user", Password: secret, Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	a := acr.NewTokenAuthenticator(staticTokens{tok}, clocktest.NewFake(time.Date(2029, 1, 1, 0, 0, 0, 0, time.UTC)))
	if _, err := a.Authorization(); err != nil { // caches the token
		t.Fatal(err)
	}
	basic := acr.Basic("robot", secret)
	creds := alicloud.Credentials{AccessKeyID: "LTAI", AccessKeySecret: secret, SecurityToken: secret}
	leaks := func(s string) bool {
		return strings.Contains(s, secret) || strings.Contains(strings.ToLower(s), hex.EncodeToString([]byte(secret)))
	}
	for _, tt := range []struct {
		name   string
		v, ptr any
	}{
		{"Token", tok, &tok},
		{"TokenAuthenticator", a, &a},
		{"Basic", basic, &basic},
		{"Credentials", creds, &creds},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			type holder struct {
				N    int
				V, P any
			}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%c"} {
				for _, arg := range []any{tt.v, tt.ptr, holder{1, tt.v, tt.ptr}} {
					if got := fmt.Sprintf(verb, arg); leaks(got) {
						t.Errorf("Sprintf(%q) = %s: shows the secret", verb, got)
					}
				}
			}
			b, _ := json.Marshal(tt.v)
			var buf bytes.Buffer
			slog.New(slog.NewJSONHandler(&buf, nil)).Info("m", "v", tt.v)
			slog.New(slog.NewTextHandler(&buf, nil)).Info("m", "v", tt.v, "p", tt.ptr)
			if leaks(string(b)) || leaks(buf.String()) {
				t.Errorf("JSON %s or slog %s shows the secret", b, buf.String())
			}
		})
	}
}

// TestBasicAuthorization: the redacting authenticator Basic returns still hands the
// registry client its password.
func TestBasicAuthorization(t *testing.T) {
	t.Parallel()
	got, err := acr.Basic("robot", "fixed-password").Authorization()
	if want := (&authn.AuthConfig{Username: "robot", Password: "fixed-password"}); err != nil || !cmp.Equal(got, want) {
		t.Errorf("Basic(robot, …).Authorization() = %+v, %v; want %+v", got, err, want)
	}
}
