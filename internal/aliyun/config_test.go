package aliyun_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/regdr/regdr/internal/aliyun"
	"github.com/regdr/regdr/internal/aliyuntest"
	"github.com/regdr/regdr/retry"
)

func TestOpenAPIConfig(t *testing.T) {
	t.Parallel()
	creds := &aliyun.Credentials{AccessKeyID: "LTAI-key", AccessKeySecret: secretKey, SecurityToken: stsToken}
	cfg := aliyun.Config{Region: "cn-shanghai", Credentials: creds}
	oc, err := aliyun.OpenAPIConfig(cfg, "cr.cn-shanghai.aliyuncs.com")
	if err != nil {
		t.Fatal(err)
	}
	if got := tea.StringValue(oc.Endpoint); got != "cr.cn-shanghai.aliyuncs.com" {
		t.Errorf("Endpoint = %q", got)
	}
	if tea.StringValue(oc.Protocol) != "HTTPS" || tea.StringValue(oc.RegionId) != "cn-shanghai" || oc.NoProxy != nil {
		t.Errorf("Protocol %q, RegionId %q, NoProxy %v; want HTTPS, cn-shanghai, none", tea.StringValue(oc.Protocol), tea.StringValue(oc.RegionId), oc.NoProxy)
	}
	if tea.IntValue(oc.ConnectTimeout) != 5000 || tea.IntValue(oc.ReadTimeout) != 30000 {
		t.Errorf("timeouts = %d, %d ms; want the defaults 5000, 30000", tea.IntValue(oc.ConnectTimeout), tea.IntValue(oc.ReadTimeout))
	}
	if tea.StringValue(oc.AccessKeyId) != "LTAI-key" || tea.StringValue(oc.AccessKeySecret) != secretKey || tea.StringValue(oc.SecurityToken) != stsToken {
		t.Error("static credentials not passed to the SDK")
	}
	if oc.HttpClient == nil {
		t.Error("no HTTP client of our own: the SDK's shared one races")
	}

	emu := aliyun.Config{Endpoint: "127.0.0.1:8080", Insecure: true, Credentials: creds, ConnectTimeout: time.Second, ReadTimeout: 2 * time.Second}
	oc, err = aliyun.OpenAPIConfig(emu, "cr.cn-hangzhou.aliyuncs.com")
	if err != nil {
		t.Fatal(err)
	}
	if tea.StringValue(oc.Endpoint) != "127.0.0.1:8080" || tea.StringValue(oc.Protocol) != "HTTP" || oc.RegionId != nil {
		t.Errorf("emulator config: Endpoint %q, Protocol %q, RegionId %v", tea.StringValue(oc.Endpoint), tea.StringValue(oc.Protocol), oc.RegionId)
	}
	if np := tea.StringValue(oc.NoProxy); !strings.Contains(np, "127.0.0.1") {
		t.Errorf("NoProxy = %q, want the loopback host", np)
	}
	if tea.IntValue(oc.ConnectTimeout) != 1000 || tea.IntValue(oc.ReadTimeout) != 2000 {
		t.Errorf("timeouts = %d, %d ms; want 1000, 2000", tea.IntValue(oc.ConnectTimeout), tea.IntValue(oc.ReadTimeout))
	}
	rt := aliyun.Runtime(emu)
	if tea.BoolValue(rt.Autoretry) || tea.IntValue(rt.ConnectTimeout) != 1000 || tea.IntValue(rt.ReadTimeout) != 2000 {
		t.Errorf("Runtime = autoretry %v, %d, %d ms; want no SDK retries and the timeouts", tea.BoolValue(rt.Autoretry), tea.IntValue(rt.ConnectTimeout), tea.IntValue(rt.ReadTimeout))
	}
}

func TestOpenAPIConfigInvalid(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]aliyun.Config{
		"no endpoint":   {Credentials: &aliyun.Credentials{AccessKeyID: "LTAI-key", AccessKeySecret: secretKey}},
		"no secret":     {Endpoint: "127.0.0.1:1", Credentials: &aliyun.Credentials{AccessKeyID: "LTAI-key", SecurityToken: stsToken}},
		"no key ID":     {Endpoint: "127.0.0.1:1", Credentials: &aliyun.Credentials{AccessKeySecret: secretKey}},
		"empty creds":   {Endpoint: "127.0.0.1:1", Credentials: &aliyun.Credentials{}},
		"token, no key": {Endpoint: "127.0.0.1:1", Credentials: &aliyun.Credentials{AccessKeySecret: secretKey, SecurityToken: stsToken}},
	} {
		_, err := aliyun.OpenAPIConfig(cfg, "")
		if !errors.Is(err, aliyun.ErrInvalidArgument) {
			t.Errorf("%s: OpenAPIConfig = %v, want ErrInvalidArgument", name, err)
			continue
		}
		if msg := fmt.Sprintf("%v %+v", err, err); strings.Contains(msg, secretKey) || strings.Contains(msg, stsToken) {
			t.Errorf("%s: error shows a secret: %s", name, msg)
		}
	}
}

// TestOpenAPIConfigDefaultChain reads the AccessKey from the environment, as the
// credentials-go default chain does, and shares the credential safely between goroutines.
func TestOpenAPIConfigDefaultChain(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-env")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secretKey)
	t.Setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "")
	t.Setenv("ALIBABA_CLOUD_PROFILE", "")
	t.Setenv("ALIBABA_CLOUD_CONFIG_FILE", "")
	oc, err := aliyun.OpenAPIConfig(aliyun.Config{Endpoint: "127.0.0.1:1"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if oc.Credential == nil || oc.AccessKeyId != nil {
		t.Fatalf("default chain: Credential %v, AccessKeyId %v; want a credential, no static key", oc.Credential, oc.AccessKeyId)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			m, err := oc.Credential.GetCredential()
			if err != nil || tea.StringValue(m.AccessKeyId) != "LTAI-env" {
				t.Errorf("GetCredential = %v, %v; want LTAI-env", m, err)
			}
		})
	}
	wg.Wait()
}

// TestReadTimeout: the HTTP client OpenAPIConfig installs bounds a call that gets no
// answer by ReadTimeout, and the error is ErrNetwork without the signature or the secret.
func TestReadTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) })
	cfg := aliyun.Config{
		Endpoint: ts.Listener.Addr().String(), Insecure: true, ReadTimeout: 200 * time.Millisecond,
		Credentials: &aliyun.Credentials{AccessKeyID: "LTAI-key", AccessKeySecret: secretKey, SecurityToken: stsToken},
		Retry:       retry.Policy{Attempts: 1},
	}
	oc, err := aliyun.OpenAPIConfig(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	api, err := cr.NewClient(oc)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- aliyun.Do(context.Background(), cfg.Clock, cfg.Retry, "GetNamespace", func() error {
			_, err := api.GetNamespaceWithOptions(&cr.GetNamespaceRequest{InstanceId: tea.String("cri-x"), NamespaceName: tea.String("ns")}, aliyun.Runtime(cfg))
			return err
		})
	}()
	select {
	case err := <-done:
		if !errors.Is(err, aliyun.ErrNetwork) {
			t.Errorf("Do = %v, want ErrNetwork", err)
		}
		if msg := fmt.Sprintf("%v %+v", err, err); strings.Contains(msg, secretKey) || strings.Contains(msg, stsToken) || strings.Contains(msg, "Signature=") {
			t.Errorf("error shows a secret: %s", msg)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the call outlived its 200ms read timeout")
	}
}

// TestPoolOfSDKClients runs calls of one Pool of real SDK clients at once against the
// emulator, which answers only when all of them are in flight: they run in parallel, on
// clients of their own, without a data race.
func TestPoolOfSDKClients(t *testing.T) {
	t.Parallel()
	const n = 6
	srv := aliyuntest.NewServer("2018-12-01")
	srv.AddKey("LTAI-key", secretKey)
	var inFlight atomic.Int32
	all := make(chan struct{})
	srv.Handle("GetNamespace", func(r *aliyuntest.Request) (any, error) {
		if inFlight.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
		case <-r.HTTP.Context().Done():
		}
		return map[string]any{"IsSuccess": true, "Code": "success", "NamespaceName": r.Get("NamespaceName")}, nil
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	cfg := aliyun.Config{
		Endpoint: ts.Listener.Addr().String(), Insecure: true, ReadTimeout: 10 * time.Second,
		Credentials: &aliyun.Credentials{AccessKeyID: "LTAI-key", AccessKeySecret: secretKey},
	}
	oc, err := aliyun.OpenAPIConfig(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	pool, err := aliyun.NewPool(func() (*cr.Client, error) { return cr.NewClient(oc) })
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("ns%d", i)
			err := aliyun.Do(context.Background(), cfg.Clock, cfg.Retry, "GetNamespace", func() error {
				return pool.Use(func(api *cr.Client) error {
					resp, err := api.GetNamespaceWithOptions(&cr.GetNamespaceRequest{InstanceId: tea.String("cri-x"), NamespaceName: tea.String(name)}, aliyun.Runtime(cfg))
					if err != nil {
						return err
					}
					if got := tea.StringValue(resp.Body.NamespaceName); got != name {
						return fmt.Errorf("answer for %s is %s", name, got)
					}
					return aliyun.CheckSuccess("GetNamespace", resp.Body)
				})
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if pool.Created() != n {
		t.Errorf("Created = %d, want %d: one SDK client per call in flight", pool.Created(), n)
	}
	if c := srv.CallCount("GetNamespace"); c != n {
		t.Errorf("emulator answered %d calls, want %d", c, n)
	}
}
