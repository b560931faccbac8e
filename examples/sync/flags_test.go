package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/examples/internal/cli"
	"github.com/regdr/regdr/internal/testutil"
)

// syncCounting counts the requests a registry receives.
func syncCounting(n *atomic.Int64) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			h.ServeHTTP(w, r)
		})
	}
}

// Each bad flag exits 2 with one line, before any request, and never echoes a password.
func TestBadFlagsRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	reg := testutil.NewGGCRRegistry(t, syncCounting(&n))
	base := []string{"-src", reg.Host, "-dst", reg.Host, "-plain-http"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"jobs 0", append(base, "-jobs", "0"), "-jobs 0"},
		{"jobs negative", append(base, "-jobs", "-3"), "-jobs -3"},
		{"jobs huge", append(base, "-jobs", "100000000"), "-jobs 100000000"},
		{"flatten below -1", append(base, "-flatten", "-5"), "-flatten -5"},
		{"shard without shards", append(base, "-shard", "7"), "-shard needs -shards"},
		{"shards negative", append(base, "-shards", "-3"), "-shards -3"},
		{"shard beyond shards", append(base, "-shards", "2", "-shard", "5"), "-shard 5"},
		{"empty project", append(base, "-harbor", "-projects", "a, ,b"), "an empty project name"},
		{"projects without harbor", append(base, "-projects", "a"), "-projects needs -harbor"},
		{"password in -src", []string{"-src", "admin:SECRET@" + reg.Host, "-dst", reg.Host}, "-src: credentials"},
		{"password in http -src", []string{"-src", "http://admin:SECRET@" + reg.Host, "-dst", reg.Host}, "-src: credentials"},
		{"password in -dst", []string{"-src", reg.Host, "-dst", "https://admin:SECRET@" + reg.Host}, "-dst: credentials"},
		{"bad referrers", append(base, "-referrers", "some"), "creating syncer: invalid sync options: unknown referrers mode"},
		{"https and plain-http", []string{"-src", "ftp://" + reg.Host, "-dst", reg.Host}, "invalid registry address"},
		{"metrics file not .prom", append(base, "-metrics-file", "/tmp/sync.txt"), "reads only NAME.prom"},
		{"metrics file in no directory", append(base, "-metrics-file", "/nonexistent/dir/sync.prom"), "does not exist"},
		{"pushgateway with a password", append(base, "-pushgateway", "http://admin:SECRET@127.0.0.1:9091"), "-pushgateway: credentials"},
		{"pushgateway not http", append(base, "-pushgateway", "ftp://127.0.0.1:9091"), "want http(s)://HOST[:PORT]"},
		{"pushgateway without a host", append(base, "-pushgateway", "127.0.0.1:9091"), "-pushgateway"},
		{"pushgateway with a query", append(base, "-pushgateway", "http://127.0.0.1:9091/?x=1"), "no query"},
		{"state in no directory", append(base, "-state", "/nonexistent/dir/sync.state"), "does not exist"},
		{"state a directory", append(base, "-state", os.TempDir()), "not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errOut)
			lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
			if code != 2 || len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("sync %q: exit %d, stderr %q; want 2 and one line with %q", tc.args, code, errOut.String(), tc.want)
			}
			if strings.Contains(out.String()+errOut.String(), "SECRET") {
				t.Errorf("sync %q shows the password: %s", tc.args, errOut.String())
			}
			if strings.Contains(errOut.String(), "sync: sync:") {
				t.Errorf("doubled prefix: %s", errOut.String())
			}
		})
	}
	if got := n.Load(); got != 0 {
		t.Errorf("the registry received %d requests, want 0", got)
	}
}

func TestProjectsTrimmed(t *testing.T) {
	t.Parallel()
	c, err := parse([]string{"-src", "a", "-dst", "b", "-harbor", "-projects", " p1 , p2,p3 "}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"p1", "p2", "p3"}, c.projectList); diff != "" {
		t.Errorf("-projects (-want +got):\n%s", diff)
	}
}

// Kubernetes stops a pod with SIGTERM: it must cancel like ^C.
func TestSignalsIncludeSIGTERM(t *testing.T) {
	t.Parallel()
	if !strings.Contains(strings.Join(signalNames(), " "), syscall.SIGTERM.String()) {
		t.Errorf("signals = %v, want SIGTERM among them", signalNames())
	}
}

// TestSIGTERMCancels: SIGTERM cancels the run's context as ^C does.
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

func signalNames() []string {
	var out []string
	for _, s := range cli.ShutdownSignals {
		out = append(out, s.String())
	}
	return out
}

// A destination refusing every write fails each item the same way: one line says so,
// once, and the summary follows.
func TestFailuresOneLinePerCause(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	src := testutil.NewGGCRRegistry(t, nil)
	deny := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				w.Write([]byte(`{"errors":[{"code":"DENIED","message":"read-only"}]}`))
				return
			}
			h.ServeHTTP(w, r)
		})
	}
	dst := testutil.NewGGCRRegistry(t, deny)
	fx := testutil.NewFixture(9, 1<<10)
	for i, ref := range []string{"a/x:1", "a/x:2", "a/y:1", "b/z:1", "b/z:2"} {
		if err := testutil.Push(ctx, src.Host, ref, fx.Image(ref, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	code := run(ctx, []string{"-src", src.Host, "-dst", dst.Host, "-plain-http"}, &out, &errOut)
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if len(lines) > 0 && strings.HasPrefix(lines[0], "sync: syncing ") {
		lines = lines[1:] // the step line, not a failure
	}
	if code != 1 || len(lines) != 1 || !strings.Contains(lines[0], "5 items") || !strings.Contains(lines[0], "403") {
		t.Errorf("exit %d, stderr:\n%s\nwant 1 and one line for the 5 items", code, errOut.String())
	}
	if !strings.Contains(out.String(), "5 failed") {
		t.Errorf("stdout has no summary:\n%s", out.String())
	}
}

// ^C during the copy: no line per item in flight, a summary, and one line saying the run
// was interrupted.
func TestInterruptedRunSummarises(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	runCtx, interrupt := context.WithCancel(ctx)
	src := testutil.NewGGCRRegistry(t, nil)
	stopOnUpload := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				interrupt()
			}
			h.ServeHTTP(w, r)
		})
	}
	dst := testutil.NewGGCRRegistry(t, stopOnUpload)
	fx := testutil.NewFixture(10, 1<<10)
	for i := range 6 {
		ref := "a/x:" + string(rune('a'+i))
		if err := testutil.Push(ctx, src.Host, ref, fx.Image(ref, i+1)); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	code := run(runCtx, []string{"-src", src.Host, "-dst", dst.Host, "-plain-http"}, &out, &errOut)
	if code != 1 || strings.Contains(errOut.String(), "context canceled") || strings.Count(errOut.String(), "interrupted") != 1 {
		t.Errorf("exit %d, stderr:\n%s\nwant 1, one line saying interrupted, no context canceled", code, errOut.String())
	}
	if !strings.Contains(out.String(), "6 items") {
		t.Errorf("stdout has no summary:\n%s", out.String())
	}
}

// -harbor over plain HTTP to a host off loopback would send $HARBOR_PASSWORD in clear: it
// is refused before any request (harbor.invalid never resolves, so nothing could be dialed).
func TestHarborPasswordNotSentInClear(t *testing.T) {
	t.Setenv("HARBOR_USERNAME", "admin")
	t.Setenv("HARBOR_PASSWORD", "SECRET-harbor")
	for _, args := range [][]string{
		{"-harbor", "-src", "http://harbor.invalid", "-dst", "127.0.0.1:1"},
		{"-harbor", "-src", "harbor.invalid:8080", "-dst", "127.0.0.1:1", "-plain-http"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, &out, &errOut)
		if code != 2 || !strings.Contains(errOut.String(), "refusing to send credentials over plain HTTP") || strings.Contains(errOut.String(), "SECRET") {
			t.Errorf("sync %q: exit %d, stderr %q; want 2 and a refusal", args, code, errOut.String())
		}
	}
}
