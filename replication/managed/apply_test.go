package managed_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/managed"
)

func harborKinds(as []managed.Action) []managed.ActionKind {
	var ks []managed.ActionKind
	for _, a := range as {
		ks = append(ks, a.Kind)
	}
	return ks
}

func TestPlanApplyConverges(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	nginx := e.push(t, "library/nginx:1.25")
	e.push(t, "library/redis:7")

	plan, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	if got := e.writes(); got != 0 {
		t.Errorf("planning wrote %d times", got)
	}
	want := []managed.ActionKind{managed.EnsureNamespace, managed.CreateEndpoint,
		managed.CreatePolicy, managed.RunExecution}
	if diff := cmp.Diff(want, harborKinds(plan.Actions)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"library/nginx": "dr-ns/nginx", "library/redis": "dr-ns/redis"}, plan.Repositories); diff != "" {
		t.Errorf("repositories (-want +got):\n%s", diff)
	}
	text := plan.String()
	js, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{text, string(js)} {
		if strings.Contains(out, harborACRPassword) {
			t.Errorf("plan output shows the secret: %s", out)
		}
	}
	var back managed.Plan
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(plan.Actions, back.Actions); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}

	var polls []string
	res, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{
		Verify: true,
		Wait:   harbor.WaitOptions{Progress: func(x harbor.Execution) { polls = append(polls, x.Status) }},
	})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if len(polls) == 0 || polls[len(polls)-1] != harbor.StatusSucceed {
		t.Errorf("progress = %v, want ending with %s", polls, harbor.StatusSucceed)
	}
	if diff := cmp.Diff(want, harborKinds(res.Done)); diff != "" {
		t.Errorf("done (-want +got):\n%s", diff)
	}
	if res.Lag == nil || !res.Lag.Complete() || res.Lag.Present != 2 {
		t.Errorf("lag after apply = %v, want complete with 2 tags", res.Lag)
	}
	tags, err := e.tags().TagsOf(ctx, "dr-ns/nginx")
	if err != nil || len(tags) != 1 || tags[0].Digest != nginx {
		t.Errorf("ACR dr-ns/nginx = %v, %v; want 1.25 at %s", tags, err, nginx)
	}

	again, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatalf("Compute after apply: %v", err)
	}
	if again.HasChanges() {
		t.Fatalf("plan after apply has changes:\n%s", again)
	}
	before := e.writes()
	if _, err := again.Apply(ctx, e.clients(), managed.ApplyOptions{}); err != nil {
		t.Fatalf("Apply converged: %v", err)
	}
	// Re-applying the first plan converges too, without a second endpoint or policy.
	if got := e.writes() - before; got != 0 {
		t.Errorf("applying a converged plan wrote %d times", got)
	}
	if _, err := back.Apply(ctx, e.clients(), managed.ApplyOptions{AccessSecret: harborACRPassword}); err != nil {
		t.Fatalf("re-applying the first plan: %v", err)
	}
	regs, _ := e.client.ListRegistries(ctx)
	pols, _ := e.client.ListPolicies(ctx)
	if len(regs) != 1 || len(pols) != 1 {
		t.Errorf("after re-apply: %d endpoints, %d policies; want 1 and 1", len(regs), len(pols))
	}

	// Later pushes replicate through the event trigger, and Verify sees them.
	e.push(t, "library/nginx:1.26")
	v := mustVerifier(t, e.setup(), e.client, e.tags())
	if r, err := v.Verify(ctx); err != nil || !r.Complete() || r.Present != 3 {
		t.Errorf("after an event-triggered push: %v, %v; want 3/3", r, err)
	}
}

func TestPlanDrift(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	e.push(t, "library/nginx:1.25")
	plan, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Someone edits the policy in the UI.
	p, err := e.client.GetPolicy(ctx, res.PolicyID)
	if err != nil {
		t.Fatal(err)
	}
	p.Speed = 1024
	p.DestNamespaceReplaceCount = harbor.FlattenAll
	p.Trigger = harbor.Trigger{Type: harbor.TriggerManual}
	if err := e.client.UpdatePolicy(ctx, *p); err != nil {
		t.Fatal(err)
	}

	drift, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	wantKinds := []managed.ActionKind{managed.UpdatePolicy, managed.RunExecution}
	if diff := cmp.Diff(wantKinds, harborKinds(drift.Actions)); diff != "" {
		t.Fatalf("actions (-want +got):\n%s", diff)
	}
	wantChanges := []managed.FieldChange{
		{Field: "dest_namespace_replace_count", Old: "-1", New: "1"},
		{Field: "trigger", Old: "manual", New: "event_based"},
		{Field: "speed", Old: "1024 kbit/s", New: "unlimited"},
	}
	if diff := cmp.Diff(wantChanges, drift.Actions[0].Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if !strings.Contains(drift.String(), "speed: 1024 kbit/s → unlimited") {
		t.Errorf("plan text does not show the speed change:\n%s", drift)
	}
	if _, err := drift.Apply(ctx, e.clients(), managed.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if again, err := managed.Compute(ctx, e.clients(), e.setup()); err != nil || again.HasChanges() {
		t.Errorf("after fixing the drift: %v, %v", again, err)
	}
}

func TestPlanRefusesBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	flat0 := harbor.FlattenNone
	tests := []struct {
		name  string
		push  []string
		edit  func(*testing.T, *harborEnv, *managed.Setup)
		want  error
		wants string
	}{{
		name: "wrong ACR password",
		push: []string{"library/nginx:1"},
		edit: func(_ *testing.T, _ *harborEnv, s *managed.Setup) {
			s.Endpoint.AccessSecret = "wrong-password"
		},
		want: managed.ErrEndpoint,
	}, {
		name: "namespace missing and not to be created",
		push: []string{"library/nginx:1"},
		edit: func(_ *testing.T, _ *harborEnv, s *managed.Setup) { s.ExistingNamespace = true },
		want: managed.ErrNamespace,
	}, {
		name: "namespace with auto-create off, not to be changed",
		push: []string{"library/nginx:1"},
		edit: func(t *testing.T, e *harborEnv, s *managed.Setup) {
			if err := e.acrSrv.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "dr-ns"}); err != nil {
				t.Fatal(err)
			}
			s.ExistingNamespace = true
		},
		want: managed.ErrNamespace,
	}, {
		name: "three levels without flattening into namespace/repository",
		push: []string{"library/nginx:1", "library/a/b/nginx:1"},
		edit: func(_ *testing.T, _ *harborEnv, s *managed.Setup) {
			s.Flatten = &flat0
			s.MaxDepth = 2 // a target that takes namespace/repository only; ACR EE takes this
		},
		want:  replication.ErrInvalidName,
		wants: "dr-ns/library/a/b/nginx",
	}, {
		name: "two projects collide",
		push: []string{"library/nginx:1", "team/nginx:2"},
		edit: func(t *testing.T, e *harborEnv, s *managed.Setup) {
			e.srv.AddProject("team", false)
			s.Projects = []string{"library", "team"}
		},
		want:  replication.ErrCollision,
		wants: "dr-ns/nginx",
	}, {
		name: "no namespace for several projects",
		edit: func(_ *testing.T, _ *harborEnv, s *managed.Setup) {
			s.Projects = []string{"a", "b"}
			s.Namespace = ""
		},
		want: managed.ErrSetup,
	}, {
		name: "scheduled without cron",
		edit: func(_ *testing.T, _ *harborEnv, s *managed.Setup) { s.Trigger = harbor.TriggerScheduled },
		want: managed.ErrSetup,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newHarborEnv(t)
			ctx := harborCtx(t)
			s := e.setup()
			tt.edit(t, e, &s)
			for _, ref := range tt.push {
				e.push(t, ref)
			}
			plan, err := managed.Compute(ctx, e.clients(), s)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Compute = %v, %v; want error %v", plan, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wants) {
				t.Errorf("error %q does not name %q", err, tt.wants)
			}
			if strings.Contains(err.Error(), harborACRPassword) || strings.Contains(err.Error(), "wrong-password") {
				t.Errorf("error shows a secret: %v", err)
			}
			if got := e.writes(); got != 0 {
				t.Errorf("%d writes before refusing", got)
			}
			if regs, _ := e.client.ListRegistries(ctx); len(regs) != 0 {
				t.Errorf("endpoints created: %v", regs)
			}
		})
	}
}

func TestPolicyFieldsRoundTrip(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	e.push(t, "library/nginx:1.25")
	e.push(t, "library/nginx:dev")
	all := harbor.FlattenAll
	s := e.setup()
	s.Trigger, s.Cron = harbor.TriggerScheduled, "0 0 3 * * *"
	s.Flatten = &all
	s.BytesPerSecond = 5 << 20
	s.Override = true
	s.Filters = []replication.Filter{
		{Kind: replication.FilterTag, Pattern: "dev", Decoration: replication.Excludes},
		{Kind: replication.FilterResource, Pattern: "image"},
	}
	plan, err := managed.Compute(ctx, e.clients(), s)
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{Verify: true})
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	p, err := e.client.GetPolicy(ctx, res.PolicyID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Speed != 40960 || p.Trigger.Cron != "0 0 3 * * *" || p.DestNamespaceReplaceCount != -1 || !p.Override || len(p.Filters) != 3 {
		t.Errorf("stored policy = %+v", p)
	}
	if res.Lag.Expected != 1 || len(res.Lag.Extra) != 0 {
		t.Errorf("lag = %v, want only nginx:1.25 expected", res.Lag)
	}
	again, err := managed.Compute(ctx, e.clients(), s)
	if err != nil || again.HasChanges() {
		t.Errorf("second plan: %v, %v", again, err)
	}
}

func TestPlanFixesNamespace(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	if err := e.acrSrv.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "dr-ns", DefaultRepoType: "PUBLIC"}); err != nil {
		t.Fatal(err)
	}
	e.push(t, "library/nginx:1.25")
	plan, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	want := managed.Action{Kind: managed.EnsureNamespace, Name: "dr-ns", Reason: "namespace differs",
		Changes: []managed.FieldChange{
			{Field: "auto_create_repo", Old: "false", New: "true"},
			{Field: "default_repo_type", Old: "PUBLIC", New: "PRIVATE"},
		}}
	if diff := cmp.Diff(want, plan.Actions[0]); diff != "" {
		t.Fatalf("first action (-want +got):\n%s", diff)
	}
	if _, err := plan.Apply(ctx, e.clients(), managed.ApplyOptions{Verify: true}); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	got := e.acrSrv.Namespaces(acrtest.DefaultInstanceID)
	if diff := cmp.Diff([]acrtest.Namespace{{Name: "dr-ns", AutoCreateRepo: true, DefaultRepoType: "PRIVATE"}}, got); diff != "" {
		t.Errorf("namespaces (-want +got):\n%s", diff)
	}
}

// TestApplyVerifyNeedsTags: Apply asked to verify, without a way to list ACR EE,
// refuses before any write instead of reporting an unverified copy as done.
func TestApplyVerifyNeedsTags(t *testing.T) {
	t.Parallel()
	e := newHarborEnv(t)
	ctx := harborCtx(t)
	e.push(t, "library/nginx:1.25")
	plan, err := managed.Compute(ctx, e.clients(), e.setup())
	if err != nil {
		t.Fatal(err)
	}
	c := e.clients()
	c.Tags = nil
	res, err := plan.Apply(ctx, c, managed.ApplyOptions{Verify: true})
	if !errors.Is(err, managed.ErrSetup) || res == nil || len(res.Done) != 0 || res.Lag != nil {
		t.Errorf("Apply(Verify, no Tags) = %+v, %v; want ErrSetup and nothing done", res, err)
	}
	if n := e.writes(); n != 0 {
		t.Errorf("%d writes before refusing, want 0", n)
	}
}
