package managed_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/replication/managed"
)

// countingProber counts the logins regdr tries itself.
type countingProber struct {
	n    atomic.Int64
	next managed.RegistryProber
}

func (p *countingProber) ProbeLogin(ctx context.Context, e managed.Endpoint) error {
	p.n.Add(1)
	return p.next.ProbeLogin(ctx, e)
}

// The real-world failure modes of Harbor's connection test to ACR EE (issue 15), each
// reproduced with the emulators' knobs, are named by cause and fix in one line.
func TestPreflightDiagnoses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		probe bool // Clients.Registry set: regdr tries the login itself
		edit  func(*testing.T, *harborEnv, *managed.Setup)
		want  []error
		not   []error
		wants []string // in the message
	}{{
		name:  "AccessKey given where the registry password belongs",
		probe: true,
		edit: func(_ *testing.T, e *harborEnv, s *managed.Setup) {
			s.Endpoint.AccessKey, s.Endpoint.AccessSecret = acrtest.DefaultAccessKeyID, acrtest.DefaultAccessKeySecret
			e.srv.SetEndpointFault(e.acrReg.URL, harbortest.FaultWrongCredentials)
		},
		want:  []error{managed.ErrEndpointCredentials, managed.ErrEndpoint, harbor.ErrBadRequest},
		not:   []error{managed.ErrEndpointUnreachable, acr.ErrUserNotActivated},
		wants: []string{"is an AccessKey ID", "registry password", "not an AccessKey pair", `"the registry is unhealthy"`},
	}, {
		name: "AccessKey given, no probe: the login name's shape (likely)",
		edit: func(_ *testing.T, e *harborEnv, s *managed.Setup) {
			s.Endpoint.AccessKey, s.Endpoint.AccessSecret = acrtest.DefaultAccessKeyID, acrtest.DefaultAccessKeySecret
			e.srv.SetEndpointFault(e.acrReg.URL, harbortest.FaultWrongCredentials)
		},
		want:  []error{managed.ErrEndpointCredentials, managed.ErrEndpoint},
		wants: []string{"likely", "is an AccessKey ID", "registry password"},
	}, {
		name:  "wrong registry password",
		probe: true,
		edit: func(_ *testing.T, e *harborEnv, s *managed.Setup) {
			s.Endpoint.AccessSecret = "wrong-registry-password"
			e.srv.SetEndpointFault(e.acrReg.URL, harbortest.FaultWrongCredentials)
		},
		want:  []error{managed.ErrEndpointCredentials, managed.ErrEndpoint},
		not:   []error{managed.ErrEndpointUnreachable},
		wants: []string{"refuses login \"acr-login\"", "regdr tried it too", "Access Credentials"},
	}, {
		name: "wrong password, no probe: Harbor cannot say which",
		edit: func(_ *testing.T, e *harborEnv, s *managed.Setup) {
			s.Endpoint.AccessSecret = "wrong-registry-password"
		},
		want:  []error{managed.ErrEndpoint},
		not:   []error{managed.ErrEndpointCredentials, managed.ErrEndpointUnreachable},
		wants: []string{"Harbor does not say which", "registry login name and password", "access control"},
	}, {
		name:  "VPC ACL drops Harbor's address",
		probe: true,
		edit: func(_ *testing.T, e *harborEnv, _ *managed.Setup) {
			e.srv.SetEndpointFault(e.acrReg.URL, harbortest.FaultTimeout)
		},
		want:  []error{managed.ErrEndpointUnreachable, managed.ErrEndpoint},
		not:   []error{managed.ErrEndpointCredentials},
		wants: []string{"regdr logs in to it from here", "likely", "VPC ACL", "public endpoint"},
	}, {
		name: "VPC ACL drops Harbor's address, ali-acr endpoint, no probe: Harbor's 500",
		edit: func(_ *testing.T, e *harborEnv, s *managed.Setup) {
			s.Endpoint.Type = harbor.TypeAliACR
			e.srv.SetEndpointFault(e.acrReg.URL, harbortest.FaultTimeout)
		},
		want:  []error{managed.ErrEndpointUnreachable, managed.ErrEndpoint, harbor.ErrServer},
		wants: []string{"got no answer", "likely", "VPC ACL", "public endpoint", "500 UNKNOWN"},
	}, {
		name:  "VPC ACL drops Harbor's address, ali-acr endpoint with its AccessKey pair: the probe proves nothing",
		probe: true,
		edit: func(_ *testing.T, e *harborEnv, s *managed.Setup) {
			// The ali-acr provider trades the AccessKey pair for a token through the
			// OpenAPI: the registry itself refuses the pair, so regdr's login would.
			s.Endpoint.Type = harbor.TypeAliACR
			s.Endpoint.AccessKey, s.Endpoint.AccessSecret = acrtest.DefaultAccessKeyID, acrtest.DefaultAccessKeySecret
			e.srv.SetEndpointFault(e.acrReg.URL, harbortest.FaultTimeout)
		},
		want:  []error{managed.ErrEndpointUnreachable, managed.ErrEndpoint},
		not:   []error{managed.ErrEndpointCredentials},
		wants: []string{"got no answer", "VPC ACL"},
	}, {
		name:  "ali-acr endpoint whose AccessKey pair is refused",
		probe: true,
		edit: func(_ *testing.T, e *harborEnv, s *managed.Setup) {
			s.Endpoint.Type = harbor.TypeAliACR
			s.Endpoint.AccessKey, s.Endpoint.AccessSecret = acrtest.DefaultAccessKeyID, "wrong-ak-secret"
			e.srv.SetEndpointFault(e.acrReg.URL, harbortest.FaultWrongCredentials)
		},
		want:  []error{managed.ErrEndpointCredentials, managed.ErrEndpoint},
		not:   []error{acr.ErrUserNotActivated},
		wants: []string{"likely", "AccessKey ID and secret"},
	}, {
		name:  "nobody reaches the registry",
		probe: true,
		edit: func(_ *testing.T, e *harborEnv, s *managed.Setup) {
			s.Endpoint.URL = "http://127.0.0.1:1" // nothing listens on port 1
		},
		want:  []error{managed.ErrEndpointUnreachable, managed.ErrEndpoint},
		wants: []string{"neither can regdr", "check the URL"},
	}, {
		name:  "RAM user not activated in ACR",
		probe: true,
		edit: func(_ *testing.T, e *harborEnv, s *managed.Setup) {
			// Harbor's ali-acr provider logs in with the AccessKey pair, whose user
			// ACR never activated.
			s.Endpoint.Type = harbor.TypeAliACR
			s.Endpoint.AccessKey, s.Endpoint.AccessSecret = acrtest.DefaultAccessKeyID, acrtest.DefaultAccessKeySecret
			e.acrSrv.SetUserNotActivated(acrtest.DefaultAccessKeyID)
			e.srv.SetEndpointFault(e.acrReg.URL, harbortest.FaultWrongCredentials)
		},
		want:  []error{acr.ErrUserNotActivated, managed.ErrEndpoint},
		not:   []error{managed.ErrEndpointCredentials},
		wants: []string{"RAM user has not been activated in ACR", "USER_NOT_EXIST", "log in to the ACR console", "registry password"},
	}, {
		name: "endpoint registered with another provider type",
		edit: func(t *testing.T, e *harborEnv, s *managed.Setup) {
			r := harbor.Registry{Name: s.Endpoint.Name, Type: harbor.TypeAliACR, URL: s.Endpoint.URL,
				Credential: &harbor.Credential{AccessKey: s.Endpoint.AccessKey, AccessSecret: s.Endpoint.AccessSecret}}
			if _, err := e.client.CreateRegistry(harborCtx(t), r); err != nil {
				t.Fatal(err)
			}
			e.harborWrite.Store(0)
			e.srv.SetEndpointFault(e.acrReg.URL, harbortest.FaultWrongProviderType)
		},
		want:  []error{managed.ErrEndpointType},
		not:   []error{managed.ErrEndpoint},
		wants: []string{`provider type "ali-acr"`, `registers ACR EE as "docker-registry"`, "404", "cannot change an endpoint's type", "delete the endpoint"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newHarborEnv(t)
			ctx := harborCtx(t)
			e.push(t, "library/nginx:1")
			s := e.setup()
			tt.edit(t, e, &s)
			c := e.clients()
			if tt.probe {
				c.Registry = managed.RegistryProbe{}
			}
			p, err := managed.Compute(ctx, c, s)
			if err == nil {
				t.Fatalf("Compute = plan %v, want an error", p)
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("Compute error %q does not match %q", err, w)
				}
			}
			for _, w := range tt.not {
				if errors.Is(err, w) {
					t.Errorf("Compute error %q matches %q", err, w)
				}
			}
			var pe *managed.PreflightError
			if !errors.As(err, &pe) {
				t.Fatalf("Compute error %q is no *PreflightError", err)
			}
			msg := err.Error()
			for _, w := range tt.wants {
				if !strings.Contains(msg, w) {
					t.Errorf("message does not say %q:\n%s", w, msg)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("message is not one line:\n%s", msg)
			}
			for _, secret := range []string{string(s.Endpoint.AccessSecret), acrtest.DefaultAccessKeySecret, harborACRPassword} {
				if strings.Contains(msg, secret) {
					t.Errorf("message shows a secret %q:\n%s", secret, msg)
				}
			}
			if n := e.writes(); n != 0 {
				t.Errorf("Compute wrote %d times", n)
			}
		})
	}
}

// regdr's own login is tried only to diagnose a failed connection test.
func TestPreflightProbesOnlyOnFailure(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	e.push(t, "library/nginx:1")
	probe := &countingProber{next: managed.RegistryProbe{}}
	c := e.clients()
	c.Registry = probe
	if _, err := managed.Compute(harborCtx(t), c, e.setup()); err != nil {
		t.Fatal(err)
	}
	if n := probe.n.Load(); n != 0 {
		t.Errorf("a passing connection test made regdr try the login %d times", n)
	}
	// The probe itself accepts the right credentials and refuses wrong ones.
	s := e.setup()
	if err := (managed.RegistryProbe{}).ProbeLogin(harborCtx(t), s.Endpoint); err != nil {
		t.Errorf("ProbeLogin with the registry password = %v", err)
	}
	s.Endpoint.AccessSecret = "wrong"
	if err := (managed.RegistryProbe{}).ProbeLogin(harborCtx(t), s.Endpoint); err == nil {
		t.Error("ProbeLogin with a wrong password = nil")
	}
}

func TestLooksLikeAccessKeyID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"LTAI5tExampleKey12345":   true,
		"STS.NUexampletoken":      true,
		"acr-login":               false,
		"dr@1234567890123456":     false,
		"LTAI":                    false,
		"user@LTAI5tExampleKey12": false,
	} {
		if got := managed.LooksLikeAccessKeyID(in); got != want {
			t.Errorf("LooksLikeAccessKeyID(%q) = %v, want %v", in, got, want)
		}
	}
}

// A registry that never answers does not hold the diagnosis longer than the probe's timeout.
func TestRegistryProbeTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	done := make(chan error, 1)
	go func() {
		done <- managed.RegistryProbe{Timeout: 50 * time.Millisecond}.ProbeLogin(harborCtx(t), managed.Endpoint{URL: srv.URL})
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("ProbeLogin of a registry that never answers = %v, want a deadline", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ProbeLogin ignored its timeout")
	}
}

// An endpoint whose provider type does not match the registry passes Harbor's connection
// test, and every manifest Harbor checks or pushes 404s: the failed execution says so.
func TestExecutionDiagnosesWrongProviderType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault func(*harborEnv)
		want  bool // ErrEndpointType
	}{
		{"manifests 404", func(e *harborEnv) { e.srv.SetEndpointFault(e.acrReg.URL, harbortest.FaultWrongProviderType) }, true},
		{"a task fails otherwise", func(e *harborEnv) { e.srv.FailTasks("library/nginx", true) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newHarborEnv(t)
			ctx := harborCtx(t)
			e.push(t, "library/nginx:1")
			tt.fault(e)
			p, err := managed.Compute(ctx, e.clients(), e.setup())
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.Apply(ctx, e.clients(), managed.ApplyOptions{})
			var xe *managed.ExecutionError
			if !errors.As(err, &xe) || !errors.Is(err, managed.ErrExecution) {
				t.Fatalf("Apply = %v, want an *ExecutionError", err)
			}
			if got := errors.Is(err, managed.ErrEndpointType); got != tt.want {
				t.Errorf("Apply error %q matches ErrEndpointType: %v, want %v", err, got, tt.want)
			}
			msg := err.Error()
			if tt.want && (!strings.Contains(msg, "404") || !strings.Contains(msg, `provider type "docker-registry"`) || !strings.Contains(msg, "likely")) {
				t.Errorf("the failure does not name the likely cause:\n%s", msg)
			}
			if !tt.want && xe.Diagnosis != "" {
				t.Errorf("a task failing for another reason is diagnosed: %s", xe.Diagnosis)
			}
			if strings.Contains(msg, "\n") || strings.Contains(msg, harborACRPassword) {
				t.Errorf("the failure is not one line without secrets:\n%s", msg)
			}
		})
	}
}
