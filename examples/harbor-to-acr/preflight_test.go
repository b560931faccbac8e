package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/replication/managed"
)

// The dry run names each real-world failure of Harbor's connection test to ACR EE
// (issue 15), reproduced with the emulators' knobs, by cause and fix in one line.
func TestDryRunPreflightDiagnoses(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*testing.T, *env)
		want  error
		wants []string
	}{{
		name: "AccessKey pair given as the registry login",
		edit: func(t *testing.T, e *env) {
			t.Setenv(envACRUser, akID)
			t.Setenv(envACRPassword, akSecret)
			e.hb.SetEndpointFault(e.reg.URL, harbortest.FaultWrongCredentials)
		},
		want:  managed.ErrEndpointCredentials,
		wants: []string{managed.ErrEndpointCredentials.Error(), "is an AccessKey ID", "registry password", "$ACR_PASSWORD"},
	}, {
		name: "wrong registry password",
		edit: func(t *testing.T, e *env) {
			t.Setenv(envACRPassword, "not-the-password")
			e.hb.SetEndpointFault(e.reg.URL, harbortest.FaultWrongCredentials)
		},
		want:  managed.ErrEndpointCredentials,
		wants: []string{managed.ErrEndpointCredentials.Error(), `refuses login "dr-login"`, "Access Credentials"},
	}, {
		name: "VPC ACL drops Harbor's address",
		edit: func(_ *testing.T, e *env) {
			e.hb.SetEndpointFault(e.reg.URL, harbortest.FaultTimeout)
		},
		want:  managed.ErrEndpointUnreachable,
		wants: []string{managed.ErrEndpointUnreachable.Error(), "likely", "VPC ACL", "public endpoint", "-acr-public"},
	}, {
		name: "RAM user not activated in ACR",
		edit: func(t *testing.T, e *env) {
			t.Setenv(envACRUser, akID)
			t.Setenv(envACRPassword, akSecret)
			e.ee.SetUserNotActivated(akID)
			e.hb.SetEndpointFault(e.reg.URL, harbortest.FaultWrongCredentials)
		},
		want:  acr.ErrUserNotActivated,
		wants: []string{"RAM user has not been activated in ACR", "USER_NOT_EXIST", "ACR console"},
	}, {
		name: "endpoint registered with another provider type",
		edit: func(t *testing.T, e *env) {
			hc, err := harbor.New(e.hs.URL, harbor.WithBasicAuth(harborUser, harborPassword))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := hc.CreateRegistry(testCtx(t), harbor.Registry{Name: "acr-ee", Type: harbor.TypeAliACR, URL: e.reg.URL,
				Credential: &harbor.Credential{AccessKey: acrUser, AccessSecret: acrPassword}}); err != nil {
				t.Fatal(err)
			}
			e.harborWrite.Store(0)
			e.hb.SetEndpointFault(e.reg.URL, harbortest.FaultWrongProviderType)
		},
		want:  managed.ErrEndpointType,
		wants: []string{`provider type "ali-acr"`, `"docker-registry"`, "404", "delete the endpoint", "-endpoint-name"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, harbortest.WithSyncExecutions())
			tt.edit(t, e)
			r := runT(t, e.args("-dry-run"), hooks{})
			code := exitFailed // a failed connection test is a failure...
			if errors.Is(tt.want, managed.ErrEndpointType) {
				code = exitRefused // ...an endpoint Harbor cannot change a refusal
			}
			if r.code != code {
				t.Fatalf("dry run exit %d, want %d:\n%s\n%s", r.code, code, r.out, r.errOut)
			}
			lines := strings.Split(strings.TrimSpace(r.errOut), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "harbor-to-acr: planning: ") {
				t.Fatalf("the failure is not the last line of stderr:\n%s", r.errOut)
			}
			for _, w := range tt.wants {
				if !strings.Contains(last, w) {
					t.Errorf("the failure does not say %q:\n%s", w, last)
				}
			}
			for _, s := range []string{"not-the-password", akSecret, acrPassword} {
				if strings.Contains(r.out+r.errOut, s) {
					t.Errorf("a secret (%d bytes) appears in the output:\n%s", len(s), r.errOut)
				}
			}
			if n := e.writes(); n != 0 {
				t.Errorf("the dry run wrote %d times", n)
			}

			// The failure is typed.
			c, err := parse(e.args("-dry-run"), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			w, err := newWorld(c, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			err = w.converge(testCtx(t), c, newOutput(false, &out, &errOut, &errOut), hooks{})
			var pe *managed.PreflightError
			if !errors.Is(err, tt.want) || !errors.As(err, &pe) {
				t.Errorf("converge = %v, want %v in a *managed.PreflightError", err, tt.want)
			}
		})
	}
}
