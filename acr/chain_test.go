package acr_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/internal/aliyuntest"
	"github.com/regdr/regdr/retry"
)

// TestDefaultCredentialChain: nil Credentials reads the AccessKey from the environment.
// Not parallel: it sets environment variables.
func TestDefaultCredentialChain(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", acrtest.DefaultAccessKeyID)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", acrtest.DefaultAccessKeySecret)
	srv := acrtest.New()
	api := httptest.NewServer(srv.OpenAPI())
	t.Cleanup(api.Close)
	c, err := acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID,
		Cloud: alicloud.Config{Region: acrtest.DefaultRegion, Endpoint: api.Listener.Addr().String(), Insecure: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListNamespaces(ctxT(t)); err != nil {
		t.Fatalf("ListNamespaces with the default chain: %v", err)
	}
}

func TestNoAnswer(t *testing.T) {
	t.Parallel()
	api := httptest.NewServer(acrtest.New().OpenAPI())
	addr := api.Listener.Addr().String()
	api.Close()
	c, err := acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: alicloud.Config{
		Region: acrtest.DefaultRegion, Endpoint: addr, Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: "k", AccessKeySecret: "s"},
		Retry:       retry.Policy{Attempts: 2}, Clock: aliyuntest.NewInstantClock(time.Time{})}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetInstance(ctxT(t)); !errors.Is(err, acr.ErrNetwork) {
		t.Errorf("GetInstance on a closed port = %v, want ErrNetwork", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.GetInstance(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("GetInstance with a canceled context = %v, want context.Canceled", err)
	}
}
