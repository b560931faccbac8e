package harbortest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/harbor/harbortest"
)

// TestStart: one line gives a logged-in client and a server to push to; the options
// apply (here a second administrator and a project).
func TestStart(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, srv := harbortest.Start(t, harbortest.WithAdmin("root", "s3cret"), harbortest.WithProject("team", false))
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") || srv.Host() != strings.TrimPrefix(srv.URL(), "http://") {
		t.Fatalf("URL() = %q, Host() = %q; want a loopback server", srv.URL(), srv.Host())
	}
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(srv.Host() + "/team/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, remote.WithContext(ctx), remote.WithAuth(&authn.Basic{Username: "root", Password: "s3cret"})); err != nil {
		t.Fatalf("pushing to %s: %v", ref, err)
	}
	// The client is the administrator: listing policies needs that, and it sees the
	// private project's artifact.
	if _, err := c.ListPolicies(ctx); err != nil {
		t.Errorf("ListPolicies as the Start client = %v", err)
	}
	if arts, err := c.ListArtifacts(ctx, "team/app"); err != nil || len(arts) != 1 {
		t.Errorf("ListArtifacts(team/app) = %d artifacts, %v; want 1", len(arts), err)
	}
}

// fatalTB records Fatalf instead of ending the test, to check Start refuses bad options.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = format
	panic(f)
}

func (f *fatalTB) Helper() {}

// TestStartRefusesInvalidOption: Start fails the test on an option that refuses its
// value, rather than starting a server that ignores it.
func TestStartRefusesInvalidOption(t *testing.T) {
	t.Parallel()
	tb := &fatalTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != tb {
				panic(r)
			}
		}()
		harbortest.Start(tb, harbortest.WithClock(nil))
	}()
	if tb.msg == "" {
		t.Fatal("Start(WithClock(nil)) did not fail the test")
	}
}
