package harbor_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regdr/regdr/harbor"
)

var ignoreRegistryTimes = cmpopts.IgnoreFields(harbor.Registry{}, "CreationTime", "UpdateTime")

func TestRegistryLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	dest := newDest(t)

	in := harbor.Registry{
		Name: "acr", Description: "ACR EE", Type: harbor.TypeDockerRegistry, URL: dest.URL,
		Credential: &harbor.Credential{AccessKey: "user@example", AccessSecret: "s3cret-pass"},
	}
	id, err := e.client.CreateRegistry(ctx, in)
	if err != nil {
		t.Fatalf("CreateRegistry: %v", err)
	}
	got, err := e.client.GetRegistry(ctx, id)
	if err != nil {
		t.Fatalf("GetRegistry: %v", err)
	}
	want := in
	want.ID, want.Status = id, "healthy"
	want.Credential = &harbor.Credential{Type: "basic", AccessKey: "user@example"} // the secret is never returned
	if diff := cmp.Diff(want, *got, ignoreRegistryTimes); diff != "" {
		t.Errorf("GetRegistry mismatch (-want +got):\n%s", diff)
	}
	if got.CreationTime.IsZero() {
		t.Errorf("CreationTime is zero")
	}

	if _, err := e.client.CreateRegistry(ctx, in); !errors.Is(err, harbor.ErrConflict) {
		t.Errorf("CreateRegistry(duplicate) = %v, want ErrConflict", err)
	}

	// Update what was read: the stored secret survives.
	got.Description = "changed"
	if err := e.client.UpdateRegistry(ctx, *got); err != nil {
		t.Fatalf("UpdateRegistry: %v", err)
	}
	list, err := e.client.ListRegistries(ctx)
	if err != nil {
		t.Fatalf("ListRegistries: %v", err)
	}
	if len(list) != 1 || list[0].Description != "changed" {
		t.Errorf("ListRegistries = %+v, want one with the new description", list)
	}
	if err := e.client.PingRegistry(ctx, harbor.Registry{ID: id}); err != nil {
		t.Errorf("PingRegistry(stored): %v", err)
	}
	if err := e.client.DeleteRegistry(ctx, id); err != nil {
		t.Fatalf("DeleteRegistry: %v", err)
	}
	if _, err := e.client.GetRegistry(ctx, id); !errors.Is(err, harbor.ErrNotFound) {
		t.Errorf("GetRegistry(deleted) = %v, want ErrNotFound", err)
	}
}

func TestPingChecksCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	// Another Harbor is a destination that checks credentials.
	other := newEnv(t)

	ok := harbor.Registry{Name: "other", Type: harbor.TypeHarbor, URL: other.http.URL,
		Credential: &harbor.Credential{AccessKey: admin, AccessSecret: password}}
	if err := e.client.PingRegistry(ctx, ok); err != nil {
		t.Errorf("PingRegistry(right credentials): %v", err)
	}
	bad := ok
	bad.Credential = &harbor.Credential{AccessKey: admin, AccessSecret: "wrong-password"}
	err := e.client.PingRegistry(ctx, bad)
	if !errors.Is(err, harbor.ErrBadRequest) {
		t.Fatalf("PingRegistry(wrong credentials) = %v, want ErrBadRequest", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("error %q reveals the secret", err)
	}
	if _, err := e.client.CreateRegistry(ctx, bad); !errors.Is(err, harbor.ErrBadRequest) {
		t.Errorf("CreateRegistry(wrong credentials) = %v, want ErrBadRequest", err)
	}
	anon := ok
	anon.Credential = nil
	if err := e.client.PingRegistry(ctx, anon); !errors.Is(err, harbor.ErrBadRequest) {
		t.Errorf("PingRegistry(anonymous) = %v, want ErrBadRequest", err)
	}
}

func TestEndpointDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	dest := newDest(t)
	r := harbor.Registry{Name: "d", Type: harbor.TypeDockerRegistry, URL: dest.URL}
	e.srv.SetEndpointDown(dest.URL, true)
	if _, err := e.client.CreateRegistry(ctx, r); !errors.Is(err, harbor.ErrBadRequest) {
		t.Fatalf("CreateRegistry(down) = %v, want ErrBadRequest", err)
	}
	e.srv.SetEndpointDown(dest.URL, false)
	if _, err := e.client.CreateRegistry(ctx, r); err != nil {
		t.Fatalf("CreateRegistry(up again): %v", err)
	}
}

func TestRegistryValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	for _, tc := range []struct {
		name string
		r    harbor.Registry
	}{
		{"no name", harbor.Registry{Type: harbor.TypeDockerRegistry, URL: "https://x"}},
		{"no type", harbor.Registry{Name: "a", URL: "https://x"}},
		{"bad url", harbor.Registry{Name: "a", Type: harbor.TypeDockerRegistry, URL: "x"}},
		{"credentials in url", harbor.Registry{Name: "a", Type: harbor.TypeDockerRegistry, URL: "https://u:p@x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.client.CreateRegistry(ctx, tc.r); !errors.Is(err, harbor.ErrInvalidArgument) {
				t.Errorf("CreateRegistry(%+v) = %v, want ErrInvalidArgument", tc.r, err)
			}
		})
	}
	// The emulator refuses an unknown provider type, as Harbor does.
	_, err := e.client.CreateRegistry(ctx, harbor.Registry{Name: "a", Type: "nope", URL: "https://x"})
	var apiErr *harbor.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Code != "BAD_REQUEST" || apiErr.Message == "" {
		t.Errorf("CreateRegistry(type nope) = %#v, want a 400 APIError with Harbor's code and message", err)
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	t.Parallel()
	r := harbor.Registry{Name: "acr", Credential: &harbor.Credential{AccessKey: "k", AccessSecret: "hunter2"}}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%v", r), fmt.Sprintf("%+v", *r.Credential), fmt.Sprintf("%#v", *r.Credential), string(js)} {
		if strings.Contains(s, "hunter2") {
			t.Errorf("secret printed: %s", s)
		}
	}
	if got := r.Credential.AccessSecret.Reveal(); got != "hunter2" {
		t.Errorf("Reveal() = %q, want hunter2", got)
	}
}

// "Test connection" before an endpoint is created: Harbor's ping body has no
// name, only type, URL, insecure and the credential.
func TestPingRegistryNeedsNoName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	other := newEnv(t)
	r := harbor.Registry{Type: harbor.TypeHarbor, URL: other.http.URL, Credential: &harbor.Credential{AccessKey: admin, AccessSecret: password}}
	if err := e.client.PingRegistry(ctx, r); err != nil {
		t.Errorf("PingRegistry(no name) = %v, want nil", err)
	}
	r.Type = ""
	if err := e.client.PingRegistry(ctx, r); !errors.Is(err, harbor.ErrInvalidArgument) {
		t.Errorf("PingRegistry(no type, no ID) = %v, want ErrInvalidArgument (Harbor: type or url cannot be empty)", err)
	}
	err := e.client.PingRegistry(ctx, harbor.Registry{ID: 1, URL: "https://u:S3cret-pw@x"})
	if !errors.Is(err, harbor.ErrInvalidArgument) || strings.Contains(err.Error(), "S3cret-pw") {
		t.Errorf("PingRegistry(ID, credentials in the URL) = %v, want ErrInvalidArgument without the secret", err)
	}
}
