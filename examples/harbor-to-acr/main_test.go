package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/managed"
)

// Distinctive secrets, so that a test can tell they never reach the output.
const (
	harborUser     = "dr-admin"
	harborPassword = "harbor-pw-0f1e2d3c"
	acrUser        = "dr-login"
	acrPassword    = "acr-pw-9a8b7c6d"
	akID           = "LTAI-harbor-to-acr"
	akSecret       = "ak-secret-5e4f3a2b"
)

// env is a Harbor (harbortest) and an ACR EE instance (acrtest: OpenAPI and registry) on
// loopback, each counting the writes it receives, with images pushed into Harbor.
type env struct {
	hb          *harbortest.Server
	hs, hsTLS   *httptest.Server // the same Harbor over HTTP and over HTTPS (test CA)
	harborWrite atomic.Int64     // Harbor API writes, connection tests excluded

	ee          *acrtest.Server
	api         *httptest.Server
	reg, regTLS *httptest.Server // the same registry over HTTP and over HTTPS (test CA)
	regWrite    atomic.Int64     // ACR EE registry writes
}

func newEnv(t *testing.T, opts ...harbortest.Option) *env {
	t.Helper()
	e := &env{}
	e.hb = harbortest.New(append([]harbortest.Option{harbortest.WithAdmin(harborUser, harborPassword),
		harbortest.WithProject("test-project", false), harbortest.WithProject("other", false)}, opts...)...)
	checked := spectest.Handler(t, e.hb) // every API exchange held to Harbor's swagger
	harborHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") && r.Method != http.MethodGet && r.Method != http.MethodHead &&
			!strings.HasSuffix(r.URL.Path, "/registries/ping") {
			e.harborWrite.Add(1)
		}
		checked.ServeHTTP(w, r)
	})
	e.hs = httptest.NewServer(harborHandler)
	e.hsTLS = newTLSServer(harborHandler)
	e.ee = acrtest.New(acrtest.WithAccessKey(akID, akSecret))
	if err := e.ee.SetPassword(acrtest.DefaultInstanceID, acrUser, acrPassword); err != nil {
		t.Fatal(err)
	}
	e.api = httptest.NewServer(e.ee.OpenAPI())
	reg := e.ee.Registry()
	regHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			e.regWrite.Add(1)
		}
		reg.ServeHTTP(w, r)
	})
	e.reg = httptest.NewServer(regHandler)
	e.regTLS = newTLSServer(regHandler)
	t.Cleanup(func() {
		e.hb.Close()
		for _, s := range []*httptest.Server{e.hs, e.hsTLS, e.api, e.reg, e.regTLS} {
			s.Close()
		}
	})

	for _, ref := range []string{"test-project/nginx:1.25", "test-project/nginx:1.26", "test-project/redis:7", "other/x:1"} {
		e.push(t, ref)
	}
	e.harborWrite.Store(0)

	t.Setenv(envHarborUser, "")
	t.Setenv(envHarborPassword, harborPassword)
	t.Setenv(envACRUser, acrUser)
	t.Setenv(envACRPassword, acrPassword)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", akID)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", akSecret)
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "")
	return e
}

// push pushes a fixture image named after ref into Harbor.
func (e *env) push(t *testing.T, ref string) {
	t.Helper()
	fx := testutil.NewFixture(11, 512)
	if err := testutil.PushAuth(testCtx(t), strings.TrimPrefix(e.hs.URL, "http://"), ref, fx.Image(ref, 0),
		&authn.Basic{Username: harborUser, Password: harborPassword}); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
}

// newTLSServer serves h over HTTPS with httptest's CA, which no client trusts by default.
// The handshakes that tests make fail on purpose are not logged.
func newTLSServer(h http.Handler) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	return s
}

// args are the flags of a run replicating test-project into namespace dr-ns.
func (e *env) args(extra ...string) []string {
	return append([]string{
		"-harbor", e.hs.URL, "-harbor-user", harborUser,
		"-instance", acrtest.DefaultInstanceID, "-region", acrtest.DefaultRegion,
		"-acr-api", "http://" + e.api.Listener.Addr().String(), "-acr-url", e.reg.URL,
		"-projects", "test-project", "-namespace", "dr-ns", "-policy", "test-project-to-acr",
		"-bandwidth", "20MiB/s", "-timeout", "20s",
	}, extra...)
}

// writes counts every write either side received: Harbor API, ACR EE namespaces, registry.
func (e *env) writes() int64 {
	return e.harborWrite.Load() + e.regWrite.Load() +
		int64(e.ee.CallCount("CreateNamespace")+e.ee.CallCount("UpdateNamespace"))
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type result struct {
	code        int
	out, errOut string
}

func runT(t *testing.T, args []string, h hooks) result {
	t.Helper()
	var out, errOut syncBuffer
	code := runWith(testCtx(t), args, &out, &errOut, h)
	r := result{code, out.String(), errOut.String()}
	assertNoSecrets(t, r)
	return r
}

func assertNoSecrets(t *testing.T, r result) {
	t.Helper()
	for _, s := range []string{harborPassword, acrPassword, akSecret} {
		if strings.Contains(r.out, s) || strings.Contains(r.errOut, s) {
			t.Errorf("a secret (%d bytes) appears in the output:\n%s\n%s", len(s), r.out, r.errOut)
		}
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	e := newEnv(t)
	r := runT(t, e.args("-dry-run"), hooks{})
	if r.code != 0 {
		t.Fatalf("dry run exit %d:\n%s\n%s", r.code, r.out, r.errOut)
	}
	for _, want := range []string{`+ ensure-namespace "dr-ns"`, `+ create-endpoint "acr-ee"`, `+ create-policy "test-project-to-acr"`,
		`+ run-execution "test-project-to-acr"`, "connection test to " + e.reg.URL + ` as "dr-login" passed`, "dry run: nothing written"} {
		if !strings.Contains(r.out+r.errOut, want) { // the plan on stdout, the steps on stderr
			t.Errorf("dry-run output lacks %q:\n%s\nstderr:\n%s", want, r.out, r.errOut)
		}
	}

	r = runT(t, e.args("-dry-run", "-json"), hooks{})
	if r.code != 0 {
		t.Fatalf("dry run -json exit %d:\n%s", r.code, r.errOut)
	}
	var plan managed.Plan
	if err := json.Unmarshal([]byte(r.out), &plan); err != nil {
		t.Fatalf("dry run -json output is not a plan: %v\n%s", err, r.out)
	}
	jsontest.SnakeCase(t, json.RawMessage(r.out), ".repositories")
	var kinds []string
	for _, a := range plan.Actions {
		kinds = append(kinds, string(a.Kind))
	}
	if got, want := strings.Join(kinds, ","), "ensure-namespace,create-endpoint,create-policy,run-execution"; got != want {
		t.Errorf("planned actions = %s, want %s", got, want)
	}
	if got, want := plan.Repositories["test-project/redis"], "dr-ns/redis"; got != want {
		t.Errorf("test-project/redis → %q, want %q (flatten 1 level)", got, want)
	}
	if plan.Setup.Trigger != harbor.TriggerEventBased || *plan.Setup.Flatten != 1 || plan.Setup.BytesPerSecond != 20<<20 {
		t.Errorf("setup = %s, want event-based, flatten 1, 20 MiB/s", plan.Setup)
	}
	if n := e.writes(); n != 0 {
		t.Errorf("a dry run wrote %d times", n)
	}
}

func TestRefusesWithoutYes(t *testing.T) {
	e := newEnv(t)
	for _, extra := range [][]string{nil, {"-json"}} {
		r := runT(t, e.args(extra...), hooks{})
		if r.code != exitRefused {
			t.Errorf("run %q without -yes exit %d, want 3 (refused by a safety check)", extra, r.code)
		}
		if !strings.Contains(r.errOut, "refusing to write without -yes") {
			t.Errorf("run %q without -yes: no refusal in stderr:\n%s", extra, r.errOut)
		}
		if extra == nil && !strings.Contains(r.out, `+ create-policy "test-project-to-acr"`) {
			t.Errorf("the refusal does not show the plan:\n%s", r.out)
		}
		if extra != nil {
			var rep report
			if err := json.Unmarshal([]byte(r.out), &rep); err != nil || rep.OK || rep.Applied || rep.Plan == nil || len(rep.Plan.Actions) != 4 {
				t.Errorf("-json refusal report = %+v, %v\n%s", rep, err, r.out)
			}
		}
	}
	if n := e.writes(); n != 0 {
		t.Errorf("runs without -yes wrote %d times", n)
	}
}

func TestConvergesAndVerifies(t *testing.T) {
	e := newEnv(t, harbortest.WithSyncExecutions())
	r := runT(t, e.args("-yes"), hooks{})
	if r.code != 0 {
		t.Fatalf("run -yes exit %d:\n%s\n%s", r.code, r.out, r.errOut)
	}
	t.Logf("stdout:\n%s\nstderr:\n%s", r.out, r.errOut)
	for _, want := range []string{
		`step 1: done: ensure-namespace "dr-ns"`,
		`step 2: done: create-endpoint "acr-ee"`,
		`step 3: done: create-policy "test-project-to-acr"`,
		`step 3: done: run-execution "test-project-to-acr"`,
		"verification: complete: 3/3 tags in ACR EE",
	} {
		if !strings.Contains(r.out+r.errOut, want) {
			t.Errorf("output lacks %q:\n%s\nstderr:\n%s", want, r.out, r.errOut)
		}
	}
	if !strings.Contains(r.out, "verification: complete") {
		t.Errorf("the verification is not on stdout:\n%s", r.out)
	}
	if !strings.Contains(r.errOut, ": Succeed, 2/2 tasks succeeded") || strings.Contains(r.out, "step ") {
		t.Errorf("progress is not on stderr only:\nstdout:\n%s\nstderr:\n%s", r.out, r.errOut)
	}

	// What the emulators hold: the namespace as the runbook sets it, the images under their
	// flattened names, and the policy.
	ns := e.ee.Namespaces(acrtest.DefaultInstanceID)
	if i := slices.IndexFunc(ns, func(n acrtest.Namespace) bool { return n.Name == "dr-ns" }); i < 0 || !ns[i].AutoCreateRepo || ns[i].DefaultRepoType != "PRIVATE" {
		t.Errorf("ACR EE namespaces = %+v, want dr-ns with auto-create ON, PRIVATE", ns)
	}
	for path, n := range map[string]int{"dr-ns/nginx": 2, "dr-ns/redis": 1} {
		if got := len(e.ee.Tags(acrtest.DefaultInstanceID, path)); got != n {
			t.Errorf("ACR EE %s holds %d tags, want %d", path, got, n)
		}
	}
	hc, err := harbor.New(e.hs.URL, harbor.WithBasicAuth(harborUser, harborPassword))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := hc.ListPolicies(testCtx(t))
	if err != nil || len(ps) != 1 {
		t.Fatalf("Harbor policies = %+v, %v", ps, err)
	}
	if p := ps[0]; p.Name != "test-project-to-acr" || p.DestNamespace != "dr-ns" || p.DestNamespaceReplaceCount != 1 ||
		p.Trigger.Type != harbor.TriggerEventBased || p.Speed != replication.BytesPerSecondToSpeed(20<<20) {
		t.Errorf("policy = %+v", p)
	}

	// A second run finds nothing to do and writes nothing.
	before := e.writes()
	execs := len(e.hb.Executions())
	r = runT(t, e.args("-yes"), hooks{})
	if r.code != 0 || !strings.Contains(r.out, "no changes: converged") || !strings.Contains(r.errOut, "nothing to write") {
		t.Errorf("second run exit %d:\n%s\n%s", r.code, r.out, r.errOut)
	}
	// Without -yes too: there is nothing to confirm.
	r = runT(t, e.args("-json"), hooks{})
	var rep report
	if err := json.Unmarshal([]byte(r.out), &rep); r.code != 0 || err != nil || !rep.OK || rep.Applied || rep.Verification == nil || rep.Verification.Present != 3 {
		t.Errorf("third run (-json, no -yes) exit %d: %+v, %v\n%s", r.code, rep, err, r.errOut)
	}
	if got := e.writes(); got != before {
		t.Errorf("re-runs wrote %d times", got-before)
	}
	if got := len(e.hb.Executions()); got != execs {
		t.Errorf("re-runs started %d executions", got-execs)
	}
}

// A policy changed by hand in Harbor is planned as an update listing what differs, refused
// without -yes, and put back with it.
func TestUpdatesDriftedPolicy(t *testing.T) {
	e := newEnv(t, harbortest.WithSyncExecutions())
	if r := runT(t, e.args("-yes"), hooks{}); r.code != 0 {
		t.Fatalf("first run exit %d:\n%s\n%s", r.code, r.out, r.errOut)
	}
	ctx := testCtx(t)
	hc, err := harbor.New(e.hs.URL, harbor.WithBasicAuth(harborUser, harborPassword))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := hc.ListPolicies(ctx)
	if err != nil || len(ps) != 1 {
		t.Fatalf("policies = %+v, %v", ps, err)
	}
	p := ps[0]
	p.DestNamespaceReplaceCount, p.Speed = harbor.FlattenNone, -1
	if err := hc.UpdatePolicy(ctx, p); err != nil {
		t.Fatal(err)
	}

	before := e.writes()
	r := runT(t, e.args(), hooks{})
	if r.code != exitRefused || !strings.Contains(r.out, `+ update-policy "test-project-to-acr"`) ||
		!strings.Contains(r.out, "dest_namespace_replace_count: 0 → 1") || !strings.Contains(r.errOut, "-yes") {
		t.Errorf("run without -yes over a drifted policy exit %d:\n%s\n%s", r.code, r.out, r.errOut)
	}
	if got := e.writes(); got != before {
		t.Errorf("a refused run wrote %d times", got-before)
	}

	r = runT(t, e.args("-yes", "-json"), hooks{})
	var rep report
	if err := json.Unmarshal([]byte(r.out), &rep); r.code != 0 || err != nil || !rep.OK || !rep.Applied || rep.Result == nil {
		t.Fatalf("run -yes -json exit %d: %+v, %v\n%s\n%s", r.code, rep, err, r.out, r.errOut)
	}
	jsontest.SnakeCase(t, json.RawMessage(r.out), ".plan.repositories")
	var done []string
	for _, a := range rep.Result.Done {
		done = append(done, string(a.Kind))
	}
	if got, want := strings.Join(done, ","), "update-policy,run-execution"; got != want {
		t.Errorf("done = %s, want %s", got, want)
	}
	if got, err := hc.GetPolicy(ctx, p.ID); err != nil || got.DestNamespaceReplaceCount != 1 || got.Speed != replication.BytesPerSecondToSpeed(20<<20) {
		t.Errorf("policy after the fix = %+v, %v", got, err)
	}
	if !strings.Contains(r.errOut, "step 3: done: update-policy") {
		t.Errorf("with -json the step lines go to stderr:\n%s", r.errOut)
	}
}

// Harbor's nested repositories keep their depth under "Flatten 1 level": ACR EE takes
// multi-tier repository names, so the plan maps test-project/tools/cache to
// dr-ns/tools/cache; flattening all levels gives dr-ns/cache. Dry runs write nothing.
func TestNestedRepositories(t *testing.T) {
	e := newEnv(t)
	e.push(t, "test-project/tools/cache:1")
	r := runT(t, e.args("-dry-run", "-json"), hooks{})
	var plan managed.Plan
	if err := json.Unmarshal([]byte(r.out), &plan); r.code != 0 || err != nil || plan.Repositories["test-project/tools/cache"] != "dr-ns/tools/cache" {
		t.Errorf("-flatten 1 dry run exit %d: %v, %v\n%s", r.code, plan.Repositories, err, r.errOut)
	}
	if n := e.writes(); n != 0 {
		t.Errorf("wrote %d times", n)
	}
	r = runT(t, e.args("-dry-run", "-json", "-flatten", "-1"), hooks{})
	plan = managed.Plan{}
	if err := json.Unmarshal([]byte(r.out), &plan); r.code != 0 || err != nil || plan.Repositories["test-project/tools/cache"] != "dr-ns/cache" {
		t.Errorf("-flatten -1 dry run exit %d: %v, %v\n%s", r.code, plan.Repositories, err, r.errOut)
	}
}

// The setup's flags reach the plan: filters, trigger, namespace type, TLS opt-out.
func TestSetupFlags(t *testing.T) {
	e := newEnv(t)
	r := runT(t, e.args("-dry-run", "-json", "-trigger", "scheduled", "-cron", "0 30 2 * * *", "-labels", "dr, prod",
		"-exclude-tags", "*-dev", "-repos", "test-project/nginx", "-public-repos", "-override", "-acr-insecure",
		"-endpoint-name", "acr-vpc"), hooks{})
	var plan managed.Plan
	if err := json.Unmarshal([]byte(r.out), &plan); r.code != 0 || err != nil {
		t.Fatalf("dry run exit %d: %v\n%s", r.code, err, r.errOut)
	}
	s := plan.Setup
	var filters []string
	for _, f := range s.Filters {
		filters = append(filters, f.String())
	}
	if s.Trigger != harbor.TriggerScheduled || s.Cron != "0 30 2 * * *" || !s.PublicRepositories || !s.Override ||
		!s.Endpoint.Insecure || s.Endpoint.Name != "acr-vpc" || len(s.Filters) != 3 {
		t.Errorf("setup = %s\nfilters %q", s, filters)
	}
	if len(plan.Repositories) != 1 || plan.Repositories["test-project/nginx"] != "dr-ns/nginx" {
		t.Errorf("repositories = %v, want only test-project/nginx", plan.Repositories)
	}
}

// The registry URL defaults to the instance's VPC URL, or its public one.
func TestDefaultRegistryURL(t *testing.T) {
	t.Setenv(envHarborUser, "u")
	t.Setenv(envHarborPassword, "p")
	t.Setenv(envACRUser, "u")
	t.Setenv(envACRPassword, "p")
	base := []string{"-harbor", "https://harbor.example.com", "-instance", "cri-x", "-region", "cn-hangzhou", "-projects", "p", "-policy", "p"}
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{nil, "https://cri-x-registry-vpc.cn-hangzhou.cr.aliyuncs.com"},
		{[]string{"-acr-public"}, "https://cri-x-registry.cn-hangzhou.cr.aliyuncs.com"},
		{[]string{"-acr-url", "https://reg.example.com/"}, "https://reg.example.com"},
	} {
		c, err := parse(append(slices.Clone(base), tc.extra...), io.Discard)
		if err != nil {
			t.Fatalf("parse(%q): %v", tc.extra, err)
		}
		if c.setup.Endpoint.URL != tc.want || c.setup.Namespace != "" || c.setup.Endpoint.AccessKey != "u" {
			t.Errorf("parse(%q): endpoint %+v, want URL %s", tc.extra, c.setup.Endpoint, tc.want)
		}
	}
}

func TestProgressWhileExecutionRuns(t *testing.T) {
	e := newEnv(t) // executions run in the background
	release := e.hb.HoldExecutions()
	clock := testutil.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- runWith(testCtx(t), e.args("-yes", "-poll", "5s"), &out, &errOut, hooks{clock: clock}) }()

	if !clock.WaitForWaiters(1, 30*time.Second) {
		release()
		t.Fatalf("run never waited for the execution:\n%s\n%s", out.String(), errOut.String())
	}
	if !strings.Contains(errOut.String(), "InProgress") {
		t.Errorf("no InProgress line on stderr while the execution is held:\n%s", errOut.String())
	}
	release()
	if err := e.hb.WaitExecutions(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(5 * time.Second)
	code := <-done
	r := result{code, out.String(), errOut.String()}
	assertNoSecrets(t, r)
	if code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", code, r.out, r.errOut)
	}
	if !strings.Contains(r.errOut, "Succeed, 2/2 tasks succeeded") || strings.Count(r.errOut, "\nexecution ") != 2 {
		t.Errorf("want one progress line per change (InProgress, then Succeed):\n%s", r.errOut)
	}
}

func TestDirect(t *testing.T) {
	e := newEnv(t, harbortest.WithSyncExecutions())
	r := runT(t, e.args("-yes", "-direct", "-jobs", "2", "-tags", "1.2[5-9]"), hooks{})
	if r.code != 0 {
		t.Fatalf("run -direct exit %d:\n%s\n%s", r.code, r.out, r.errOut)
	}
	if n := len(e.hb.Executions()); n != 0 {
		t.Errorf("-direct ran %d Harbor executions", n)
	}
	if got := e.ee.Tags(acrtest.DefaultInstanceID, "dr-ns/nginx"); len(got) != 2 {
		t.Errorf("ACR EE dr-ns/nginx tags = %v, want 1.25 and 1.26", got)
	}
	if got := e.ee.Tags(acrtest.DefaultInstanceID, "dr-ns/redis"); len(got) != 0 {
		t.Errorf("the tag filter let redis:7 through: %v", got)
	}
	if !strings.Contains(r.errOut, "copied   dr-ns/nginx:1.25") || !strings.Contains(r.out, "verification: complete: 2/2") {
		t.Errorf("output:\n%s\nprogress:\n%s", r.out, r.errOut)
	}
}

func TestWrongACRPassword(t *testing.T) {
	e := newEnv(t, harbortest.WithSyncExecutions())
	t.Setenv(envACRPassword, "wrong-"+acrPassword)
	for _, extra := range [][]string{{"-yes"}, {"-yes", "-json"}, {"-dry-run"}} {
		r := runT(t, e.args(extra...), hooks{})
		if r.code != 1 {
			t.Errorf("run %q with a wrong ACR password exit %d, want 1", extra, r.code)
		}
		if !strings.Contains(r.errOut, managed.ErrEndpointCredentials.Error()) || !strings.Contains(r.errOut, "ACR_PASSWORD") {
			t.Errorf("run %q: stderr does not say the connection test failed:\n%s", extra, r.errOut)
		}
		if strings.Contains(r.out+r.errOut, "wrong-") {
			t.Errorf("run %q printed the wrong password:\n%s\n%s", extra, r.out, r.errOut)
		}
	}
	if n := e.writes(); n != 0 {
		t.Errorf("runs with a wrong ACR password wrote %d times", n)
	}

	// The failure is typed.
	c, err := parse(e.args("-yes"), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := newWorld(c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	err = w.converge(testCtx(t), c, newOutput(false, &out, &errOut, &errOut), hooks{})
	if !errors.Is(err, managed.ErrEndpoint) || !errors.Is(err, managed.ErrEndpointCredentials) {
		t.Errorf("converge with a wrong ACR password = %v, want ErrEndpoint and ErrEndpointCredentials", err)
	}
}

func TestWrongAccessKeySecret(t *testing.T) {
	e := newEnv(t)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "wrong-"+akSecret)
	r := runT(t, e.args("-yes"), hooks{})
	if r.code != 1 || !strings.Contains(r.errOut, "Alibaba Cloud credentials") {
		t.Errorf("run with a wrong AccessKey secret exit %d, want 1 and a hint:\n%s", r.code, r.errOut)
	}
	if strings.Contains(r.out+r.errOut, "wrong-") {
		t.Errorf("the wrong secret was printed:\n%s", r.errOut)
	}
	if n := e.writes(); n != 0 {
		t.Errorf("wrote %d times", n)
	}
}

func TestExecutionFails(t *testing.T) {
	e := newEnv(t, harbortest.WithSyncExecutions())
	e.hb.FailTasks("test-project/redis", true)
	r := runT(t, e.args("-yes"), hooks{})
	if r.code != 1 {
		t.Fatalf("run with a failing task exit %d, want 1:\n%s\n%s", r.code, r.out, r.errOut)
	}
	if !strings.Contains(r.errOut, "test-project/redis") || !strings.Contains(r.errOut, "1 of 2 task(s) failed") {
		t.Errorf("stderr does not name the failed task:\n%s", r.errOut)
	}
}

// TLS is verified towards both Harbor and the ACR EE registry unless the user opts out for
// that endpoint; the test servers' CA is trusted by nobody.
func TestTLSVerifiedUnlessOptedOut(t *testing.T) {
	e := newEnv(t, harbortest.WithSyncExecutions())
	tlsArgs := func(extra ...string) []string {
		args := e.args(extra...)
		args[slices.Index(args, "-harbor")+1] = e.hsTLS.URL
		args[slices.Index(args, "-acr-url")+1] = e.regTLS.URL
		return args
	}

	r := runT(t, tlsArgs("-yes"), hooks{})
	if r.code != 1 || !strings.Contains(r.errOut, "certificate") {
		t.Errorf("Harbor with an untrusted certificate: exit %d, want 1 and a certificate error:\n%s", r.code, r.errOut)
	}
	// Harbor's connection test does not say why: a docker-registry endpoint it
	// cannot verify is "the registry is unhealthy" (native HealthCheck), as
	// harbortest now answers; regdr's own login to the registry names the certificate.
	r = runT(t, tlsArgs("-yes", "-harbor-insecure"), hooks{})
	if r.code != 1 || !strings.Contains(r.errOut, managed.ErrEndpointUnreachable.Error()) ||
		!strings.Contains(r.errOut, "TLS certificate is not trusted") || !strings.Contains(r.errOut, "-acr-insecure") ||
		!strings.Contains(r.errOut, "the registry is unhealthy") {
		t.Errorf("ACR EE with an untrusted certificate: exit %d, want 1 and a failed connection test:\n%s", r.code, r.errOut)
	}
	if n := e.writes(); n != 0 {
		t.Fatalf("runs refused over TLS wrote %d times", n)
	}

	r = runT(t, tlsArgs("-yes", "-harbor-insecure", "-acr-insecure"), hooks{})
	if r.code != 0 || !strings.Contains(r.out, "verification: complete: 3/3") {
		t.Fatalf("run with both opt-outs exit %d:\n%s\n%s", r.code, r.out, r.errOut)
	}
	hc, err := harbor.New(e.hs.URL, harbor.WithBasicAuth(harborUser, harborPassword))
	if err != nil {
		t.Fatal(err)
	}
	regs, err := hc.ListRegistries(testCtx(t))
	if err != nil || len(regs) != 1 || !regs[0].Insecure || regs[0].URL != e.regTLS.URL {
		t.Errorf("Harbor endpoints = %+v, %v; want one, insecure, at %s", regs, err, e.regTLS.URL)
	}
}

func TestBadFlags(t *testing.T) {
	e := newEnv(t)
	good := e.args()
	without := func(flagName string) []string {
		i := slices.Index(good, flagName)
		return slices.Delete(slices.Clone(good), i, i+2)
	}
	noRegion := without("-acr-url")
	i := slices.Index(noRegion, "-region")
	noRegion = slices.Delete(noRegion, i, i+2)
	for name, args := range map[string][]string{
		"no args":           {},
		"unknown flag":      append(slices.Clone(good), "-frobnicate"),
		"positional":        append(slices.Clone(good), "extra"),
		"no harbor":         without("-harbor"),
		"no instance":       without("-instance"),
		"no policy":         without("-policy"),
		"no region for url": noRegion,
		"bad bandwidth":     append(slices.Clone(good), "-bandwidth", "fast"),
		"bad glob":          append(slices.Clone(good), "-tags", "["),
		"bad trigger":       append(slices.Clone(good), "-trigger", "sometimes"),
		"cron no schedule":  append(slices.Clone(good), "-cron", "0 0 * * * *"),
		"scheduled no cron": append(slices.Clone(good), "-trigger", "scheduled"),
		"flatten -2":        append(slices.Clone(good), "-flatten", "-2"),
		"dry-run and yes":   append(slices.Clone(good), "-dry-run", "-yes"),
		"harbor url":        append(slices.Clone(good), "-harbor", "ftp://h"),
		"creds in url":      append(slices.Clone(good), "-harbor", "http://u:"+harborPassword+"@127.0.0.1"),
		"two projects":      append(without("-namespace"), "-projects", "a,b"),
	} {
		t.Run(name, func(t *testing.T) {
			r := runT(t, args, hooks{})
			if r.code != 2 {
				t.Errorf("run(%q) = %d, want 2\n%s", args, r.code, r.errOut)
			}
		})
	}
	t.Run("no password in env", func(t *testing.T) {
		t.Setenv(envACRPassword, "")
		if r := runT(t, good, hooks{}); r.code != 2 || !strings.Contains(r.errOut, "an ACR EE password is required") {
			t.Errorf("run without $ACR_PASSWORD = %d\n%s", r.code, r.errOut)
		}
	})
	if n := e.writes(); n != 0 {
		t.Errorf("bad flags wrote %d times", n)
	}
}

func TestHelp(t *testing.T) {
	r := runT(t, []string{"-h"}, hooks{})
	if r.code != 0 {
		t.Errorf("-h exit %d, want 0", r.code)
	}
	for _, want := range []string{"Usage:", "-dry-run", "-yes", "HARBOR_PASSWORD", "ACR_PASSWORD", "ALIBABA_CLOUD_ACCESS_KEY_ID", "-acr-insecure"} {
		if !strings.Contains(r.out+r.errOut, want) {
			t.Errorf("help lacks %q:\n%s", want, r.errOut)
		}
	}
}
