package harbor

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// secretVerbs are the fmt verbs a secret-holding value is printed with in the tests.
var secretVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s"}

// assertNoSecret fails if v shows secret under any fmt verb, as a pointer, inside a struct
// or behind a pointer in one (where fmt skips methods on a bad verb), through JSON, or
// through slog's text and JSON handlers.
func assertNoSecret(t *testing.T, v any, secret string) {
	t.Helper()
	leaks := func(s string) bool {
		return strings.Contains(s, secret) || strings.Contains(strings.ToLower(s), hex.EncodeToString([]byte(secret)))
	}
	type holder struct {
		N int
		V any
	}
	for _, verb := range secretVerbs {
		for name, arg := range map[string]any{"value": v, "in a struct": holder{1, v}, "in a slice": []any{v}} {
			if got := fmt.Sprintf(verb, arg); leaks(got) {
				t.Errorf("Sprintf(%q, %s) = %s: shows the secret", verb, name, got)
			}
		}
	}
	if b, err := json.Marshal(v); err != nil || leaks(string(b)) {
		t.Errorf("json.Marshal = %s, %v: shows the secret", b, err)
	}
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var b bytes.Buffer
		slog.New(h(&b)).Info("m", "v", v, "any", slog.AnyValue(v))
		if leaks(b.String()) {
			t.Errorf("slog %s handler wrote %s: shows the secret", name, b.String())
		}
	}
}

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	const s = "S3cr3t-Pa55"
	cred := Credential{Type: "basic", AccessKey: "dr-login", AccessSecret: Secret(s)}
	reg := Registry{ID: 1, Name: "acr", URL: "https://u:" + s + "@acr.example.com", Credential: &cred}
	tests := []struct {
		name string
		v    any
	}{
		{"Secret", Secret(s)},
		{"*Secret", func() *Secret { x := Secret(s); return &x }()},
		{"Credential", cred},
		{"*Credential", &cred},
		{"Registry", reg},
		{"*Registry", &reg},
		{"[]Registry", []Registry{reg}},
		{"struct holding *Credential", struct{ C *Credential }{&cred}},
		{"struct holding *Registry", struct {
			N int
			R *Registry
		}{1, &reg}},
		{"Client", func() *Client {
			c, err := New("https://harbor.example.com", WithBasicAuth("admin", s))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertNoSecret(t, tt.v, s)
		})
	}
}

// TestSecretFormatKeepsShape: redaction keeps what fmt would print otherwise.
func TestSecretFormatKeepsShape(t *testing.T) {
	t.Parallel()
	cred := Credential{Type: "basic", AccessKey: "dr-login", AccessSecret: "pw"}
	for _, tt := range []struct{ format, want string }{
		{"%v", "{basic dr-login [REDACTED]}"},
		{"%+v", "{Type:basic AccessKey:dr-login AccessSecret:[REDACTED]}"},
		{"%#v", `harbor.Credential{Type:"basic", AccessKey:"dr-login", AccessSecret:harbor.Secret("[REDACTED]")}`},
		{"%q", `{"basic" "dr-login" "[REDACTED]"}`},
	} {
		if got := fmt.Sprintf(tt.format, cred); got != tt.want {
			t.Errorf("Sprintf(%q, cred) = %s, want %s", tt.format, got, tt.want)
		}
	}
	if got, want := fmt.Sprintf("%v|%q|%#v", Secret(""), Secret("x"), Secret("x")), `|"[REDACTED]"|harbor.Secret("[REDACTED]")`; got != want {
		t.Errorf("Sprintf(secrets) = %s, want %s", got, want)
	}
}
