package harbor_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
)

// digestAt returns the digest of ref in the registry at registryURL, or "".
func digestAt(t *testing.T, registryURL, ref string, opts ...remote.Option) string {
	t.Helper()
	r, err := name.ParseReference(strings.TrimPrefix(strings.TrimPrefix(registryURL, "http://"), "https://") + "/" + ref)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Head(r, opts...)
	if err != nil {
		return ""
	}
	return d.Digest.String()
}

func TestManualExecutionFlattensAndFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	regID, destURL := e.withEndpoint(t)
	nginx := e.push(t, "library/a/nginx", "1.25")
	e.push(t, "library/a/nginx", "dev")
	redis := e.push(t, "library/b/c/redis", "7")
	e.push(t, "library/skip/me", "1")
	e.AddProject(t, "other")
	e.push(t, "other/x", "1")

	id, err := e.client.CreatePolicy(ctx, harbor.Policy{
		Name: "flatten-1", DestRegistryID: regID, DestNamespace: "acr-ns", DestNamespaceReplaceCount: harbor.Flatten1Level,
		Filters: []harbor.Filter{
			// Harbor's name filters cannot exclude (only tag and label filters
			// take a decoration): leave library/skip out with the glob.
			{Type: harbor.FilterName, Value: "library/{a,b}/**"},
			{Type: harbor.FilterTag, Value: "dev", Decoration: harbor.DecorationExcludes},
		},
		Trigger: harbor.Trigger{Type: harbor.TriggerManual}, Enabled: true, Override: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	execID, err := e.client.StartExecution(ctx, id)
	if err != nil {
		t.Fatalf("StartExecution: %v", err)
	}
	if err := e.srv.WaitExecutions(ctx); err != nil {
		t.Fatal(err)
	}
	var seen []string
	ex, err := e.client.Wait(ctx, execID, harbor.WaitOptions{Progress: func(x harbor.Execution) { seen = append(seen, x.Status) }})
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if ex.Status != harbor.StatusSucceed || ex.Total != 2 || ex.Succeed != 2 || ex.Trigger != "manual" || ex.EndTime.IsZero() {
		t.Errorf("execution = %+v, want Succeed with 2 of 2 tasks", ex)
	}
	if !cmp.Equal(seen, []string{harbor.StatusSucceed}) {
		t.Errorf("progress saw %v", seen)
	}
	nd, _ := nginx.Digest()
	rd, _ := redis.Digest()
	for ref, want := range map[string]string{
		"acr-ns/a/nginx:1.25": nd.String(),
		"acr-ns/b/c/redis:7":  rd.String(),
		"acr-ns/a/nginx:dev":  "", // excluded by the tag filter
		"acr-ns/skip/me:1":    "", // excluded by the name filter
		"acr-ns/x:1":          "", // other project
	} {
		if got := digestAt(t, destURL, ref); got != want {
			t.Errorf("destination %s = %q, want %q", ref, got, want)
		}
	}
	tasks, err := e.client.ListTasks(ctx, execID)
	if err != nil {
		t.Fatal(err)
	}
	var res []string
	for _, tk := range tasks {
		res = append(res, tk.SrcResource+" -> "+tk.DstResource+" "+tk.Status)
	}
	want := []string{"library/a/nginx:[1.25] -> acr-ns/a/nginx:[1.25] Succeed", "library/b/c/redis:[7] -> acr-ns/b/c/redis:[7] Succeed"}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("tasks (-want +got):\n%s", diff)
	}
	log, err := e.client.TaskLog(ctx, execID, tasks[0].ID)
	if err != nil || !strings.Contains(log, "copied library/a/nginx:1.25") {
		t.Errorf("TaskLog = %q, %v", log, err)
	}
	list, err := e.client.ListExecutions(ctx, id)
	if err != nil || len(list) != 1 || list[0].ID != execID {
		t.Errorf("ListExecutions = %+v, %v", list, err)
	}
}

// AddProject creates a project through the API.
func (e *env) AddProject(t *testing.T, name string) {
	t.Helper()
	if _, err := e.client.CreateProject(ctxT(t), name, false); err != nil {
		t.Fatal(err)
	}
}

func TestEventBasedReplicatesOnPush(t *testing.T) {
	t.Parallel()
	e := newEnv(t, harbortest.WithSyncExecutions())
	ctx := ctxT(t)
	// The destination is another Harbor: replication logs in with the endpoint's credential.
	dest := newEnv(t)
	dest.AddProject(t, "acr-ns")
	regID, err := e.client.CreateRegistry(ctx, harbor.Registry{Name: "dr", Type: harbor.TypeHarbor, URL: dest.http.URL,
		Credential: &harbor.Credential{AccessKey: admin, AccessSecret: password}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreatePolicy(ctx, harbor.Policy{Name: "on-push", DestRegistryID: regID, DestNamespace: "acr-ns",
		DestNamespaceReplaceCount: harbor.FlattenAll, Trigger: harbor.Trigger{Type: harbor.TriggerEventBased}, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	img := e.push(t, "library/team/app", "v1")
	d, _ := img.Digest()
	auth := remote.WithAuth(&authn.Basic{Username: admin, Password: password})
	if got := digestAt(t, dest.http.URL, "acr-ns/app:v1", auth); got != d.String() {
		t.Errorf("after push, destination acr-ns/app:v1 = %q, want %s", got, d)
	}
	execs := e.srv.Executions()
	if len(execs) != 1 || execs[0].Trigger != "event_based" || execs[0].Status != harbor.StatusSucceed {
		t.Errorf("executions = %+v, want one event_based Succeed", execs)
	}
}

func TestExecutionFailures(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	regID, destURL := e.withEndpoint(t)
	e.push(t, "library/ok", "1")
	e.push(t, "library/bad", "1")
	pid, err := e.client.CreatePolicy(ctx, harbor.Policy{Name: "p", DestRegistryID: regID, DestNamespace: "ns", DestNamespaceReplaceCount: harbor.FlattenAll, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	run := func() (*harbor.Execution, error) {
		id, err := e.client.StartExecution(ctx, pid)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.srv.WaitExecutions(ctx); err != nil {
			t.Fatal(err)
		}
		return e.client.Wait(ctx, id, harbor.WaitOptions{})
	}

	e.srv.FailTasks("library/bad", true)
	ex, err := run()
	if !errors.Is(err, harbor.ErrExecutionFailed) || ex.Failed != 1 || ex.Succeed != 1 {
		t.Errorf("with a failing task: %+v, %v; want Failed with 1 failed, 1 succeeded", ex, err)
	}
	tasks, _ := e.client.ListTasks(ctx, ex.ID)
	for _, tk := range tasks {
		if tk.Status == "Failed" {
			if log, _ := e.client.TaskLog(ctx, ex.ID, tk.ID); !strings.Contains(log, "injected failure") {
				t.Errorf("failed task log = %q", log)
			}
		}
	}
	e.srv.FailTasks("library/bad", false)

	e.srv.SetEndpointDown(destURL, true)
	ex, err = run()
	if !errors.Is(err, harbor.ErrExecutionFailed) || ex.Failed != 2 {
		t.Errorf("with the endpoint down: %+v, %v; want Failed with 2 failed", ex, err)
	}
	e.srv.SetEndpointDown(destURL, false)
	if ex, err = run(); err != nil || ex.Status != harbor.StatusSucceed {
		t.Errorf("after recovery: %+v, %v; want Succeed", ex, err)
	}

	// A disabled policy cannot be started.
	p, _ := e.client.GetPolicy(ctx, pid)
	p.Enabled = false
	if err := e.client.UpdatePolicy(ctx, *p); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.StartExecution(ctx, pid); !errors.Is(err, harbor.ErrBadRequest) {
		t.Errorf("StartExecution(disabled) = %v, want ErrBadRequest (412)", err)
	}
}

func TestWaitWithFakeClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	regID, _ := e.withEndpoint(t)
	e.push(t, "library/nginx", "1")
	pid, err := e.client.CreatePolicy(ctx, harbor.Policy{Name: "p", DestRegistryID: regID, DestNamespace: "ns", DestNamespaceReplaceCount: harbor.FlattenAll, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	release := e.srv.HoldExecutions()
	id, err := e.client.StartExecution(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	clock := clocktest.NewFake(time.Time{})
	var mu sync.Mutex
	var seen []string
	type result struct {
		ex  *harbor.Execution
		err error
	}
	done := make(chan result, 1)
	go func() {
		ex, err := e.client.Wait(ctx, id, harbor.WaitOptions{Interval: 5 * time.Second, Clock: clock, Progress: func(x harbor.Execution) {
			mu.Lock()
			seen = append(seen, x.Status)
			mu.Unlock()
		}})
		done <- result{ex, err}
	}()
	if !clock.WaitForWaiters(1, 10*time.Second) {
		t.Fatal("Wait never polled")
	}
	release()
	if err := e.srv.WaitExecutions(ctx); err != nil {
		t.Fatal(err)
	}
	clock.Advance(5 * time.Second)
	r := <-done
	if r.err != nil || r.ex.Status != harbor.StatusSucceed {
		t.Fatalf("Wait = %+v, %v; want Succeed", r.ex, r.err)
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff([]string{harbor.StatusInProgress, harbor.StatusSucceed}, seen); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
}

func TestStopAndWaitCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxT(t)
	regID, _ := e.withEndpoint(t)
	e.push(t, "library/nginx", "1")
	pid, err := e.client.CreatePolicy(ctx, harbor.Policy{Name: "p", DestRegistryID: regID, DestNamespace: "ns", DestNamespaceReplaceCount: harbor.FlattenAll, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	release := e.srv.HoldExecutions()
	defer release()
	id, err := e.client.StartExecution(ctx, pid)
	if err != nil {
		t.Fatal(err)
	}
	// Wait honours its context.
	cctx, cancel := context.WithCancel(ctx)
	clock := clocktest.NewFake(time.Time{})
	done := make(chan error, 1)
	go func() {
		_, err := e.client.Wait(cctx, id, harbor.WaitOptions{Clock: clock})
		done <- err
	}()
	clock.WaitForWaiters(1, 10*time.Second)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Wait after cancel = %v, want context.Canceled", err)
	}

	if err := e.client.StopExecution(ctx, id); err != nil {
		t.Fatalf("StopExecution: %v", err)
	}
	if err := e.srv.WaitExecutions(ctx); err != nil {
		t.Fatal(err)
	}
	ex, err := e.client.Wait(ctx, id, harbor.WaitOptions{})
	if !errors.Is(err, harbor.ErrStopped) || ex.Status != harbor.StatusStopped {
		t.Errorf("Wait after stop = %+v, %v; want Stopped", ex, err)
	}
}
