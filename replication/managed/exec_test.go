package managed_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/managed"
)

func TestApplyFailedExecution(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	e.push(t, "library/nginx:1.25")
	e.push(t, "library/redis:7")
	e.srv.FailTasks("library/redis", true)
	plan, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{})
	var xe *managed.ExecutionError
	if !errors.As(err, &xe) || !errors.Is(err, managed.ErrExecution) || !errors.Is(err, harbor.ErrExecutionFailed) {
		t.Fatalf("Apply = %v, want a *ExecutionError matching ErrExecution and harbor.ErrExecutionFailed", err)
	}
	if len(xe.FailedTasks) != 1 || !strings.HasPrefix(xe.FailedTasks[0].SrcResource, "library/redis") {
		t.Errorf("failed tasks = %+v, want library/redis's", xe.FailedTasks)
	}
	var ae *managed.ActionError
	if !errors.As(err, &ae) || ae.Action.Kind != managed.RunExecution || len(ae.Done) != 3 {
		t.Errorf("action error = %+v, want run-execution after 3 actions", ae)
	}
	if res.Execution == nil || res.Execution.Status != harbor.StatusFailed || res.PolicyID == 0 {
		t.Errorf("result = %+v", res)
	}

	// The policy exists now, but no execution succeeded: the next plan runs it again.
	e.srv.FailTasks("library/redis", false)
	next, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]managed.ActionKind{managed.RunExecution}, harborKinds(next.Actions)); diff != "" {
		t.Fatalf("actions (-want +got):\n%s", diff)
	}
	if _, err := next.Apply(ctx, e.clients(), managed.ApplyOptions{Verify: true}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func TestApplyStopsAtFailedPrerequisite(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	e.push(t, "library/nginx:1.25")
	plan, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	e.srv.SetEndpointDown(e.acrReg.URL, true) // ACR EE becomes unreachable from Harbor
	_, err = plan.Apply(ctx, e.clients(), managed.ApplyOptions{})
	var ae *managed.ActionError
	if !errors.As(err, &ae) || ae.Action.Kind != managed.CreateEndpoint || !errors.Is(err, harbor.ErrBadRequest) {
		t.Fatalf("Apply = %v, want create-endpoint refused by Harbor", err)
	}
	if diff := cmp.Diff([]managed.ActionKind{managed.EnsureNamespace}, harborKinds(ae.Done)); diff != "" {
		t.Errorf("done (-want +got):\n%s", diff)
	}
	if pols, _ := e.client.ListPolicies(ctx); len(pols) != 0 {
		t.Errorf("policies created after a failed prerequisite: %v", pols)
	}
	if strings.Contains(err.Error(), harborACRPassword) {
		t.Errorf("error shows the secret: %v", err)
	}
}

func TestApplyNeedsSecretAfterJSON(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	plan, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	var back managed.Plan
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if _, err := back.Apply(ctx, e.clients(), managed.ApplyOptions{}); !errors.Is(err, managed.ErrSecret) {
		t.Fatalf("Apply without the secret = %v, want ErrSecret", err)
	}
	if got := e.writes(); got != 0 {
		t.Errorf("%d writes before refusing", got)
	}
	if _, err := back.Apply(ctx, e.clients(), managed.ApplyOptions{AccessSecret: harborACRPassword}); err != nil {
		t.Fatalf("Apply with the secret: %v", err)
	}
}

func TestApplyDirect(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	nginx := e.push(t, "library/nginx:1.25")
	e.push(t, "library/redis:7")
	e.push(t, "library/redis:8")
	plan, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{
		Verify: true,
		Direct: &managed.Direct{Source: e.harborEndpoint(), Dest: e.acrEndpoint()},
	})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if res.Sync == nil || res.Sync.Copied != 3 || !res.Sync.OK() {
		t.Errorf("sync report = %v, want 3 copied", res.Sync)
	}
	if res.Execution != nil || len(e.srv.Executions()) != 0 {
		t.Errorf("Harbor ran an execution: %+v", e.srv.Executions())
	}
	if res.Lag == nil || !res.Lag.Complete() || res.Lag.Present != 3 {
		t.Errorf("lag = %v, want complete", res.Lag)
	}
	tags, err := e.tags().TagsOf(ctx, "dr-ns/nginx")
	if err != nil || len(tags) != 1 || tags[0].Digest != nginx {
		t.Errorf("ACR dr-ns/nginx = %v, %v", tags, err)
	}
	// The registry's view (tags/list + HEAD) agrees with ListRepoTag's.
	byRegistry, err := lag.NewRegistryTagLister(e.acrEndpoint()).TagsOf(ctx, "dr-ns/nginx")
	if err != nil || len(byRegistry) != 1 || byRegistry[0].Name != "1.25" || byRegistry[0].Digest != nginx {
		t.Errorf("registry dr-ns/nginx = %v, %v", byRegistry, err)
	}
	if none, err := lag.NewRegistryTagLister(e.acrEndpoint()).TagsOf(ctx, "dr-ns/absent"); err != nil || len(none) != 0 {
		t.Errorf("registry dr-ns/absent = %v, %v; want no tags", none, err)
	}
	// The policy is in place for later pushes, and ACR EE is complete: nothing to do.
	again, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	if again.HasChanges() {
		t.Errorf("plan after a direct apply:\n%s", again)
	}
	// Without a way to list ACR EE, the plan goes by Harbor's records: no execution succeeded.
	c := e.clients()
	c.Tags = nil
	blind, err := managed.Compute(ctx, c, e.setup())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]managed.ActionKind{managed.RunExecution}, harborKinds(blind.Actions)); diff != "" {
		t.Errorf("actions without Tags (-want +got):\n%s", diff)
	}
}

func TestApplyWaitsWithProgress(t *testing.T) {
	t.Parallel()
	e := newHarborEnvAsync(t)
	ctx := harborCtx(t)
	e.push(t, "library/nginx:1.25")
	plan, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	release := e.srv.HoldExecutions()
	clock := testutil.NewClock(time.Time{})
	progress := make(chan harbor.Execution, 16)
	var logs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{
			Wait:   harbor.WaitOptions{Interval: time.Minute, Clock: clock, Progress: func(x harbor.Execution) { progress <- x }},
			Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		})
		done <- err
	}()
	if x := <-progress; x.Status != harbor.StatusInProgress {
		t.Fatalf("first progress = %s, want %s", x.Status, harbor.StatusInProgress)
	}
	release()
	if err := e.srv.WaitExecutions(ctx); err != nil {
		t.Fatal(err)
	}
	if !clock.WaitForWaiters(1, 10*time.Second) {
		t.Fatal("Apply is not waiting on the clock")
	}
	clock.Advance(time.Minute)
	if x := <-progress; x.Status != harbor.StatusSucceed {
		t.Errorf("last progress = %s, want %s", x.Status, harbor.StatusSucceed)
	}
	if err := <-done; err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !strings.Contains(logs.String(), "create-policy") || strings.Contains(logs.String(), harborACRPassword) {
		t.Errorf("logs (want actions, no secret):\n%s", logs.String())
	}
}

func TestSyncSourceReferrers(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	img := e.fx.Image("signed", 0)
	auth := e.harborEndpoint().Auth
	if err := testutil.PushAuth(ctx, e.harborHost(), "library/app:1", img, auth); err != nil {
		t.Fatal(err)
	}
	sig := e.fx.Signature(testutil.Descriptor(img), "signed by ci")
	sigDigest := testutil.Descriptor(sig).Digest.String()
	if err := testutil.PushAuth(ctx, e.harborHost(), "library/app@"+sigDigest, sig, auth); err != nil {
		t.Fatal(err)
	}
	src := &managed.Source{Harbor: e.client, Setup: e.setup()}
	repos, err := src.Repositories(ctx)
	if err != nil || !cmp.Equal(repos, []string{"library/app"}) {
		t.Fatalf("Repositories = %v, %v", repos, err)
	}
	tags, err := src.Tags(ctx, "library/app")
	if err != nil || len(tags) != 1 || tags[0].Digest != testutil.Descriptor(img).Digest.String() {
		t.Fatalf("Tags = %+v, %v", tags, err)
	}
	refs, err := src.Referrers(ctx, "library/app", tags[0].Digest)
	if err != nil || !cmp.Equal(refs, []string{sigDigest}) {
		t.Errorf("Referrers = %v, %v; want [%s]", refs, err, sigDigest)
	}

	plan, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{
		Direct: &managed.Direct{Source: e.harborEndpoint(), Dest: e.acrEndpoint()},
	})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if res.Sync.Copied != 2 {
		t.Errorf("sync = %v, want the image and its signature copied", res.Sync)
	}
}

func TestApplyDirectLabels(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	e.push(t, "library/nginx:1.25")
	e.push(t, "library/redis:7")
	if err := e.srv.AddLabel("library/nginx", "1.25", "dr"); err != nil {
		t.Fatal(err)
	}
	s := e.setup()
	s.Filters = []replication.Filter{{Kind: replication.FilterLabel, Labels: []string{"dr"}}}
	plan, err := managed.Compute(ctx, e.clients(), s)
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{
		Verify: true,
		Direct: &managed.Direct{Source: e.harborEndpoint(), Dest: e.acrEndpoint()},
	})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if res.Sync.Copied != 1 || res.Lag.Expected != 1 || !res.Lag.Complete() {
		t.Errorf("sync %v, lag %v; want only the labelled nginx:1.25", res.Sync, res.Lag)
	}
	if got := e.acrSrv.Repositories(acrtest.DefaultInstanceID); !cmp.Equal(got, []string{"dr-ns/nginx"}) {
		t.Errorf("ACR repositories = %v, want [dr-ns/nginx]", got)
	}
}
