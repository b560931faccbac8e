package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/examples/internal/cli"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/internal/testutil"
	"github.com/regdr/regdr/replication/lag"
)

// Distinctive secrets, so that the tests can look for them in every output.
const (
	harborUser     = "dr-reader"
	harborPassword = "harbor-pw-S3cret-7c1e"
	akID           = "LTAI-verify-test"
	akSecret       = "ak-secret-S3cret-91fa"
	acrUser        = "acr-login"
	acrPassword    = "acr-pw-S3cret-44d0"
)

var secrets = []string{harborPassword, akSecret, acrPassword}

// world is a harbortest Harbor and an acrtest ACR EE on loopback, with the credentials of
// both in the environment, as an operator would set them. Tests using it are not parallel:
// they set environment variables (the Alibaba Cloud default chain reads them).
//
// The program talks to watched servers, which record every request that is not a read;
// the test pushes its images through servers of its own on the same emulators.
type world struct {
	harbor, registry    http.Handler // the watched Harbor and ACR EE registry, for TLS servers of them
	harborURL           string
	acrAPI              string // http://127.0.0.1:port, for -acr-endpoint
	acrReg              string
	pushHarbor, pushACR string // hosts the test pushes to
	fx                  *testutil.Fixture

	mu     sync.Mutex
	writes []string // Harbor and registry requests other than GET/HEAD, OpenAPI actions other than List*/Get*
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{fx: testutil.NewFixture(11, 256)}
	hs := harbortest.New(harbortest.WithUser(harborUser, harborPassword))
	as := acrtest.New(acrtest.WithAccessKey(akID, akSecret))
	if err := as.SetPassword(acrtest.DefaultInstanceID, acrUser, acrPassword); err != nil {
		t.Fatal(err)
	}
	if err := as.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "dr-ns", AutoCreateRepo: true}); err != nil {
		t.Fatal(err)
	}
	// spectest holds every Harbor API exchange to Harbor's published swagger.
	w.harbor, w.registry = w.watch(spectest.Handler(t, hs), "harbor"), w.watch(as.Registry(), "registry")
	servers := []*httptest.Server{
		httptest.NewServer(w.harbor),
		httptest.NewServer(w.watch(as.OpenAPI(), "openapi")),
		httptest.NewServer(w.registry),
		httptest.NewServer(hs),
		httptest.NewServer(as.Registry()),
	}
	t.Cleanup(func() {
		for _, s := range servers {
			s.Close()
		}
		hs.Close()
	})
	w.harborURL, w.acrAPI, w.acrReg = servers[0].URL, servers[1].URL, servers[2].URL
	w.pushHarbor, w.pushACR = servers[3].Listener.Addr().String(), servers[4].Listener.Addr().String()
	t.Setenv(envHarborUser, harborUser)
	t.Setenv(envHarborPassword, harborPassword)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", akID)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", akSecret)
	t.Setenv(envACRUser, acrUser)
	t.Setenv(envACRPassword, acrPassword)
	t.Cleanup(func() { w.readOnly(t) }) // every test checks that verify only read
	return w
}

// watch records the requests to h that are not reads.
func (w *world) watch(h http.Handler, name string) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		write := ""
		if name == "openapi" {
			action := cmp.Or(r.Header.Get("x-acs-action"), r.URL.Query().Get("Action"))
			if !strings.HasPrefix(action, "List") && !strings.HasPrefix(action, "Get") {
				write = fmt.Sprintf("openapi %q", action)
			}
		} else if r.Method != http.MethodGet && r.Method != http.MethodHead {
			write = name + " " + r.Method + " " + r.URL.Path
		}
		if write != "" {
			w.mu.Lock()
			w.writes = append(w.writes, write)
			w.mu.Unlock()
		}
		h.ServeHTTP(rw, r)
	})
}

// readOnly fails t if anything but a read reached Harbor or ACR EE through the program's
// servers.
func (w *world) readOnly(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.writes) > 0 {
		t.Errorf("verify wrote: %q", w.writes)
	}
}

// push pushes the image named name to Harbor as harborRef and, unless acrRef is empty, to
// ACR EE as acrRef; it returns the image's digest.
func (w *world) push(t *testing.T, name, harborRef, acrRef string) string {
	t.Helper()
	ctx := testCtx(t)
	img := w.fx.Image(name, 0)
	if harborRef != "" {
		// harbortest's plain user has no project role to push with: the admin pushes.
		if err := testutil.PushAuth(ctx, w.pushHarbor, harborRef, img,
			&authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword}); err != nil {
			t.Fatalf("pushing %s to Harbor: %v", harborRef, err)
		}
	}
	if acrRef != "" {
		if err := testutil.PushAuth(ctx, w.pushACR, acrRef, img, &authn.Basic{Username: acrUser, Password: acrPassword}); err != nil {
			t.Fatalf("pushing %s to ACR EE: %v", acrRef, err)
		}
	}
	return testutil.Descriptor(img).Digest.String()
}

// openAPIArgs checks ACR EE through the OpenAPI, registryArgs through the registry.
func (w *world) openAPIArgs(extra ...string) []string {
	return append([]string{"-harbor", w.harborURL, "-projects", "library", "-namespace", "dr-ns",
		"-instance", acrtest.DefaultInstanceID, "-region", acrtest.DefaultRegion, "-acr-endpoint", w.acrAPI}, extra...)
}

func (w *world) registryArgs(extra ...string) []string {
	return append([]string{"-harbor", w.harborURL, "-projects", "library", "-namespace", "dr-ns", "-registry", w.acrReg}, extra...)
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type result struct {
	code           int
	stdout, stderr string
}

func runT(t *testing.T, clock clock.Clock, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runWithClock(testCtx(t), args, &out, &errOut, clock)
	res := result{code, out.String(), errOut.String()}
	for _, s := range secrets {
		if strings.Contains(res.stdout+res.stderr, s) {
			t.Errorf("run(%q) printed a secret:\nstdout:\n%s\nstderr:\n%s", args, res.stdout, res.stderr)
		}
	}
	return res
}

func TestComplete(t *testing.T) {
	w := newWorld(t)
	w.push(t, "nginx", "library/nginx:1.25", "dr-ns/nginx:1.25")
	w.push(t, "redis", "library/redis:7", "dr-ns/redis:7")
	// ACR EE names are namespace/repository: a nested Harbor repository needs -flatten -1.
	w.push(t, "tools", "library/ci/tools:v1", "dr-ns/tools:v1")
	for name, args := range map[string][]string{"openapi": w.openAPIArgs("-flatten", "-1"), "registry": w.registryArgs("-flatten", "-1")} {
		t.Run(name, func(t *testing.T) {
			r := runT(t, nil, args...)
			if r.code != 0 {
				t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			want := "complete: 3/3 tags present in ACR EE, 0 missing, 0 stale, 0 extra; effective RPO 0s\n"
			if r.stdout != want || r.stderr != "" {
				t.Errorf("stdout = %q, want %q; stderr %q", r.stdout, want, r.stderr)
			}
		})
	}
	// With the default flatten 1, library/ci/tools is expected at dr-ns/ci/tools (ACR EE
	// takes multi-tier names), where nothing was copied: behind.
	if r := runT(t, nil, w.openAPIArgs()...); r.code != exitRefused || !strings.Contains(r.stdout, "missing  dr-ns/ci/tools:v1") {
		t.Errorf("flatten 1 over a nested repository: exit %d, stdout %q, stderr %q; want 3 naming dr-ns/ci/tools missing", r.code, r.stdout, r.stderr)
	}
	// Through run itself, with the system clock, as main calls it.
	var out, errOut bytes.Buffer
	if code := run(testCtx(t), w.openAPIArgs("-json", "-flatten", "-1"), &out, &errOut); code != 0 {
		t.Fatalf("run -json exit %d: %s", code, errOut.String())
	}
	var rep lag.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || !rep.Complete() || rep.Expected != 3 || rep.Present != 3 {
		t.Errorf("-json report = %+v, %v; want 3/3 complete", rep, err)
	}
	jsontest.SnakeCase(t, json.RawMessage(out.Bytes()))
}

// lagWorld: nginx:1.25 replicated, nginx:1.26 missing, redis:7 stale, dr-ns/nginx:hotfix an
// extra tag and dr-ns/only-in-acr an extra repository.
type lagWorld struct {
	*world
	present, missing, stale, staleACR, hotfix, onlyACR string
}

func newLagWorld(t *testing.T) *lagWorld {
	w := &lagWorld{world: newWorld(t)}
	w.present = w.push(t, "nginx-1.25", "library/nginx:1.25", "dr-ns/nginx:1.25")
	w.staleACR = w.push(t, "redis-old", "", "dr-ns/redis:7")
	w.missing = w.push(t, "nginx-1.26", "library/nginx:1.26", "")
	w.stale = w.push(t, "redis-new", "library/redis:7", "")
	w.hotfix = w.push(t, "hotfix", "", "dr-ns/nginx:hotfix")
	w.onlyACR = w.push(t, "acr-only", "", "dr-ns/only-in-acr:1")
	return w
}

func TestLag(t *testing.T) {
	w := newLagWorld(t)
	r := runT(t, nil, w.openAPIArgs()...)
	if r.code != exitRefused {
		t.Fatalf("exit %d, want 3\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	wantPrefixes := []string{
		"missing  dr-ns/nginx:1.26  from library/nginx  " + short(w.missing) + "  pushed ",
		"stale    dr-ns/redis:7  from library/redis  harbor " + short(w.stale) + ", acr " + short(w.staleACR) + "  pushed ",
		"extra    dr-ns/nginx:hotfix  acr " + short(w.hotfix),
		"extra    dr-ns/only-in-acr:1  acr " + short(w.onlyACR),
		"behind: 1/3 tags present in ACR EE, 1 missing, 1 stale, 2 extra; effective RPO ",
	}
	if len(lines) != len(wantPrefixes) {
		t.Fatalf("stdout has %d lines, want %d:\n%s", len(lines), len(wantPrefixes), r.stdout)
	}
	for i, p := range wantPrefixes {
		if !strings.HasPrefix(lines[i], p) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], p)
		}
	}

	// A namespace never replicated into: everything is missing, on either way of listing ACR EE.
	for _, args := range [][]string{w.openAPIArgs("-namespace", "never"), w.registryArgs("-namespace", "never")} {
		r := runT(t, nil, args...)
		if r.code != exitRefused || !strings.Contains(r.stdout, "missing  never/redis:7  from library/redis") ||
			!strings.Contains(r.stdout, "behind: 0/3 tags present in ACR EE, 3 missing, 0 stale, 0 extra") {
			t.Errorf("run(%q) = %d, stdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
		}
	}

	// -limit bounds the lines, not the summary.
	r = runT(t, nil, w.openAPIArgs("-limit", "2")...)
	lines = strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if r.code != exitRefused || len(lines) != 4 || lines[2] != "... 2 more (-json lists them all)" || !strings.HasPrefix(lines[3], "behind: ") {
		t.Errorf("-limit 2: exit %d, stdout:\n%s", r.code, r.stdout)
	}
}

func TestLagJSON(t *testing.T) {
	w := newLagWorld(t)
	ignore := cmpopts.IgnoreFields(lag.Artifact{}, "PushTime")
	for _, tc := range []struct {
		name  string
		args  []string
		extra []lag.Artifact
	}{
		{"openapi", w.openAPIArgs("-json"), []lag.Artifact{
			{Dest: "dr-ns/nginx", Tag: "hotfix", DestDigest: w.hotfix},
			{Dest: "dr-ns/only-in-acr", Tag: "1", DestDigest: w.onlyACR},
		}},
		// The registry is not listed by namespace: only extra tags of Harbor's repositories.
		{"registry", w.registryArgs("-json"), []lag.Artifact{
			{Dest: "dr-ns/nginx", Tag: "hotfix", DestDigest: w.hotfix},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runT(t, nil, tc.args...)
			if r.code != exitRefused {
				t.Fatalf("exit %d, want 3\nstderr:\n%s", r.code, r.stderr)
			}
			var rep lag.Report
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("-json output is not a Report: %v\n%s", err, r.stdout)
			}
			want := lag.Report{
				CheckedAt: rep.CheckedAt, OldestMissing: rep.OldestMissing, Expected: 3, Present: 1,
				Missing: []lag.Artifact{{Source: "library/nginx", Dest: "dr-ns/nginx", Tag: "1.26", Digest: w.missing}},
				Stale:   []lag.Artifact{{Source: "library/redis", Dest: "dr-ns/redis", Tag: "7", Digest: w.stale, DestDigest: w.staleACR}},
				Extra:   tc.extra,
			}
			if diff := gocmp.Diff(want, rep, ignore); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			if rep.Missing[0].PushTime.IsZero() || rep.Stale[0].PushTime.IsZero() || rep.CheckedAt.IsZero() {
				t.Errorf("push times or check time missing: %+v", rep)
			}
			// The effective RPO is the age of the oldest missing or stale artifact.
			oldest := rep.Missing[0].PushTime
			if rep.Stale[0].PushTime.Before(oldest) {
				oldest = rep.Stale[0].PushTime
			}
			if got := rep.CheckedAt.Sub(oldest); rep.OldestMissing != got || got <= 0 {
				t.Errorf("OldestMissing = %v, want CheckedAt - oldest push = %v", rep.OldestMissing, got)
			}
		})
	}
}

func TestRPO(t *testing.T) {
	w := newLagWorld(t)
	r := runT(t, nil, w.openAPIArgs("-json")...)
	var rep lag.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("-json: %v\n%s", err, r.stdout)
	}
	oldest := rep.Missing[0].PushTime
	if rep.Stale[0].PushTime.Before(oldest) {
		oldest = rep.Stale[0].PushTime
	}
	clock := testutil.NewClock(oldest.Add(90 * time.Minute))
	for _, tc := range []struct {
		rpo     string
		code    int
		verdict string
	}{
		{"", exitRefused, "effective RPO 1h30m0s\n"},
		{"1h", exitRefused, "effective RPO 1h30m0s (over the 1h0m0s budget)\n"},
		{"89m59s", exitRefused, "(over the 1h29m59s budget)\n"},
		{"90m", 0, "effective RPO 1h30m0s (within the 1h30m0s budget)\n"}, // the budget is inclusive, as failover's preflight
		{"2h", 0, "(within the 2h0m0s budget)\n"},
	} {
		t.Run("rpo="+tc.rpo, func(t *testing.T) {
			args := w.openAPIArgs()
			if tc.rpo != "" {
				args = append(args, "-rpo", tc.rpo)
			}
			r := runT(t, clock, args...)
			if r.code != tc.code || !strings.HasSuffix(r.stdout, tc.verdict) {
				t.Errorf("exit %d, want %d; stdout should end %q:\n%s\nstderr:\n%s", r.code, tc.code, tc.verdict, r.stdout, r.stderr)
			}
		})
	}
	// The JSON report carries the same age.
	r = runT(t, clock, w.openAPIArgs("-json", "-rpo", "1h")...)
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.OldestMissing != 90*time.Minute || r.code != exitRefused {
		t.Errorf("-json -rpo 1h: exit %d, OldestMissing %v, %v", r.code, rep.OldestMissing, err)
	}
	// On the system clock the artifacts were pushed moments ago: a day's budget passes.
	if r := runT(t, nil, w.openAPIArgs("-rpo", "24h")...); r.code != 0 {
		t.Errorf("-rpo 24h exit %d, want 0:\n%s", r.code, r.stdout)
	}
}

func TestWithinBudget(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	known := lag.Artifact{Dest: "ns/a", Tag: "1", PushTime: at.Add(-time.Hour)}
	unknown := lag.Artifact{Dest: "ns/b", Tag: "1"}
	for _, tc := range []struct {
		name   string
		r      lag.Report
		budget time.Duration
		want   bool
	}{
		{"complete without budget", lag.Report{}, 0, true},
		{"complete with extras", lag.Report{Extra: []lag.Artifact{unknown}}, 0, true},
		{"missing without budget", lag.Report{Missing: []lag.Artifact{known}, OldestMissing: time.Hour}, 0, false},
		{"missing within", lag.Report{Missing: []lag.Artifact{known}, OldestMissing: time.Hour}, time.Hour, true},
		{"missing over", lag.Report{Missing: []lag.Artifact{known}, OldestMissing: time.Hour}, time.Hour - 1, false},
		{"stale over", lag.Report{Stale: []lag.Artifact{known}, OldestMissing: time.Hour}, time.Minute, false},
		{"unknown push time", lag.Report{Missing: []lag.Artifact{known, unknown}, OldestMissing: time.Hour}, 24 * time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := withinBudget(&tc.r, tc.budget); got != tc.want {
				t.Errorf("withinBudget(%s, %v) = %v, want %v", tc.name, tc.budget, got, tc.want)
			}
		})
	}
}

func TestBadFlags(t *testing.T) {
	t.Setenv(envHarborUser, "")
	t.Setenv(envHarborPassword, "")
	t.Setenv(envACRUser, "")
	t.Setenv(envACRPassword, "")
	base := []string{"-harbor", "http://127.0.0.1:1", "-projects", "library", "-instance", "cri-x", "-region", "cn-hangzhou"}
	for _, tc := range []struct {
		name string
		args []string
		msg  string
		env  map[string]string
	}{
		{"no flags", nil, "-harbor is required", nil},
		{"unknown flag", append(base, "-frobnicate"), "flag provided but not defined", nil},
		{"argument", append(base, "extra"), "unexpected arguments", nil},
		{"no acr", []string{"-harbor", "http://127.0.0.1:1", "-projects", "library"}, "-instance (or -registry) is required", nil},
		{"no region", []string{"-harbor", "http://127.0.0.1:1", "-projects", "library", "-instance", "cri-x"}, "-region (or -acr-endpoint)", nil},
		{"two projects, no namespace", append(base, "-projects", "a,b"), "-namespace is required", nil},
		{"flatten", append(base, "-flatten", "-2"), "-flatten -2 is below -1", nil},
		{"jobs", append(base, "-jobs", "0"), "-jobs", nil},
		{"rpo", append(base, "-rpo", "-1m"), "-rpo must not be negative", nil},
		{"rpo syntax", append(base, "-rpo", "soon"), "invalid value", nil},
		{"repos glob", append(base, "-repos", "library/["), "malformed pattern", nil},
		{"user without password", append(base, "-harbor-user", "bob"), "needs $HARBOR_PASSWORD", nil},
		{"registry and instance", append(base, "-registry", "https://r.example.com"), "give one or the other", nil},
		{"registry path", []string{"-harbor", "http://127.0.0.1:1", "-projects", "p", "-registry", "https://r.example.com/x"}, "no path", nil},
		{"registry user without password", []string{"-harbor", "http://127.0.0.1:1", "-projects", "p", "-registry", "r.example.com", "-registry-user", "u"}, "needs $ACR_PASSWORD", nil},
		{"registry-insecure without registry", append(base, "-registry-insecure"), "need -registry", nil},
		{"harbor url with credentials", []string{"-harbor", "http://u:" + harborPassword + "@127.0.0.1:1", "-projects", "p", "-instance", "cri-x", "-region", "r"}, "-harbor", nil},
		{"password without user", base, "$HARBOR_PASSWORD is set but no Harbor user", map[string]string{envHarborPassword: harborPassword}},
		{"registry password without user", []string{"-harbor", "http://127.0.0.1:1", "-projects", "p", "-registry", "r.example.com"},
			"$ACR_PASSWORD is set but no registry user", map[string]string{envACRPassword: acrPassword}},
		// Nothing secret crosses a network in clear, and no URL is echoed with its user info.
		{"acr-endpoint plain http off loopback", append(slices.Clone(base), "-acr-endpoint", "http://cr.invalid"), "plain http refused", nil},
		{"harbor plain http off loopback with a password", []string{"-harbor", "http://harbor.invalid", "-harbor-user", "bob", "-projects", "p", "-instance", "cri-x", "-region", "r"},
			"-insecure-plain-http", map[string]string{envHarborPassword: harborPassword}},
		{"registry plain http off loopback with a password", []string{"-harbor", "http://127.0.0.1:1", "-projects", "p", "-registry", "http://r.invalid", "-registry-user", "u"},
			"-registry is http:// to r.invalid", map[string]string{envACRPassword: acrPassword}},
		{"registry url with credentials", []string{"-harbor", "http://127.0.0.1:1", "-projects", "p", "-registry", "http://u:" + acrPassword + "@127.0.0.1:1"},
			"credentials in the URL are not accepted", nil},
		{"registry url with credentials, https", []string{"-harbor", "http://127.0.0.1:1", "-projects", "p", "-registry", "https://u:" + acrPassword + "@r.invalid/x"},
			"credentials in the URL are not accepted", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			r := runT(t, nil, tc.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.msg) || r.stdout != "" {
				t.Errorf("run(%q) = %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.msg)
			}
			if strings.Contains(r.stderr, harborPassword) || strings.Contains(r.stderr, acrPassword) {
				t.Errorf("run(%q) stderr shows a password: %q", tc.args, r.stderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help"} {
		r := runT(t, nil, arg)
		if r.code != 0 || !strings.Contains(r.stderr, "Usage: verify") || !strings.Contains(r.stderr, "-rpo D") || !strings.Contains(r.stderr, "HARBOR_PASSWORD") {
			t.Errorf("run(%q) = %d, stderr:\n%s", arg, r.code, r.stderr)
		}
	}
}

// TestCredentialsRefused: a wrong secret on either side is exit 1 with an error that says
// which credentials to check, and no secret anywhere in the output.
func TestCredentialsRefused(t *testing.T) {
	w := newWorld(t)
	w.push(t, "nginx", "library/nginx:1.25", "dr-ns/nginx:1.25")
	const wrong = "wrong-S3cret-0b5e"
	check := func(t *testing.T, args []string, msg string) {
		t.Helper()
		r := runT(t, nil, args...)
		if r.code != 1 || !strings.Contains(r.stderr, msg) || r.stdout != "" {
			t.Errorf("exit %d, want 1 with %q; stdout %q, stderr %q", r.code, msg, r.stdout, r.stderr)
		}
		if strings.Contains(r.stderr, wrong) {
			t.Errorf("the wrong secret was printed: %q", r.stderr)
		}
	}
	t.Run("harbor password", func(t *testing.T) {
		t.Setenv(envHarborPassword, wrong)
		check(t, w.openAPIArgs(), `verify: Harbor refused user "dr-reader" (check -harbor-user/$HARBOR_USERNAME and $HARBOR_PASSWORD)`)
	})
	t.Run("access key secret", func(t *testing.T) {
		t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", wrong)
		check(t, w.openAPIArgs(), "verify: the ACR OpenAPI refused the AccessKey")
	})
	t.Run("registry password", func(t *testing.T) {
		t.Setenv(envACRPassword, wrong)
		check(t, w.registryArgs(), "verify: the ACR EE registry refused the credentials")
	})
	t.Run("right secrets", func(t *testing.T) {
		if r := runT(t, nil, w.openAPIArgs()...); r.code != 0 {
			t.Errorf("exit %d with the right secrets: %s", r.code, r.stderr)
		}
	})
}

func TestFilters(t *testing.T) {
	w := newLagWorld(t)
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		summary string
	}{
		{"tag glob, replicated", w.openAPIArgs("-tags", "1.25"), 0, "complete: 1/1 tags present in ACR EE, 0 missing, 0 stale, "},
		{"tag glob, lagging", w.openAPIArgs("-tags", "1.*"), exitRefused, "behind: 1/2 tags present in ACR EE, 1 missing, 0 stale, "},
		{"repository glob", w.openAPIArgs("-repos", "library/re*"), exitRefused, "behind: 0/1 tags present in ACR EE, 0 missing, 1 stale, "},
		{"repository glob, registry", w.registryArgs("-repos", "library/nginx", "-tags", "1.25"), 0, "complete: 1/1 tags present in ACR EE, 0 missing, 0 stale, 1 extra"},
		{"every project", []string{"-harbor", w.harborURL, "-namespace", "dr-ns", "-registry", w.acrReg}, exitRefused, "behind: 1/3 tags present in ACR EE, 1 missing, 1 stale, 1 extra"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runT(t, nil, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stdout, "\n"+tc.summary) && !strings.HasPrefix(r.stdout, tc.summary) {
				t.Errorf("exit %d, want %d with %q:\n%s\nstderr:\n%s", r.code, tc.code, tc.summary, r.stdout, r.stderr)
			}
		})
	}
}

// tlsServer serves h over TLS with httptest's certificate, which no system trusts; the
// handshake errors of refused clients are not logged.
func tlsServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts
}

// TestTLSVerified: certificates are verified unless -harbor-insecure or -registry-insecure
// opts out for that endpoint.
func TestTLSVerified(t *testing.T) {
	w := newWorld(t)
	w.push(t, "nginx", "library/nginx:1.25", "dr-ns/nginx:1.25")
	harborTLS := tlsServer(t, w.harbor)
	regTLS := tlsServer(t, w.registry)
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"harbor verified", []string{"-harbor", harborTLS.URL, "-registry", w.acrReg}, 1, "certificate"},
		{"registry verified", []string{"-harbor", w.harborURL, "-registry", regTLS.URL}, 1, "certificate"},
		{"harbor opted out", []string{"-harbor", harborTLS.URL, "-harbor-insecure", "-registry", w.acrReg}, 0, ""},
		{"registry opted out", []string{"-harbor", w.harborURL, "-registry", regTLS.URL, "-registry-insecure"}, 0, ""},
		{"one opt-out is not the other's", []string{"-harbor", harborTLS.URL, "-registry", regTLS.URL, "-registry-insecure"}, 1, "certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runT(t, nil, append(tc.args, "-projects", "library", "-namespace", "dr-ns")...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.msg) {
				t.Errorf("exit %d, stderr %q; want %d with %q", r.code, r.stderr, tc.code, tc.msg)
			}
		})
	}
}

// A missing signature is listed under the tag of the image it signs, with its type.
func TestDescribeAccessory(t *testing.T) {
	at := time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)
	a := lag.Artifact{Source: "library/nginx", Dest: "acr-ns/nginx", Tag: "1.25", Digest: "sha256:0123456789abcdef",
		Accessory: "signature.cosign", Subject: "sha256:fedcba", PushTime: at.Add(-time.Hour)}
	want := "missing  acr-ns/nginx:1.25  from library/nginx  its signature.cosign sha256:0123456789ab  pushed 2026-11-29T02:00:00Z (1h0m0s ago)"
	if got := describe("missing", a, at); got != want {
		t.Errorf("describe =\n%q, want\n%q", got, want)
	}
	r := &lag.Report{Expected: 1, Present: 1, Accessories: 2, MissingAccessories: []lag.Artifact{a}, OldestMissing: time.Hour}
	if got := summary(r, 0); !strings.Contains(got, "behind: 1/1 tags present") || !strings.Contains(got, "1/2 accessories (signatures, SBOMs) present") {
		t.Errorf("summary = %q", got)
	}
}

// TestPlainHTTPOptIn: -insecure-plain-http lets a password go to a non-loopback http://
// Harbor; loopback and credential-free http need no opt-in.
func TestPlainHTTPOptIn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		raw         string
		creds, opt  bool
		wantRefused bool
	}{
		{"https", "https://harbor.example.com", true, false, false},
		{"loopback", "http://127.0.0.1:8080", true, false, false},
		{"loopback v6", "http://[::1]:8080", true, false, false},
		{"localhost", "http://localhost:8080", true, false, false},
		{"no credentials", "http://harbor.example.com", false, false, false},
		{"private IP", "http://10.0.0.5", true, false, true},
		{"public name", "http://harbor.example.com", true, false, true},
		{"opted in", "http://harbor.example.com", true, true, false},
	} {
		err := cli.CheckPlainHTTP("-harbor", tc.raw, tc.creds, tc.opt)
		if refused := errors.Is(err, cli.ErrPlainHTTP); refused != tc.wantRefused {
			t.Errorf("%s: cli.CheckPlainHTTP(%q, creds %v, opt-in %v) = %v, want refused %v", tc.name, tc.raw, tc.creds, tc.opt, err, tc.wantRefused)
		}
	}
}

// TestSIGTERMCancels: SIGTERM (what Kubernetes sends) cancels the run as Ctrl-C does,
// instead of killing the process before it reports.
func TestSIGTERMCancels(t *testing.T) {
	ctx, stop := cli.NotifyContext(context.Background())
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not cancel the context")
	}
}

// TestReverse: -reverse reports what ACR EE holds that Harbor lacks, exit 3; nothing extra, exit 0.
func TestReverse(t *testing.T) {
	w := newWorld(t)
	w.push(t, "nginx", "library/nginx:1.25", "dr-ns/nginx:1.25")
	if r := runT(t, nil, w.openAPIArgs("-reverse")...); r.code != exitOK ||
		r.stdout != "complete: Harbor holds everything ACR EE holds: 1/1 ACR EE tags present in Harbor, 0 missing, 0 stale, 0 unmapped; oldest 0s\n" {
		t.Errorf("nothing extra: exit %d, stdout %q, stderr %q; want 0", r.code, r.stdout, r.stderr)
	}
	outage := w.push(t, "outage", "", "dr-ns/nginx:outage")
	newRepo := w.push(t, "new-repo", "", "dr-ns/brand-new:1")
	r := runT(t, nil, w.openAPIArgs("-reverse")...)
	// ACR EE reports when each tag was pushed (ListRepoTag's ImageUpdate), moments ago on
	// the system clock: the times and ages are checked for shape only.
	want := "missing  dr-ns/nginx:outage  to library/nginx  acr " + short(outage) + "  pushed T (A ago)\n" +
		"unmapped dr-ns/brand-new:1  acr " + short(newRepo) + "  pushed T (A ago)\n" +
		"behind: Harbor lacks what ACR EE holds: 1/3 ACR EE tags present in Harbor, 1 missing, 0 stale, 1 unmapped; oldest A\n"
	pushed := regexp.MustCompile(`pushed \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \([0-9.]+m?s ago\)`)
	oldest := regexp.MustCompile(`oldest [0-9.]+m?s\n`)
	if got := oldest.ReplaceAllString(pushed.ReplaceAllString(r.stdout, "pushed T (A ago)"), "oldest A\n"); r.code != exitRefused || got != want {
		t.Errorf("pushed into ACR EE only: exit %d, stdout:\n%s\nwant 3 and\n%s\nstderr %q", r.code, r.stdout, want, r.stderr)
	}
	r = runT(t, nil, w.openAPIArgs("-reverse", "-json")...)
	var rep lag.ReverseReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != exitRefused {
		t.Fatalf("-reverse -json: exit %d, %v\n%s", r.code, err, r.stdout)
	}
	ignore := cmpopts.IgnoreFields(lag.Artifact{}, "PushTime")
	if d := gocmp.Diff([]lag.Artifact{{Source: "library/nginx", Dest: "dr-ns/nginx", Tag: "outage", DestDigest: outage}}, rep.Missing, ignore); d != "" {
		t.Errorf("-json missing (-want +got):\n%s", d)
	}
	if len(rep.Unmapped) != 1 || rep.Unmapped[0].Dest != "dr-ns/brand-new" {
		t.Errorf("-json unmapped = %+v", rep.Unmapped)
	}
	jsontest.SnakeCase(t, json.RawMessage(r.stdout))
	// -reverse needs the OpenAPI's repository listing; -rpo has no meaning for it.
	for _, args := range [][]string{w.registryArgs("-reverse"), w.openAPIArgs("-reverse", "-rpo", "1h")} {
		if r := runT(t, nil, args...); r.code != exitUsage {
			t.Errorf("run(%q) = %d, want 2; stderr %q", args, r.code, r.stderr)
		}
	}
}
