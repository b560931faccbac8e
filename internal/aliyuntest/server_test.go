package aliyuntest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	alidns "github.com/alibabacloud-go/alidns-20150109/v5/client"
	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	pvtz "github.com/alibabacloud-go/pvtz-20180101/v2/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/regdr/regdr/internal/aliyun"
	"github.com/regdr/regdr/internal/aliyuntest"
	"github.com/regdr/regdr/retry"
)

const (
	keyID  = "LTAI-test-key"
	secret = "s3cr3t-never-printed"
)

// start serves srv on loopback and returns an aliyun.Config pointing at it.
func start(t *testing.T, srv *aliyuntest.Server, creds aliyun.Credentials) aliyun.Config {
	t.Helper()
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return aliyun.Config{
		Region:      "cn-hangzhou",
		Endpoint:    ts.Listener.Addr().String(),
		Insecure:    true,
		Credentials: &creds,
		Clock:       aliyuntest.NewInstantClock(time.Time{}),
	}
}

func crClient(t *testing.T, cfg aliyun.Config) *cr.Client {
	t.Helper()
	oc, err := aliyun.OpenAPIConfig(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := cr.NewClient(oc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func namespaceServer() *aliyuntest.Server {
	srv := aliyuntest.NewServer("2018-12-01")
	srv.AddKey(keyID, secret)
	srv.Handle("GetNamespace", func(r *aliyuntest.Request) (any, error) {
		if r.Get("NamespaceName") != "test-project" {
			return map[string]any{"IsSuccess": false, "Code": "NAMESPACE_NOT_EXIST"}, nil
		}
		return map[string]any{"IsSuccess": true, "Code": "success", "NamespaceName": r.Get("NamespaceName"), "InstanceId": r.Get("InstanceId"), "AutoCreateRepo": true}, nil
	})
	return srv
}

func getNamespace(ctx context.Context, cfg aliyun.Config, c *cr.Client, name string) (*cr.GetNamespaceResponseBody, error) {
	var body *cr.GetNamespaceResponseBody
	err := aliyun.Do(ctx, cfg.Clock, cfg.Retry, "GetNamespace", func() error {
		resp, err := c.GetNamespaceWithOptions(&cr.GetNamespaceRequest{InstanceId: tea.String("cri-test"), NamespaceName: tea.String(name)}, aliyun.Runtime(cfg))
		if err != nil {
			return err
		}
		body = resp.Body
		return aliyun.CheckSuccess("GetNamespace", resp.Body)
	})
	return body, err
}

func TestRealSDKSignatureAccepted(t *testing.T) {
	t.Parallel()
	srv := namespaceServer()
	cfg := start(t, srv, aliyun.Credentials{AccessKeyID: keyID, AccessKeySecret: secret})
	body, err := getNamespace(context.Background(), cfg, crClient(t, cfg), "test-project")
	if err != nil {
		t.Fatalf("GetNamespace: %v", err)
	}
	if got := tea.StringValue(body.InstanceId); got != "cri-test" {
		t.Errorf("InstanceId = %q, want cri-test", got)
	}
	if tea.StringValue(body.RequestId) == "" {
		t.Error("answer has no RequestId")
	}
	calls := srv.Calls()
	if len(calls) != 1 || calls[0].Action != "GetNamespace" || calls[0].AccessKeyID != keyID {
		t.Errorf("calls = %+v, want one GetNamespace by %s", calls, keyID)
	}
}

func TestIsSuccessFalseIsAnError(t *testing.T) {
	t.Parallel()
	cfg := start(t, namespaceServer(), aliyun.Credentials{AccessKeyID: keyID, AccessKeySecret: secret})
	_, err := getNamespace(context.Background(), cfg, crClient(t, cfg), "missing")
	if !errors.Is(err, aliyun.ErrNotFound) {
		t.Fatalf("GetNamespace(missing) = %v, want ErrNotFound", err)
	}
	var e *aliyun.Error
	if !errors.As(err, &e) || e.Code != "NAMESPACE_NOT_EXIST" || e.StatusCode != 200 || e.RequestID == "" {
		t.Errorf("error = %#v, want code NAMESPACE_NOT_EXIST, HTTP 200 and a request ID", e)
	}
}

func TestBadCredentialsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		creds aliyun.Credentials
		code  string
	}{
		{"wrong secret", aliyun.Credentials{AccessKeyID: keyID, AccessKeySecret: "wrong-" + secret}, "SignatureDoesNotMatch"},
		{"unknown key", aliyun.Credentials{AccessKeyID: "LTAI-nobody", AccessKeySecret: secret}, "InvalidAccessKeyId.NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := namespaceServer()
			cfg := start(t, srv, tt.creds)
			_, err := getNamespace(context.Background(), cfg, crClient(t, cfg), "test-project")
			if !errors.Is(err, aliyun.ErrUnauthorized) {
				t.Fatalf("GetNamespace = %v, want ErrUnauthorized", err)
			}
			var e *aliyun.Error
			if !errors.As(err, &e) || e.Code != tt.code || e.RequestID == "" {
				t.Errorf("error = %#v, want code %s with a request ID", e, tt.code)
			}
			if strings.Contains(err.Error(), tt.creds.AccessKeySecret) {
				t.Errorf("error text contains the secret: %v", err)
			}
			if n := srv.CallCount(""); n != 0 {
				t.Errorf("%d calls reached a handler", n)
			}
		})
	}
}

func TestSTSToken(t *testing.T) {
	t.Parallel()
	srv := namespaceServer()
	srv.AddSTS("STS.key", "sts-secret", "token-1")
	good := start(t, srv, aliyun.Credentials{AccessKeyID: "STS.key", AccessKeySecret: "sts-secret", SecurityToken: "token-1"})
	if _, err := getNamespace(context.Background(), good, crClient(t, good), "test-project"); err != nil {
		t.Fatalf("with the STS token: %v", err)
	}
	bad := start(t, srv, aliyun.Credentials{AccessKeyID: "STS.key", AccessKeySecret: "sts-secret", SecurityToken: "token-2"})
	if _, err := getNamespace(context.Background(), bad, crClient(t, bad), "test-project"); !errors.Is(err, aliyun.ErrUnauthorized) {
		t.Fatalf("with a wrong STS token: %v, want ErrUnauthorized", err)
	}
}

func TestRetriesThrottlingAndServerErrors(t *testing.T) {
	t.Parallel()
	srv := namespaceServer()
	srv.Throttle("GetNamespace", 1)
	srv.FailNext("GetNamespace", 1, &aliyuntest.Error{Status: 503, Code: "ServiceUnavailable", Message: "try later"})
	cfg := start(t, srv, aliyun.Credentials{AccessKeyID: keyID, AccessKeySecret: secret})
	clk := aliyuntest.NewInstantClock(time.Time{})
	cfg.Clock = clk
	cfg.Retry = retry.Policy{Attempts: 3, Initial: 100 * time.Millisecond}
	if _, err := getNamespace(context.Background(), cfg, crClient(t, cfg), "test-project"); err != nil {
		t.Fatalf("GetNamespace after a throttle and a 503: %v", err)
	}
	waits := clk.Waits()
	if len(waits) != 2 {
		t.Fatalf("slept %d times, want 2", len(waits))
	}
	if waits[0] < 50*time.Millisecond || waits[0] > 100*time.Millisecond || waits[1] < 100*time.Millisecond || waits[1] > 200*time.Millisecond {
		t.Errorf("backoff waits = %v, want jittered 50–100ms then 100–200ms", waits)
	}

	srv.Throttle("GetNamespace", 5)
	_, err := getNamespace(context.Background(), cfg, crClient(t, cfg), "test-project")
	if !errors.Is(err, aliyun.ErrThrottled) {
		t.Fatalf("GetNamespace throttled past the attempts = %v, want ErrThrottled", err)
	}
}

func TestNoRetryOnPermanentErrors(t *testing.T) {
	t.Parallel()
	srv := namespaceServer()
	cfg := start(t, srv, aliyun.Credentials{AccessKeyID: keyID, AccessKeySecret: "wrong"})
	clk := aliyuntest.NewInstantClock(time.Time{})
	cfg.Clock = clk
	if _, err := getNamespace(context.Background(), cfg, crClient(t, cfg), "test-project"); err == nil {
		t.Fatal("want an error")
	}
	if slept := len(clk.Waits()); slept != 0 || len(srv.Calls()) != 1 {
		t.Errorf("an auth error was retried: %d sleeps, %d calls", slept, len(srv.Calls()))
	}
}

func TestPvtzAndAlidnsSignaturesAccepted(t *testing.T) {
	t.Parallel()
	pz := aliyuntest.NewServer("2018-01-01")
	pz.AddKey(keyID, secret)
	pz.Handle("DescribeZones", func(r *aliyuntest.Request) (any, error) {
		return map[string]any{"TotalItems": 0, "PageNumber": 1, "PageSize": 20, "Zones": map[string]any{"Zone": []any{}}, "Keyword": r.Get("Keyword")}, nil
	})
	cfg := start(t, pz, aliyun.Credentials{AccessKeyID: keyID, AccessKeySecret: secret})
	oc, _ := aliyun.OpenAPIConfig(cfg, "")
	pc, err := pvtz.NewClient(oc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pc.DescribeZonesWithContext(context.Background(), &pvtz.DescribeZonesRequest{Keyword: tea.String("cross-region.registry.io"), SearchMode: tea.String("EXACT")}, aliyun.Runtime(cfg)); err != nil {
		t.Fatalf("pvtz DescribeZones: %v", aliyun.Convert("DescribeZones", err))
	}

	ad := aliyuntest.NewServer("2015-01-09")
	ad.AddKey(keyID, secret)
	ad.Handle("DescribeDomainRecords", func(r *aliyuntest.Request) (any, error) {
		return map[string]any{"TotalCount": 0, "PageNumber": 1, "PageSize": 20, "DomainRecords": map[string]any{"Record": []any{}}}, nil
	})
	cfg = start(t, ad, aliyun.Credentials{AccessKeyID: keyID, AccessKeySecret: secret})
	oc, _ = aliyun.OpenAPIConfig(cfg, "")
	ac, err := alidns.NewClient(oc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ac.DescribeDomainRecordsWithContext(context.Background(), &alidns.DescribeDomainRecordsRequest{DomainName: tea.String("example.com")}, aliyun.Runtime(cfg)); err != nil {
		t.Fatalf("alidns DescribeDomainRecords: %v", aliyun.Convert("DescribeDomainRecords", err))
	}
}

func TestV1QuerySigning(t *testing.T) {
	t.Parallel()
	srv := namespaceServer()
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	params := url.Values{
		"Action": {"GetNamespace"}, "Version": {"2018-12-01"}, "AccessKeyId": {keyID}, "Format": {"JSON"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureVersion": {"1.0"}, "SignatureNonce": {"n-1"},
		"Timestamp": {"2026-01-01T00:00:00Z"}, "InstanceId": {"cri-test"}, "NamespaceName": {"test-project"},
	}
	for _, tt := range []struct {
		secret string
		status int
	}{{secret, 200}, {"wrong", 400}} {
		resp, err := http.Post(ts.URL+"/?"+aliyuntest.SignV1("POST", params, tt.secret), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("v1 call signed with %q: HTTP %d %s, want %d", tt.secret, resp.StatusCode, b, tt.status)
		}
	}
	if calls := srv.Calls(); len(calls) != 2 || calls[0].Params.Get("NamespaceName") != "test-project" || calls[0].Params.Has("Signature") {
		t.Errorf("calls = %+v, want the action's own parameters only", calls)
	}
}

func TestCredentialsNeverPrinted(t *testing.T) {
	t.Parallel()
	c := aliyun.Credentials{AccessKeyID: keyID, AccessKeySecret: secret, SecurityToken: "sts-token-value"}
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("creds", "c", c)
	js, _ := c.MarshalJSON()
	for _, out := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprintf("%s", c), fmt.Sprintf("%v", &c), string(js), logged.String()} {
		if strings.Contains(out, secret) || strings.Contains(out, "sts-token-value") {
			t.Errorf("secret printed: %s", out)
		}
		if !strings.Contains(out, keyID) {
			t.Errorf("key ID missing: %s", out)
		}
	}
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	if _, err := aliyun.OpenAPIConfig(aliyun.Config{}, ""); !errors.Is(err, aliyun.ErrInvalidArgument) {
		t.Errorf("no endpoint: %v, want ErrInvalidArgument", err)
	}
	if _, err := aliyun.OpenAPIConfig(aliyun.Config{Endpoint: "x", Credentials: &aliyun.Credentials{AccessKeyID: "id"}}, ""); !errors.Is(err, aliyun.ErrInvalidArgument) {
		t.Errorf("no secret: %v, want ErrInvalidArgument", err)
	}
}
