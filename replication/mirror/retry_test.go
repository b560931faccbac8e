package mirror

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"
)

type fakeClock struct{ waits []time.Duration }

func (c *fakeClock) Now() time.Time { return time.Time{} }
func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.waits = append(c.waits, d)
	ch := make(chan time.Time, 1)
	ch <- time.Time{}
	return ch
}

func TestRetryable(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&HTTPError{StatusCode: 503}, true},
		{&HTTPError{StatusCode: 500}, true},
		{&HTTPError{StatusCode: 429}, true},
		{&HTTPError{StatusCode: 401}, false},
		{&HTTPError{StatusCode: 403}, false},
		{&HTTPError{StatusCode: 404}, false},
		{fmt.Errorf("reading: %w", syscall.ECONNRESET), true},
		{io.ErrUnexpectedEOF, true},
		{context.Canceled, false},
		{fmt.Errorf("x: %w", ErrDigestMismatch), false},
		// net/http's error for a connection closed under a request it had started writing
		// (transport.go: an idle-close by CloseIdleConnections racing the request's
		// reuse of the connection — httptest.Server.Close calls it on
		// http.DefaultTransport), as an item failed with it in a test run: bare, and in
		// a *url.Error (a net.Error, retried already).
		{fmt.Errorf("net/http: HTTP/1.x transport connection broken: %w", errors.New("http: CloseIdleConnections called")), true},
		{&url.Error{Op: "Put", URL: "http://127.0.0.1:1/v2/x/blobs/uploads/1", Err: fmt.Errorf(
			"net/http: HTTP/1.x transport connection broken: %w", errors.New("http: CloseIdleConnections called"))}, true},
	} {
		if got := retryable(tc.err); got != tc.want {
			t.Errorf("retryable(%v) = %t, want %t", tc.err, got, tc.want)
		}
	}
}

func TestRetryBackoff(t *testing.T) {
	t.Parallel()
	r := policy{Attempts: 6, Base: 100 * time.Millisecond, Max: time.Second}
	clock := &fakeClock{}
	calls := 0
	err := retryDo(context.Background(), r, clock, nil, func() error {
		calls++
		return &HTTPError{StatusCode: 502}
	})
	var he *HTTPError
	if !errors.As(err, &he) || calls != 6 || len(clock.waits) != 5 {
		t.Fatalf("err %v after %d calls, %d waits; want 6 calls, 5 waits", err, calls, len(clock.waits))
	}
	for i, w := range clock.waits {
		hi := min(r.Base<<i, r.Max)
		if w < hi/2 || w > hi {
			t.Errorf("wait %d = %v, want in [%v, %v]", i, w, hi/2, hi)
		}
	}

	clock = &fakeClock{}
	calls = 0
	_ = retryDo(context.Background(), r, clock, nil, func() error {
		if calls++; calls == 1 {
			return &HTTPError{StatusCode: http.StatusTooManyRequests, RetryAfter: "7"}
		}
		return nil
	})
	if diff := cmp.Diff([]time.Duration{time.Second}, clock.waits); diff != "" {
		t.Errorf("Retry-After 7 capped by Max 1s (-want +got):\n%s", diff)
	}

	calls = 0
	_ = retryDo(context.Background(), r, clock, nil, func() error {
		calls++
		return &HTTPError{StatusCode: http.StatusUnauthorized}
	})
	if calls != 1 {
		t.Errorf("401 tried %d times, want 1", calls)
	}
}

func TestNextLink(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`</v2/_catalog?last=b&n=2>; rel="next"`:                 "/v2/_catalog?last=b&n=2",
		`<https://r.example/v2/x/tags/list?last=1>; rel="next"`: "https://r.example/v2/x/tags/list?last=1",
		``:                              "",
		`</v2/a>; rel="prev"`:           "",
		`<.evil.example/x>; rel="next"`: "/.evil.example/x",
		`<a b>; rel="next"`:             "/a%20b",
	} {
		if got := nextLink(in); got != want {
			t.Errorf("nextLink(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseManifest(t *testing.T) {
	t.Parallel()
	a, b := "sha256:"+strings.Repeat("a", 64), "sha256:"+strings.Repeat("b", 64)
	raw := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":"` + a + `"},{"digest":"` + b + `"}]}`)
	m, err := parseManifest(raw, "")
	if err != nil {
		t.Fatal(err)
	}
	want := Manifest{MediaType: "application/vnd.oci.image.index.v1+json", Size: int64(len(raw)), Children: []string{a, b}}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("parseManifest (-want +got):\n%s", diff)
	}
	if _, err := parseManifest([]byte(`{"schemaVersion":1}`), "application/vnd.docker.distribution.manifest.v1+prettyjws"); err == nil {
		t.Error("schema 1 accepted")
	}
	for _, bad := range []string{
		`{"mediaType":"x","manifests":[{"digest":"sha256:a"}]}`,
		`{"mediaType":"x","manifests":[{"digest":"../../v2/y/manifests/latest"}]}`,
		`{"mediaType":"x","layers":[{"digest":"` + a + `?mount=z","size":1}]}`,
		`{"mediaType":"x","layers":[{"digest":"` + a + `","size":-1}]}`,
		`{"mediaType":"x","config":{"digest":"x","size":1}}`,
	} {
		if _, err := parseManifest([]byte(bad), ""); !errors.Is(err, ErrInvalidManifest) {
			t.Errorf("parseManifest(%s) = %v, want ErrInvalidManifest", bad, err)
		}
	}
}

func TestEndpointHidesCredentials(t *testing.T) {
	t.Parallel()
	ep := Endpoint{Registry: "r.example", Auth: &authn.Basic{Username: "u", Password: "hunter2"}}
	if s := fmt.Sprintf("%v %+v %s %#v", ep, ep, ep, ep); contains(s, "hunter2") {
		t.Errorf("endpoint prints its credentials: %s", s)
	}
	e := &HTTPError{Method: "GET", Path: "/v2/x/manifests/1", StatusCode: 401, Code: "UNAUTHORIZED"}
	if got, want := e.Error(), "GET /v2/x/manifests/1: 401 Unauthorized: UNAUTHORIZED"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestRetryAfterDateUsesTheClock: a Retry-After given as an HTTP date is counted from
// the injected clock, like every other wait, not from the wall clock.
func TestRetryAfterDateUsesTheClock(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{} // Now is the zero time
	at := time.Time{}.Add(3 * time.Second).UTC().Format(http.TimeFormat)
	calls := 0
	_ = retryDo(context.Background(), policy{Max: time.Minute}, clock, nil, func() error {
		if calls++; calls == 1 {
			return &HTTPError{StatusCode: http.StatusServiceUnavailable, RetryAfter: at}
		}
		return nil
	})
	if diff := cmp.Diff([]time.Duration{3 * time.Second}, clock.waits); diff != "" {
		t.Errorf("Retry-After %q on a clock at %v (-want +got):\n%s", at, clock.Now(), diff)
	}
}
