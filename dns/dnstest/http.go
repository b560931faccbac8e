package dnstest

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/internal/aliyuntest"
)

// The AccessKey every emulator accepts unless told otherwise (see WithAccessKey).
const (
	AccessKeyID     = "LTAI-dnstest"
	AccessKeySecret = "dnstest-secret"
)

// Option configures an emulator.
type Option func(*options) error

type options struct {
	keys        [][2]string
	sts         [][3]string
	maxPageSize int
}

// WithSTS makes the emulator accept an STS AccessKey, which must come with its token
// (and no longer the default AccessKeyID/AccessKeySecret pair, unless WithAccessKey
// adds it back).
func WithSTS(id, secret, token string) Option {
	return func(o *options) error {
		if id == "" || secret == "" || token == "" {
			return errors.New("dnstest: empty STS credential")
		}
		o.sts = append(o.sts, [3]string{id, secret, token})
		return nil
	}
}

// WithAccessKey makes the emulator accept this AccessKey (and no longer the default
// AccessKeyID/AccessKeySecret pair). Signatures are verified against it.
func WithAccessKey(id, secret string) Option {
	return func(o *options) error {
		if id == "" || secret == "" {
			return errors.New("dnstest: empty AccessKey")
		}
		o.keys = append(o.keys, [2]string{id, secret})
		return nil
	}
}

// WithMaxPageSize lowers the largest PageSize the emulator serves, so tests cross page
// boundaries with few records. The default is the product's (PrivateZone 100, Alidns 500).
func WithMaxPageSize(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("dnstest: max page size %d < 1", n)
		}
		o.maxPageSize = n
		return nil
	}
}

func buildOptions(opts []Option, maxPage int) (options, error) {
	o := options{maxPageSize: maxPage}
	for _, fn := range opts {
		if err := fn(&o); err != nil {
			return o, err
		}
	}
	if len(o.keys) == 0 && len(o.sts) == 0 {
		o.keys = [][2]string{{AccessKeyID, AccessKeySecret}}
	}
	o.maxPageSize = min(o.maxPageSize, maxPage)
	return o, nil
}

// api is the OpenAPI side an emulator shares: signature checks, dispatch, faults, call log.
type api struct {
	srv *aliyuntest.Server
}

func newAPI(version string, o options, actions map[string]func(url.Values) (any, *apiError)) api {
	srv := aliyuntest.NewServer(version)
	for _, k := range o.keys {
		srv.AddKey(k[0], k[1])
	}
	for _, k := range o.sts {
		srv.AddSTS(k[0], k[1], k[2])
	}
	for name, h := range actions {
		srv.Handle(name, func(r *aliyuntest.Request) (any, error) {
			out, aerr := h(r.Params)
			if aerr != nil {
				return nil, &aliyuntest.Error{Status: aerr.status, Code: aerr.code, Message: aerr.message}
			}
			return out, nil
		})
	}
	return api{srv: srv}
}

// ServeHTTP answers one signed OpenAPI call.
func (a api) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.srv.ServeHTTP(w, r) }

// Start serves the emulator on a loopback httptest server, closed when the test ends,
// and returns its "127.0.0.1:port" endpoint (use it with Insecure); Config does the rest.
func (a api) Start(t testing.TB) string {
	ts := httptest.NewServer(a.srv)
	t.Cleanup(ts.Close)
	return ts.Listener.Addr().String()
}

// Config serves the emulator like Start and returns a ready client configuration: its
// endpoint, plain HTTP, region cn-hangzhou and the default AccessKey (AccessKeyID); a
// test that gave the emulator other keys (WithAccessKey, WithSTS) sets Credentials
// itself. One line opens a provider on it:
//
//	p, err := privatezone.New(ctx, pz.Config(t), "cross-region.registry.io", "vpc-bbbbb")
func (a api) Config(t testing.TB) alicloud.Config {
	t.Helper()
	return alicloud.Config{
		Region: "cn-hangzhou", Endpoint: a.Start(t), Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: AccessKeyID, AccessKeySecret: AccessKeySecret},
	}
}

// FailNext makes the next n calls of action ("" = any) fail with this HTTP status and
// Alibaba error code, after their signature is verified.
func (a api) FailNext(action string, n, status int, code string) {
	a.srv.FailNext(action, n, &aliyuntest.Error{Status: status, Code: code, Message: "injected by dnstest"})
}

// Throttle makes the next n calls of action fail with Alibaba's throttling answer.
func (a api) Throttle(action string, n int) { a.srv.Throttle(action, n) }

// CallCount returns how many calls of action ("" = all) were answered successfully.
func (a api) CallCount(action string) int { return a.srv.CallCount(action) }

// Calls lists the actions answered so far, oldest first, with their error codes ("" on
// success): "UpdateZoneRecord", "DescribeZones Throttling.User"...
func (a api) Calls() []string {
	var out []string
	for _, c := range a.srv.Calls() {
		s := c.Action
		if c.Code != "" {
			s += " " + c.Code
		}
		out = append(out, s)
	}
	return out
}
