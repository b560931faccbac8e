package managed_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/managed"
)

func TestVerifyLag(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	s := e.setup()
	s.Trigger = harbor.TriggerManual // pushes after the first run stay in Harbor only
	e.push(t, "library/nginx:1.25")
	e.push(t, "library/redis:7")
	plan, err := managed.Compute(ctx, e.clients(), s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}

	late := e.push(t, "library/nginx:1.26")                // missing
	moved := e.push(t, "library/redis:7")                  // stale: ACR still has the old 7
	other := testutil.NewFixture(9, 256).Image("extra", 0) // extra: only in ACR
	if err := testutil.PushAuth(ctx, e.acrHost, "dr-ns/nginx:hotfix", other, e.acrEndpoint().Auth); err != nil {
		t.Fatal(err)
	}
	art, err := e.client.GetArtifact(ctx, "library/nginx", "1.26")
	if err != nil {
		t.Fatal(err)
	}
	clock := testutil.NewClock(art.PushTime.Add(90 * time.Minute))
	v := mustVerifier(t, s, e.client, e.tags())
	v.Clock = clock
	r, err := v.Verify(ctx)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	ignore := cmpopts.IgnoreFields(lag.Artifact{}, "PushTime", "DestDigest")
	if diff := cmp.Diff([]lag.Artifact{{Source: "library/nginx", Dest: "dr-ns/nginx", Tag: "1.26", Digest: late}}, r.Missing, ignore); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]lag.Artifact{{Source: "library/redis", Dest: "dr-ns/redis", Tag: "7", Digest: moved}}, r.Stale, ignore); diff != "" {
		t.Errorf("stale (-want +got):\n%s", diff)
	}
	if len(r.Extra) != 1 || r.Extra[0].Tag != "hotfix" {
		t.Errorf("extra = %+v, want dr-ns/nginx:hotfix", r.Extra)
	}
	if r.Expected != 3 || r.Present != 1 || r.Complete() {
		t.Errorf("report = %v, want 1/3 present", r)
	}
	// redis:7 was re-pushed after nginx:1.26, so the oldest gap is nginx:1.26's.
	if r.OldestMissing != 90*time.Minute {
		t.Errorf("OldestMissing = %v, want 1h30m", r.OldestMissing)
	}

	// failover consults it: a 1 h budget refuses, the summary converts to failover.Lag.
	lag := failover.LagFunc(func(ctx context.Context) (failover.Lag, error) {
		s, err := v.Lag(ctx)
		return failover.Lag(s), err
	})
	got, err := lag.Lag(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(failover.Lag{Missing: 1, Stale: 1, OldestMissing: 90 * time.Minute, CheckedAt: clock.Now()}, got); diff != "" {
		t.Errorf("failover.Lag (-want +got):\n%s", diff)
	}

	// The next plan sees the lag and runs the policy again; then ACR EE is complete.
	next, err := managed.Compute(ctx, e.clients(), s)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]managed.ActionKind{managed.RunExecution}, harborKinds(next.Actions)); diff != "" {
		t.Fatalf("actions (-want +got):\n%s", diff)
	}
	s.Override = true
	next, err = managed.Compute(ctx, e.clients(), s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := next.Apply(ctx, e.clients(), managed.ApplyOptions{Verify: true}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if r, err := v.Verify(ctx); err != nil || len(r.Missing)+len(r.Stale) != 0 || r.OldestMissing != 0 {
		t.Errorf("after the run: %v, %v", r, err)
	}
}

func TestVerifyNeedsClients(t *testing.T) {
	t.Parallel()
	_, err := (&lag.Verifier{}).Verify(context.Background())
	if !errors.Is(err, lag.ErrInvalidVerifier) {
		t.Errorf("Verify without clients = %v, want ErrInvalidVerifier", err)
	}
}

func TestVerifyExtraRepository(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	e.push(t, "library/nginx:1.25")
	plan, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	// An image pushed straight into ACR EE: an extra repository Harbor does not have.
	if err := testutil.PushAuth(ctx, e.acrHost, "dr-ns/only-in-acr:1", e.fx.Image("acr-only", 0), e.acrEndpoint().Auth); err != nil {
		t.Fatal(err)
	}
	r, err := mustVerifier(t, e.setup(), e.client, e.tags()).Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete() || len(r.Extra) != 1 || r.Extra[0].Dest != "dr-ns/only-in-acr" || r.Extra[0].Source != "" {
		t.Errorf("report = %v, extra %+v; want complete with dr-ns/only-in-acr:1 extra", r, r.Extra)
	}
}

// A cosign signature (sha256-<hex>.sig) and the OCI referrers fallback tag (sha256-<hex>)
// are accessories of the image they name, which Harbor does not list as tags: in ACR EE
// they are not extra. The same tag form naming no artifact of the repository is.
func TestVerifyAccessoryTagsAreNotExtra(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	digest := e.push(t, "library/nginx:1.25")
	plan, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	hex := digest[len("sha256:"):]
	orphan := "sha256-" + strings.Repeat("0", 64) + ".sig"
	for i, tag := range []string{"sha256-" + hex + ".sig", "sha256-" + hex, orphan} {
		if err := testutil.PushAuth(ctx, e.acrHost, "dr-ns/nginx:"+tag, e.fx.Image(fmt.Sprint("accessory", i), 0), e.acrEndpoint().Auth); err != nil {
			t.Fatal(err)
		}
	}
	r, err := mustVerifier(t, e.setup(), e.client, e.tags()).Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete() || len(r.Extra) != 1 || r.Extra[0].Tag != orphan {
		t.Errorf("report = %v, extra %+v; want complete with only %s extra", r, r.Extra, orphan)
	}
}

// A signature is part of what a failover must not lose: the Verifier looks for the
// accessories Harbor lists — a cosign signature by its tag's digest, one attached by OCI
// subject by digest (registry) or by the referrers fallback tag (OpenAPI) — and reports
// those ACR EE lacks as missing.
func TestVerifyAccessories(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	s := e.setup()
	s.Trigger = harbor.TriggerManual // what is pushed after a run stays in Harbor only
	harborAuth := e.harborEndpoint().Auth
	digest := e.push(t, "library/nginx:1.25")
	subject := testutil.Descriptor(e.fx.Image("library/nginx:1.25#1", 0)) // what e.push pushed
	if subject.Digest.String() != digest {
		t.Fatalf("fixture drifted: %s != %s", subject.Digest, digest)
	}
	plan, err := managed.Compute(ctx, e.clients(), s)
	if err != nil {
		t.Fatal(err)
	}
	run := func() {
		t.Helper()
		if _, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	run()
	byAPI := mustVerifier(t, s, e.client, e.tags())
	byRegistry := mustVerifier(t, s, e.client, lag.NewRegistryTagLister(e.acrEndpoint()))
	both := map[string]*lag.Verifier{"OpenAPI": byAPI, "registry": byRegistry}
	missing := func(name string, v *lag.Verifier, sig v1.Image, of int) {
		t.Helper()
		r, err := v.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r.Accessories != of || len(r.MissingAccessories) != 1 || r.Complete() || r.Summary().Missing != 1 ||
			!strings.Contains(r.String(), fmt.Sprintf("%d/%d accessories", of-1, of)) {
			t.Fatalf("%s, a signature not replicated: %v, missing accessories %+v; want 1 of %d missing, incomplete", name, r, r.MissingAccessories, of)
		}
		m := r.MissingAccessories[0]
		if m.Digest != testutil.Descriptor(sig).Digest.String() || m.Subject != digest || m.Tag != "1.25" || m.Dest != "dr-ns/nginx" || m.Accessory == "" {
			t.Errorf("%s: missing accessory %+v", name, m)
		}
	}
	complete := func(name string, v *lag.Verifier, of int) {
		t.Helper()
		r, err := v.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Complete() || r.Accessories != of || !strings.Contains(r.String(), fmt.Sprintf("%d/%d accessories", of, of)) {
			t.Errorf("%s: %v with %d accessories; want complete with %d/%d", name, r, r.Accessories, of, of)
		}
	}

	// A cosign signature pushed after the run: missing, by either path.
	cosign := e.fx.Signature(subject, "cosign")
	if err := testutil.PushAuth(ctx, e.harborHost(), "library/nginx:sha256-"+subject.Digest.Hex+".sig", cosign, harborAuth); err != nil {
		t.Fatal(err)
	}
	for name, v := range both {
		missing(name, v, cosign, 1)
	}
	run()
	for name, v := range both {
		complete(name, v, 1)
	}

	// A notation-style signature attached by subject, pushed after the run: missing. Only
	// the registry can tell: through the OpenAPI the subject's referrers fallback tag is
	// all there is to see, and it is there (the cosign signature has the same subject).
	notation := e.fx.Signature(subject, "notation")
	if err := testutil.PushAuth(ctx, e.harborHost(), "library/nginx@"+testutil.Descriptor(notation).Digest.String(), notation, harborAuth); err != nil {
		t.Fatal(err)
	}
	missing("registry", byRegistry, notation, 2)
	complete("OpenAPI (cannot see untagged manifests)", byAPI, 2)
	run()
	complete("registry", byRegistry, 2)
}
