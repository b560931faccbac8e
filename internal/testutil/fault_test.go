package testutil

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFaultTransport(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", 1000))
	}))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, kind := range []FaultKind{Fault5xx, Fault429, FaultReset, FaultBodyCut} {
		ft := NewFaultTransport(nil, Faults{Seed: 1, Rate: 1, Kinds: []FaultKind{kind}, RetryAfter: "2", MaxInARow: 1})
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v2/x/blobs/sha256:1", nil)
		resp, err := ft.RoundTrip(req)
		switch kind {
		case Fault5xx:
			if err != nil || resp.StatusCode != 503 {
				t.Errorf("%s: %v %v", kind, resp, err)
			}
		case Fault429:
			if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
				t.Errorf("%s: %v %v", kind, resp, err)
			}
		case FaultReset:
			if !errors.Is(err, syscall.ECONNRESET) {
				t.Errorf("%s: err = %v, want ECONNRESET", kind, err)
			}
		case FaultBodyCut:
			if err != nil {
				t.Fatalf("%s: %v", kind, err)
			}
			b, rerr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if len(b) != 500 || !errors.Is(rerr, syscall.ECONNRESET) {
				t.Errorf("%s: read %d bytes, err %v; want 500 then ECONNRESET", kind, len(b), rerr)
			}
		}
		// MaxInARow 1: the same request gets through the second time.
		req, _ = http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v2/x/blobs/sha256:1", nil)
		resp, err = ft.RoundTrip(req)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("%s: second try %v %v, want 200", kind, resp, err)
		} else {
			resp.Body.Close()
		}
		if diff := cmp.Diff(map[FaultKind]int{kind: 1}, ft.Injected()); diff != "" {
			t.Errorf("Injected() (-want +got):\n%s", diff)
		}
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]Request{
		"/v2/":                 {Method: "GET", Kind: "ping"},
		"/v2/_catalog?n=2":     {Method: "GET", Kind: "catalog"},
		"/v2/a/b/tags/list":    {Method: "GET", Kind: "tags", Repo: "a/b"},
		"/v2/a/b/manifests/v1": {Method: "GET", Kind: "manifest", Repo: "a/b", Ref: "v1"},
		"/v2/a/blobs/sha256:1": {Method: "GET", Kind: "blob", Repo: "a", Ref: "sha256:1"},
		"/v2/a/blobs/uploads/?mount=sha256:1&from=b": {Method: "GET", Kind: "upload", Repo: "a", Mount: "b"},
		"/v2/a/blobs/uploads/123?digest=sha256:2":    {Method: "GET", Kind: "upload", Repo: "a", Ref: "sha256:2"},
		"/v2/a/referrers/sha256:3":                   {Method: "GET", Kind: "referrers", Repo: "a", Ref: "sha256:3"},
	} {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		if diff := cmp.Diff(want, Parse(req)); diff != "" {
			t.Errorf("Parse(%s) (-want +got):\n%s", url, diff)
		}
	}
}

func TestImmediateClock(t *testing.T) {
	t.Parallel()
	c := &ImmediateClock{}
	start := c.Now()
	<-c.After(time.Second)
	<-c.After(2 * time.Second)
	if got := c.Now().Sub(start); got != 3*time.Second {
		t.Errorf("Now advanced %v, want 3s", got)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, c.Waits()); diff != "" {
		t.Errorf("Waits (-want +got):\n%s", diff)
	}
}

func TestFaultTransportLatency(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	clock := NewClock(time.Time{})
	ft := NewFaultTransport(nil, Faults{Latency: 250 * time.Millisecond, Clock: clock})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v2/", nil)
		resp, err := ft.RoundTrip(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	if !clock.WaitForWaiters(1, 5*time.Second) {
		t.Fatal("request never waited on the clock")
	}
	select {
	case err := <-done:
		t.Fatalf("request finished before the latency passed: %v", err)
	default:
	}
	clock.Advance(250 * time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
