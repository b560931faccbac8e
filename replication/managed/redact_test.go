package managed

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/mirror"
)

// redactVerbs are the fmt verbs a secret-holding value is printed with in the tests.
var redactVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%c", "%10.3s"}

// assertRedacted fails if v shows any of secrets under any fmt verb, as a value, inside a
// struct or slice, or behind a pointer in a struct (where fmt prints fields without methods
// on a bad verb), through JSON, or through slog's text and JSON handlers.
func assertRedacted(t *testing.T, v, ptr any, secrets ...string) {
	t.Helper()
	leaks := func(s string) bool {
		for _, secret := range secrets {
			if strings.Contains(s, secret) || strings.Contains(strings.ToLower(s), hex.EncodeToString([]byte(secret))) {
				return true
			}
		}
		return false
	}
	type holder struct {
		N int
		V any
		P any
	}
	for _, verb := range redactVerbs {
		for name, arg := range map[string]any{"value": v, "pointer": ptr, "in a struct": holder{1, v, ptr}, "in a slice": []any{v, ptr}} {
			if got := fmt.Sprintf(verb, arg); leaks(got) {
				t.Errorf("Sprintf(%q, %s) = %s: shows a secret", verb, name, got)
			}
		}
	}
	for name, arg := range map[string]any{"value": v, "pointer": ptr} {
		b, _ := json.Marshal(arg) // a value with funcs does not encode: nothing shows
		if leaks(string(b)) {
			t.Errorf("json.Marshal(%s) = %s: shows a secret", name, b)
		}
	}
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var b bytes.Buffer
		slog.New(h(&b)).Info("m", "v", v, "p", ptr)
		if leaks(b.String()) {
			t.Errorf("slog %s handler wrote %s: shows a secret", name, b.String())
		}
	}
}

// TestTypesNeverShowSecrets: every type of the Harbor setup that holds a secret —
// the endpoint's AccessSecret, user information in its URL, a direct endpoint's
// authenticator — hides it under every fmt verb, JSON and slog.
func TestTypesNeverShowSecrets(t *testing.T) {
	t.Parallel()
	const urlPW = "url-pass-w0rd"
	ep := Endpoint{Name: "acr", URL: "https://login:" + urlPW + "@acr.example.com", AccessKey: "login", AccessSecret: harbor.Secret(harborSetupSecret)}
	setup := harborTestSetup()
	setup.Endpoint = ep
	plan := Plan{Setup: setup, Actions: []Action{{Kind: CreateEndpoint, Name: "acr"}}}
	direct := Direct{
		Source: mirror.Endpoint{Registry: "admin:" + urlPW + "@127.0.0.1:5000", Auth: &authn.Basic{Username: "admin", Password: harborSetupSecret}},
		Dest:   mirror.Endpoint{Registry: "127.0.0.1:5001", Auth: authn.FromConfig(authn.AuthConfig{Username: "u", Password: harborSetupSecret})},
	}
	opts := ApplyOptions{AccessSecret: harbor.Secret(harborSetupSecret), Direct: &direct}
	src := &Source{Setup: setup}
	lister := lag.NewRegistryTagLister(direct.Source)
	vp, err := setup.Verifier(nil, lister)
	if err != nil {
		t.Fatal(err)
	}
	verifier := *vp
	tests := []struct {
		name   string
		v, ptr any
	}{
		{"Endpoint", ep, &ep},
		{"Setup", setup, &setup},
		{"Plan", plan, &plan},
		{"ApplyOptions", opts, &opts},
		{"Direct", direct, &direct},
		{"Source", src, &src},
		{"RegistryTagLister", lister, &lister},
		{"Verifier", verifier, &verifier},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertRedacted(t, tt.v, tt.ptr, harborSetupSecret, urlPW)
		})
	}
}

// TestFormatKeepsString: %v, %s and %q still print String for people.
func TestFormatKeepsString(t *testing.T) {
	t.Parallel()
	s := harborTestSetup()
	p := &Plan{Setup: s.withDefaults()}
	for _, tt := range []struct {
		format string
		v      any
		want   string
	}{
		{"%v", s, s.String()},
		{"%s", s, s.String()},
		{"%q", s, fmt.Sprintf("%q", s.String())},
		{"%v", p, p.String()},
	} {
		if got := fmt.Sprintf(tt.format, tt.v); got != tt.want {
			t.Errorf("Sprintf(%q) = %s, want %s", tt.format, got, tt.want)
		}
	}
	if got := fmt.Sprintf("%#v", s.Endpoint); !strings.HasPrefix(got, "managed.Endpoint{Name:") {
		t.Errorf("Sprintf(%%#v, endpoint) = %s", got)
	}
}

// TestErrorsNeverEndInNil: an error value missing its cause still reads as a sentence.
func TestErrorsNeverEndInNil(t *testing.T) {
	t.Parallel()
	for _, err := range []error{
		&ActionError{Action: Action{Kind: CreateEndpoint, Name: "acr"}},
		&ExecutionError{Execution: harbor.Execution{ID: 7, Status: "Failed"}},
	} {
		if msg := err.Error(); strings.Contains(msg, "<nil>") {
			t.Errorf("Error() = %q, shows <nil>", msg)
		}
	}
}
