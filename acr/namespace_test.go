package acr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/alicloud"
)

var runbook = acr.NamespaceSpec{AutoCreateRepo: true, DefaultRepoType: acr.RepoTypePrivate}

func TestNamespaceCRUD(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	if err := e.client.CreateNamespace(ctx, "test-project", runbook); err != nil {
		t.Fatalf("CreateNamespace: %v", err)
	}
	got, err := e.client.GetNamespace(ctx, "test-project")
	if err != nil {
		t.Fatalf("GetNamespace: %v", err)
	}
	if got.Name != "test-project" || !got.AutoCreateRepo || got.DefaultRepoType != "PRIVATE" || got.ID == "" {
		t.Errorf("GetNamespace = %+v, want test-project auto-create PRIVATE with an ID", got)
	}
	if err := e.client.UpdateNamespace(ctx, "test-project", acr.NamespaceSpec{DefaultRepoType: acr.RepoTypePublic}); err != nil {
		t.Fatalf("UpdateNamespace: %v", err)
	}
	want := []acrtest.Namespace{{Name: "test-project", AutoCreateRepo: false, DefaultRepoType: "PUBLIC"}}
	if diff := cmp.Diff(want, e.srv.Namespaces(acrtest.DefaultInstanceID)); diff != "" {
		t.Errorf("emulator namespaces (-want +got):\n%s", diff)
	}
	list, err := e.client.ListNamespaces(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "test-project" {
		t.Errorf("ListNamespaces = %+v, %v", list, err)
	}
}

func TestEnsureNamespace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	steps := []struct {
		name string
		spec acr.NamespaceSpec
		want acr.NamespaceChange
	}{
		{"create", runbook, acr.NamespaceChange{Namespace: "test-project", Created: true}},
		{"again", runbook, acr.NamespaceChange{Namespace: "test-project"}},
		{"drift", acr.NamespaceSpec{DefaultRepoType: "PUBLIC"}, acr.NamespaceChange{Namespace: "test-project", Updated: []string{"AutoCreateRepo", "DefaultRepoType"}}},
		{"back", runbook, acr.NamespaceChange{Namespace: "test-project", Updated: []string{"AutoCreateRepo", "DefaultRepoType"}}},
		{"converged", runbook, acr.NamespaceChange{Namespace: "test-project"}},
	}
	for _, s := range steps {
		got, err := e.client.EnsureNamespace(ctx, "test-project", s.spec)
		if err != nil {
			t.Fatalf("%s: EnsureNamespace: %v", s.name, err)
		}
		if diff := cmp.Diff(s.want, got); diff != "" {
			t.Errorf("%s: EnsureNamespace (-want +got):\n%s", s.name, diff)
		}
		if got.HasChanges() != (s.want.Created || len(s.want.Updated) > 0) {
			t.Errorf("%s: HasChanges = %v", s.name, got.HasChanges())
		}
	}
	writes := e.srv.CallCount("CreateNamespace") + e.srv.CallCount("UpdateNamespace")
	if writes != 3 {
		t.Errorf("writes = %d, want 3 (one create, two updates)", writes)
	}
}

func TestNamespaceErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	if err := e.srv.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "taken"}); err != nil {
		t.Fatal(err)
	}

	_, err := e.client.GetNamespace(ctx, "missing")
	var ae *alicloud.Error
	if !errors.Is(err, acr.ErrNotFound) || !errors.As(err, &ae) || ae.Code != "NAMESPACE_NOT_EXIST" || ae.StatusCode != 200 || ae.RequestID == "" {
		t.Errorf("GetNamespace(missing) = %v (%+v), want ErrNotFound from a 200 IsSuccess:false with code and request ID", err, ae)
	}
	if err := e.client.CreateNamespace(ctx, "taken", runbook); !errors.Is(err, acr.ErrConflict) {
		t.Errorf("CreateNamespace(taken) = %v, want ErrConflict", err)
	}
	e.srv.FailNext("GetNamespace", 1, 400, "InvalidParameter")
	if _, err := e.client.GetNamespace(ctx, "taken"); !errors.Is(err, acr.ErrInvalidArgument) || !errors.As(err, &ae) || ae.StatusCode != 400 {
		t.Errorf("GetNamespace after a 400 = %v, want ErrInvalidArgument with status 400", err)
	}
	e.srv.FailNext("GetNamespace", 1, 404, "InstanceNotFound")
	if _, err := e.client.GetNamespace(ctx, "taken"); !errors.Is(err, acr.ErrNotFound) {
		t.Errorf("GetNamespace after a 404 = %v, want ErrNotFound", err)
	}
}

func TestNamespaceNameValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	for _, name := range []string{"", "a", "Upper", "-lead", "trail-", "dou--ble", "sp ace", "sl/ash", string(make([]byte, 121))} {
		if _, err := e.client.EnsureNamespace(ctx, name, runbook); !errors.Is(err, acr.ErrInvalidArgument) {
			t.Errorf("EnsureNamespace(%q) = %v, want ErrInvalidArgument", name, err)
		}
	}
	for _, name := range []string{"ab", "test-project", "a.b_c-d", "x1"} {
		if err := acr.ValidateNamespaceName(name); err != nil {
			t.Errorf("ValidateNamespaceName(%q) = %v, want nil", name, err)
		}
	}
	if n := e.srv.CallCount(""); n != 0 {
		t.Errorf("API calls = %d, want 0: invalid input must be refused before any call", n)
	}
	if _, err := e.client.EnsureNamespace(ctx, "ok-name", acr.NamespaceSpec{DefaultRepoType: "SECRET"}); !errors.Is(err, acr.ErrInvalidArgument) {
		t.Errorf("EnsureNamespace(type SECRET) = %v, want ErrInvalidArgument", err)
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	e.srv.Throttle("ListNamespace", 2)
	if _, err := e.client.ListNamespaces(ctx); err != nil {
		t.Fatalf("ListNamespaces after 2 throttled answers: %v", err)
	}
	if len(e.clock.Waits()) != 2 {
		t.Errorf("retries slept %d times, want 2", len(e.clock.Waits()))
	}
	e.srv.FailNext("ListNamespace", 3, 503, "ServiceUnavailable")
	if _, err := e.client.ListNamespaces(ctx); !errors.Is(err, acr.ErrServer) {
		t.Errorf("ListNamespaces after 3 503s = %v, want ErrServer", err)
	}
	e.srv.Throttle("ListNamespace", 3)
	if _, err := e.client.ListNamespaces(ctx); !errors.Is(err, acr.ErrThrottled) {
		t.Errorf("ListNamespaces throttled 3 times = %v, want ErrThrottled", err)
	}
}

func TestWrongSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cfg := e.cfg
	cfg.Cloud.Credentials = &alicloud.Credentials{AccessKeyID: acrtest.DefaultAccessKeyID, AccessKeySecret: "wrong-secret-value"}
	c, err := acr.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListNamespaces(ctxT(t))
	if !errors.Is(err, acr.ErrUnauthorized) {
		t.Fatalf("ListNamespaces with a wrong secret = %v, want ErrUnauthorized", err)
	}
	if s := fmt.Sprintf("%v %+v", err, cfg); containsAny(s, "wrong-secret-value", acrtest.DefaultAccessKeySecret) {
		t.Errorf("a secret leaked: %s", s)
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	var want []string
	for i := range 123 {
		name := fmt.Sprintf("ns-%03d", i)
		want = append(want, name)
		if err := e.srv.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := e.client.ListNamespaces(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range list {
		got = append(got, n.Name)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListNamespaces (-want +got):\n%s", diff)
	}
	if n := e.srv.CallCount("ListNamespace"); n != 3 {
		t.Errorf("ListNamespace calls = %d, want 3 pages", n)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	for _, cfg := range []acr.Config{{}, {InstanceID: "cri-x"}} {
		if _, err := acr.New(cfg); !errors.Is(err, acr.ErrInvalidArgument) {
			t.Errorf("New(%+v) = %v, want ErrInvalidArgument", cfg, err)
		}
	}
}
