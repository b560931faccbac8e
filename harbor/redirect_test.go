package harbor_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/harbor"
)

// redirector answers the first request with a 301 to where(the request's URL) and every
// later one with an empty JSON list, and records each request it sees as
// "scheme://host/path auth=<yes|no>". It never dials: harbor.invalid is never resolved.
type redirector struct {
	where func(u url.URL) url.URL

	mu   sync.Mutex
	seen []string
}

func (d *redirector) RoundTrip(r *http.Request) (*http.Response, error) {
	d.mu.Lock()
	first := len(d.seen) == 0
	auth := "no"
	if strings.HasPrefix(r.Header.Get("Authorization"), "Basic ") {
		auth = "yes"
	}
	d.seen = append(d.seen, r.URL.Scheme+"://"+r.URL.Host+r.URL.Path+" auth="+auth)
	d.mu.Unlock()
	if first {
		to := d.where(*r.URL)
		return &http.Response{StatusCode: http.StatusMovedPermanently, Header: http.Header{"Location": {to.String()}},
			Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader("[]")), Request: r}, nil
}

func (d *redirector) requests() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.seen...)
}

var errCallerPolicy = errors.New("the caller's redirect policy said no")

// TestRedirectsKeepSchemeAndHost: the client never follows a redirect to another scheme or
// host — net/http's default policy re-sends the Basic password to the same host over plain
// HTTP (a load balancer's http/https rule the wrong way round, or whoever answers on the
// TLS name), and to any subdomain — whether it builds its own http.Client (WithTransport)
// or is handed one (WithHTTPClient, whose own CheckRedirect still applies on top). A
// redirect on the same scheme and host is followed.
func TestRedirectsKeepSchemeAndHost(t *testing.T) {
	t.Parallel()
	const secret = "H4rb0r-S3cret"
	const path = "/api/v2.0/registries"
	move := func(scheme, host, path string) func(url.URL) url.URL {
		return func(u url.URL) url.URL {
			u.Scheme, u.Host, u.Path = scheme, host, path
			return u
		}
	}
	for _, tc := range []struct {
		name   string
		base   string
		where  func(url.URL) url.URL
		viaHC  bool                                       // WithHTTPClient instead of WithTransport
		policy func(*http.Request, []*http.Request) error // the caller's CheckRedirect (viaHC)
		want   error
		sent   []string
	}{
		{
			name: "https to http, same host", base: "https://harbor.invalid", where: move("http", "harbor.invalid", path),
			want: harbor.ErrRedirect, sent: []string{"https://harbor.invalid" + path + " auth=yes"},
		},
		{
			name: "https to http, same host, caller's client", base: "https://harbor.invalid", where: move("http", "harbor.invalid", path),
			viaHC: true, want: harbor.ErrRedirect, sent: []string{"https://harbor.invalid" + path + " auth=yes"},
		},
		{
			name: "https to http, caller's client allowing everything", base: "https://harbor.invalid", where: move("http", "harbor.invalid", path),
			viaHC: true, policy: func(*http.Request, []*http.Request) error { return nil },
			want: harbor.ErrRedirect, sent: []string{"https://harbor.invalid" + path + " auth=yes"},
		},
		{
			name: "another port", base: "https://harbor.invalid", where: move("https", "harbor.invalid:8443", path),
			want: harbor.ErrRedirect, sent: []string{"https://harbor.invalid" + path + " auth=yes"},
		},
		{
			name: "subdomain", base: "https://harbor.invalid", where: move("https", "evil.harbor.invalid", path),
			want: harbor.ErrRedirect, sent: []string{"https://harbor.invalid" + path + " auth=yes"},
		},
		{
			name: "another host over http", base: "http://127.0.0.1:8080", where: move("http", "127.0.0.2:8080", path),
			want: harbor.ErrRedirect, sent: []string{"http://127.0.0.1:8080" + path + " auth=yes"},
		},
		{
			name: "http to https is refused too", base: "http://127.0.0.1:8080", where: move("https", "127.0.0.1:8080", path),
			want: harbor.ErrRedirect, sent: []string{"http://127.0.0.1:8080" + path + " auth=yes"},
		},
		{
			name: "same scheme and host", base: "https://harbor.invalid", where: move("https", "harbor.invalid", path+"/"),
			sent: []string{"https://harbor.invalid" + path + " auth=yes", "https://harbor.invalid" + path + "/ auth=yes"},
		},
		{
			name: "same scheme and host, caller's client", base: "https://harbor.invalid", where: move("https", "harbor.invalid", path+"/"),
			viaHC: true,
			sent:  []string{"https://harbor.invalid" + path + " auth=yes", "https://harbor.invalid" + path + "/ auth=yes"},
		},
		{
			name: "same scheme and host, caller's policy refuses", base: "https://harbor.invalid", where: move("https", "harbor.invalid", path+"/"),
			viaHC: true, policy: func(*http.Request, []*http.Request) error { return errCallerPolicy },
			want: errCallerPolicy, sent: []string{"https://harbor.invalid" + path + " auth=yes"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := &redirector{where: tc.where}
			opt := harbor.WithTransport(d)
			if tc.viaHC {
				opt = harbor.WithHTTPClient(&http.Client{Transport: d, CheckRedirect: tc.policy})
			}
			c, err := harbor.New(tc.base, harbor.WithBasicAuth("admin", secret), opt)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err = c.ListRegistries(ctx)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("ListRegistries() = %v, want %v", err, tc.want)
			}
			if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), base64.StdEncoding.EncodeToString([]byte("admin:"+secret)))) {
				t.Errorf("ListRegistries() error %q shows the password", err)
			}
			if diff := cmp.Diff(tc.sent, d.requests()); diff != "" {
				t.Errorf("requests sent (-want +got):\n%s", diff)
			}
		})
	}
}
