package mirror_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/mirror"
)

// basicAuth guards a registry with a password, the way a private registry does.
func basicAuth(user, pass string) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

func TestAuthenticatesAndKeepsSecrets(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-Passw0rd"
	src := testutil.NewGGCRRegistry(t, nil)
	dst := testutil.NewGGCRRegistry(t, basicAuth("robot", secret))
	fx := testutil.NewFixture(11, 1<<10)
	if err := testutil.Push(testCtx(t), src.Host, "a/b:1", fx.Image("a", 1)); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)

	// Wrong password: the plan fails on the destination listing, without retrying and
	// without the password in the error.
	bad, err := mirror.New(mirror.Endpoint{PlainHTTP: true, Registry: src.Host},
		mirror.Endpoint{PlainHTTP: true, Registry: dst.Host, Auth: &authn.Basic{Username: "robot", Password: "wrong-" + secret}},
		mirror.Options{Clock: &testutil.ImmediateClock{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Plan(ctx); err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("Plan with a wrong password: %v", err)
	}

	s, err := mirror.New(mirror.Endpoint{PlainHTTP: true, Registry: src.Host},
		mirror.Endpoint{PlainHTTP: true, Registry: dst.Host, Auth: &authn.Basic{Username: "robot", Password: secret}},
		mirror.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Apply(ctx, p)
	if err != nil || !rep.OK() {
		t.Fatalf("Apply = %v, %v", rep, err)
	}
	for _, v := range []any{p, rep} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), secret) || strings.Contains(p.String()+rep.String(), secret) {
			t.Errorf("secret in %T", v)
		}
	}
}

func TestTokenAuthOneScopedTokenPerRepository(t *testing.T) {
	t.Parallel()
	srcAuth := &testutil.TokenAuth{User: "reader", Password: "r-secret"}
	dstAuth := &testutil.TokenAuth{User: "robot", Password: "w-secret"}
	src := testutil.NewDistribution(t, testutil.DistributionOptions{}, srcAuth.Wrap)
	dst := testutil.NewDistribution(t, testutil.DistributionOptions{}, dstAuth.Wrap)
	fx := testutil.NewFixture(12, 1<<10)
	ctx := testCtx(t)
	refs := map[string]any{}
	for i := range 6 {
		refs[fmt.Sprintf("t/r%d:v1", i)] = fx.Image(fmt.Sprint(i), 1, 2+i) // layer 1 shared: mounts
	}
	for ref, img := range refs {
		if err := testutil.PushAuth(ctx, src.Host, ref, img, &authn.Basic{Username: "reader", Password: "r-secret"}); err != nil {
			t.Fatal(err)
		}
	}
	pushed := len(srcAuth.Issued())
	s, err := mirror.New(
		mirror.Endpoint{PlainHTTP: true, Registry: src.Host, Auth: &authn.Basic{Username: "reader", Password: "r-secret"}},
		mirror.Endpoint{PlainHTTP: true, Registry: dst.Host, Auth: &authn.Basic{Username: "robot", Password: "w-secret"}},
		mirror.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Apply(ctx, p)
	if err != nil || !rep.OK() {
		t.Fatalf("Apply = %v, %v", rep, err)
	}
	if rep.BlobsMounted == 0 {
		t.Errorf("no mounts through token auth: %v", rep)
	}
	for side, issued := range map[string][][]string{"source": srcAuth.Issued()[pushed:], "destination": dstAuth.Issued()} {
		for _, scopes := range issued {
			// Its own repository, plus the one a mount reads from.
			if len(scopes) > 3 {
				t.Errorf("%s token asked for %d scopes %v: scopes must not pile up", side, len(scopes), scopes)
			}
		}
		// One per repository, one more when a mount first needs another repository's.
		if len(issued) > 3*len(refs)+1 {
			t.Errorf("%s issued %d tokens for %d repositories", side, len(issued), len(refs))
		}
	}
}
