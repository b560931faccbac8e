package acr_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
)

func TestAuthenticatorRefresh(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, clock)
	ctx := ctxT(t)
	a, err := e.client.Authenticator(ctx)
	if err != nil {
		t.Fatalf("Authenticator: %v", err)
	}
	first, err := a.Authorization()
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(50 * time.Minute) // 10 minutes left: still cached
	second, err := a.AuthorizationContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, second); diff != "" || e.srv.CallCount("GetAuthorizationToken") != 1 {
		t.Errorf("cached credentials changed (-first +second):\n%s, calls = %d", diff, e.srv.CallCount("GetAuthorizationToken"))
	}
	clock.Advance(6 * time.Minute) // 4 minutes left: inside the refresh margin
	third, err := a.Authorization()
	if err != nil {
		t.Fatal(err)
	}
	if third.Password == first.Password || e.srv.CallCount("GetAuthorizationToken") != 2 {
		t.Errorf("credentials not refreshed before expiry: calls = %d", e.srv.CallCount("GetAuthorizationToken"))
	}
	if s := fmt.Sprintf("%v %s", a, mustToken(t, e)); containsAny(s, first.Password, third.Password) {
		t.Errorf("password printed: %s", s)
	}
}

func mustToken(t *testing.T, e *env) acr.Token {
	tok, err := e.client.GetAuthorizationToken(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func push(t *testing.T, e *env, repo string, auth authn.Authenticator) (v1.Hash, error) {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	return pushOne(t, e, repo, img, auth)
}

// pushImage pushes a random two-layer image and returns its digest and the image.
func pushImage(t *testing.T, e *env, repo string, auth authn.Authenticator) (v1.Hash, v1.Image) {
	t.Helper()
	img, err := random.Image(300, 2)
	if err != nil {
		t.Fatal(err)
	}
	d, err := pushOne(t, e, repo, img, auth)
	if err != nil {
		t.Fatal(err)
	}
	return d, img
}

func pushOne(t *testing.T, e *env, repo string, img v1.Image, auth authn.Authenticator) (v1.Hash, error) {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(e.registry+"/"+repo, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return d, remote.Write(ref, img, remote.WithAuth(auth), remote.WithContext(ctxT(t)))
}

func TestPushWithTemporaryCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	if _, err := e.client.EnsureNamespace(ctx, "test-project", runbook); err != nil {
		t.Fatal(err)
	}
	a, err := e.client.Authenticator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d, err := push(t, e, "test-project/nginx:1.27", a)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	repos, err := e.client.ListRepositories(ctx, "test-project")
	if err != nil || len(repos) != 1 || repos[0].Path() != "test-project/nginx" || repos[0].Type != "PRIVATE" {
		t.Fatalf("ListRepositories = %+v, %v; want test-project/nginx PRIVATE", repos, err)
	}
	got, err := e.client.GetRepository(ctx, "test-project/nginx")
	if err != nil || got.ID != repos[0].ID {
		t.Errorf("GetRepository = %+v, %v; want ID %s", got, err, repos[0].ID)
	}
	tags, err := e.client.ListTags(ctx, repos[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tags) != 1 || tags[0].Tag != "1.27" || tags[0].Digest != d.String() {
		t.Errorf("ListTags = %+v, want 1.27 → %s", tags, d)
	}
	if _, err := e.client.GetRepository(ctx, "test-project/absent"); !errors.Is(err, acr.ErrNotFound) {
		t.Errorf("GetRepository(absent) = %v, want ErrNotFound", err)
	}
}

func registryCode(err error) string {
	var te *transport.Error
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return string(te.Errors[0].Code)
	}
	if errors.As(err, &te) {
		return fmt.Sprintf("HTTP %d", te.StatusCode) // a HEAD answer has no body
	}
	return ""
}

func TestRegistryRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	id := acrtest.DefaultInstanceID
	if err := e.srv.AddNamespace(id, acrtest.Namespace{Name: "manual"}); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.SetPassword(id, "robot", "fixed-password"); err != nil {
		t.Fatal(err)
	}
	basic := acr.Basic("robot", "fixed-password")
	cases := []struct {
		name, repo, code string
	}{
		{"missing namespace", "nope/nginx:1", "DENIED"},
		{"auto-create off", "manual/nginx:1", "NAME_UNKNOWN"},
		{"multi-tier name, auto-create off", "manual/a/b:1", "NAME_UNKNOWN"},
	}
	for _, c := range cases {
		if _, err := push(t, e, c.repo, basic); registryCode(err) != c.code {
			t.Errorf("%s: push %s = %v, want %s", c.name, c.repo, err, c.code)
		}
	}
	if err := e.srv.AddRepository(id, "manual/nginx"); err != nil {
		t.Fatal(err)
	}
	d, err := push(t, e, "manual/nginx:1", basic)
	if err != nil {
		t.Fatalf("push into an existing repository: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"1": d.String()}, e.srv.Tags(id, "manual/nginx")); diff != "" {
		t.Errorf("Tags (-want +got):\n%s", diff)
	}
	if _, err := push(t, e, "manual/nginx:2", acr.Basic("robot", "bad")); err == nil {
		t.Error("push with a wrong password succeeded")
	}
	if _, err := e.client.ListRepositories(ctx, "Bad"); !errors.Is(err, acr.ErrInvalidArgument) {
		t.Errorf("ListRepositories(Bad) = %v, want ErrInvalidArgument", err)
	}
}

func TestExpiredTemporaryCredentialsRefused(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, clock)
	if err := e.srv.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "ns", AutoCreateRepo: true}); err != nil {
		t.Fatal(err)
	}
	tok := mustToken(t, e)
	clock.Advance(2 * time.Hour)
	if _, err := push(t, e, "ns/app:1", acr.Basic(tok.Username, tok.Password)); err == nil {
		t.Error("push with expired temporary credentials succeeded")
	}
}

func TestDeletedTagDisappears(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	if _, err := e.client.EnsureNamespace(ctx, "ns", runbook); err != nil {
		t.Fatal(err)
	}
	a, err := e.client.Authenticator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d, err := push(t, e, "ns/app:v1", a)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(e.registry+"/ns/app@"+d.String(), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Delete(ref, remote.WithAuth(a), remote.WithContext(ctx)); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if tags, err := e.client.TagsOf(ctx, "ns/app"); err != nil || len(tags) != 0 {
		t.Errorf("TagsOf after delete = %+v, %v; want none", tags, err)
	}
}
