package acr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
)

func TestSyncRulesAndTasks(t *testing.T) {
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
	for _, tag := range []string{"1.0", "2.0"} {
		if _, err := push(t, e, "test-project/nginx:"+tag, a); err != nil {
			t.Fatal(err)
		}
	}
	spec := acr.SyncRuleSpec{Name: "to-shanghai", Namespace: "test-project", Repo: "nginx", TargetRegion: "cn-shanghai",
		TargetInstanceID: "cri-dr", TargetNamespace: "dr-project"}
	if _, err := e.client.CreateSyncRule(ctx, acr.SyncRuleSpec{Name: "x", Namespace: "test-project"}); !errors.Is(err, acr.ErrInvalidArgument) {
		t.Errorf("CreateSyncRule without a target = %v, want ErrInvalidArgument", err)
	}
	id, err := e.client.CreateSyncRule(ctx, spec)
	if err != nil {
		t.Fatalf("CreateSyncRule: %v", err)
	}
	if _, err := e.client.CreateSyncRule(ctx, spec); !errors.Is(err, acr.ErrConflict) {
		t.Errorf("CreateSyncRule again = %v, want ErrConflict", err)
	}
	rules, err := e.client.ListSyncRules(ctx, "test-project")
	if err != nil {
		t.Fatal(err)
	}
	wantRule := []acr.SyncRule{{ID: id, Name: "to-shanghai", Scope: "REPO", Trigger: "PASSIVE", TagFilter: ".*", Direction: "FROM",
		Namespace: "test-project", Repo: "nginx", TargetRegion: "cn-shanghai", TargetInstanceID: "cri-dr",
		TargetNamespace: "dr-project", TargetRepo: "nginx"}}
	if diff := cmp.Diff(wantRule, rules, cmpopts.IgnoreFields(acr.SyncRule{}, "Created")); diff != "" {
		t.Errorf("ListSyncRules (-want +got):\n%s", diff)
	}
	tasks, err := e.client.ListSyncTasks(ctx, acr.SyncTaskFilter{Namespace: "test-project", Repo: "nginx"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range tasks {
		got = append(got, fmt.Sprintf("%s %s/%s:%s -> %s/%s/%s:%s", tk.Status, tk.From.Namespace, tk.From.Repo, tk.From.Tag,
			tk.To.InstanceID, tk.To.Namespace, tk.To.Repo, tk.To.Tag))
	}
	want := []string{"SUCCESS test-project/nginx:1.0 -> cri-dr/dr-project/nginx:1.0", "SUCCESS test-project/nginx:2.0 -> cri-dr/dr-project/nginx:2.0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListSyncTasks (-want +got):\n%s", diff)
	}
	one, err := e.client.GetSyncTask(ctx, tasks[0].ID)
	if err != nil || one.Progress != 1 || one.RuleID != id {
		t.Errorf("GetSyncTask = %+v, %v; want progress 1 (succeeded) of rule %s", one, err, id)
	}
	if _, err := e.client.GetSyncTask(ctx, "rst-missing"); !errors.Is(err, acr.ErrNotFound) {
		t.Errorf("GetSyncTask(missing) = %v, want ErrNotFound", err)
	}
}

// TestSyncRulePages checks the numeric TotalCount of ListRepoSyncRule across pages.
func TestSyncRulePages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	if err := e.srv.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "ns"}); err != nil {
		t.Fatal(err)
	}
	for i := range 51 {
		if _, err := e.client.CreateSyncRule(ctx, acr.SyncRuleSpec{Name: fmt.Sprintf("r%02d", i), Namespace: "ns",
			TargetRegion: "cn-beijing", TargetInstanceID: "cri-b", TargetNamespace: "ns"}); err != nil {
			t.Fatal(err)
		}
	}
	rules, err := e.client.ListSyncRules(ctx, "")
	if err != nil || len(rules) != 51 {
		t.Fatalf("ListSyncRules = %d rules, %v; want 51", len(rules), err)
	}
	if n := e.srv.CallCount("ListRepoSyncRule"); n != 2 {
		t.Errorf("ListRepoSyncRule calls = %d, want 2", n)
	}
	if _, err := e.srv.AddSyncTask(acrtest.DefaultInstanceID, acrtest.SyncTask{Status: "FAILED", Namespace: "ns", Repo: "a", Tag: "t"}); err != nil {
		t.Fatal(err)
	}
	tasks, err := e.client.ListSyncTasks(ctx, acr.SyncTaskFilter{})
	if err != nil || len(tasks) != 1 || tasks[0].Status != "FAILED" {
		t.Errorf("ListSyncTasks = %+v, %v; want one FAILED task", tasks, err)
	}
}
