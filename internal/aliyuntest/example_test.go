package aliyuntest_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/regdr/regdr/internal/aliyun"
	"github.com/regdr/regdr/internal/aliyuntest"
	"github.com/regdr/regdr/retry"
)

func Example() {
	// An emulator of one action, verifying the real SDK's signatures.
	srv := aliyuntest.NewServer("2018-12-01")
	srv.AddKey("LTAI-example", "example-secret")
	srv.Handle("GetNamespace", func(r *aliyuntest.Request) (any, error) {
		if r.Get("NamespaceName") != "library" {
			return map[string]any{"IsSuccess": false, "Code": "NAMESPACE_NOT_EXIST"}, nil
		}
		return map[string]any{"IsSuccess": true, "Code": "success", "NamespaceName": "library"}, nil
	})
	srv.Throttle("GetNamespace", 1) // the first call is throttled, and retried
	ts := httptest.NewServer(srv)
	defer ts.Close()

	cfg := aliyun.Config{
		Endpoint: ts.Listener.Addr().String(), Insecure: true,
		Credentials: &aliyun.Credentials{AccessKeyID: "LTAI-example", AccessKeySecret: "example-secret"},
		Retry:       retry.Policy{Initial: time.Nanosecond, Max: time.Nanosecond}, // retry at once
	}
	oc, err := aliyun.OpenAPIConfig(cfg, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	api, err := cr.NewClient(oc)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range []string{"library", "missing"} {
		err := aliyun.Do(context.Background(), cfg.Clock, cfg.Retry, "GetNamespace", func() error {
			resp, err := api.GetNamespaceWithOptions(&cr.GetNamespaceRequest{InstanceId: tea.String("cri-example"), NamespaceName: tea.String(name)}, aliyun.Runtime(cfg))
			if err != nil {
				return err
			}
			return aliyun.CheckSuccess("GetNamespace", resp.Body)
		})
		fmt.Printf("%s: %v\n", name, err)
	}
	for _, c := range srv.Calls() {
		fmt.Printf("%s %d %q\n", c.Action, c.Status, c.Code)
	}
	// Output:
	// library: <nil>
	// missing: GetNamespace: NAMESPACE_NOT_EXIST (HTTP 200, request 0A1B2C3D-0000-4000-8000-000000000003)
	// GetNamespace 400 "Throttling.User"
	// GetNamespace 200 ""
	// GetNamespace 200 ""
}
