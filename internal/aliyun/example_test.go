package aliyun_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/regdr/regdr/internal/aliyun"
	"github.com/regdr/regdr/internal/aliyuntest"
	"github.com/regdr/regdr/retry"
)

func ExampleClassify() {
	fmt.Println(aliyun.Classify(200, "NAMESPACE_NOT_EXIST"))
	fmt.Println(aliyun.Classify(400, "Throttling.User"))
	fmt.Println(aliyun.Classify(404, "InvalidAccessKeyId.NotFound"))
	fmt.Println(aliyun.Classify(503, ""))
	// Output:
	// not found
	// throttled
	// unauthorized
	// server error
}

func ExampleCheckSuccess() {
	// cr answers some failures with HTTP 200 and IsSuccess:false.
	body := &cr.GetNamespaceResponseBody{IsSuccess: tea.Bool(false), Code: tea.String("NAMESPACE_NOT_EXIST"), RequestId: tea.String("RID-1")}
	err := aliyun.CheckSuccess("GetNamespace", body)
	fmt.Println(err)
	fmt.Println(errors.Is(err, aliyun.ErrNotFound))
	// Output:
	// GetNamespace: NAMESPACE_NOT_EXIST (HTTP 200, request RID-1)
	// true
}

func ExampleDo() {
	// Retry throttling without sleeping, as tests do.
	r := retry.Policy{Attempts: 3}
	c := aliyuntest.NewInstantClock(time.Time{})
	attempts := 0
	err := aliyun.Do(context.Background(), c, r, "ListRepoTag", func() error {
		attempts++
		if attempts < 3 {
			return &aliyun.Error{Op: "ListRepoTag", StatusCode: 400, Code: "Throttling.User"}
		}
		return nil
	})
	fmt.Println(attempts, err)

	attempts = 0
	err = aliyun.Do(context.Background(), c, r, "GetInstance", func() error {
		attempts++
		return &aliyun.Error{Op: "GetInstance", StatusCode: 403, Code: "Forbidden.RAM"}
	})
	fmt.Println(attempts, errors.Is(err, aliyun.ErrUnauthorized))
	// Output:
	// 3 <nil>
	// 1 true
}

func ExampleCredentials() {
	c := aliyun.Credentials{AccessKeyID: "LTAI-example", AccessKeySecret: "never-shown", SecurityToken: "never-shown-either"}
	fmt.Println(c)
	fmt.Printf("%+v\n", c)
	// Output:
	// AccessKey LTAI-example (secret [redacted], STS token [redacted])
	// AccessKey LTAI-example (secret [redacted], STS token [redacted])
}

func ExamplePool() {
	// Each call gets an SDK client no other call is using.
	cfg := aliyun.Config{Region: "cn-hangzhou", Credentials: &aliyun.Credentials{AccessKeyID: "LTAI-example", AccessKeySecret: "never-shown"}}
	oc, err := aliyun.OpenAPIConfig(cfg, "cr.cn-hangzhou.aliyuncs.com")
	if err != nil {
		fmt.Println(err)
		return
	}
	pool, err := aliyun.NewPool(func() (*cr.Client, error) { return cr.NewClient(oc) })
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = pool.Use(func(api *cr.Client) error {
		fmt.Println(tea.StringValue(api.Endpoint))
		return nil
	})
	fmt.Println(pool.Created())
	// Output:
	// cr.cn-hangzhou.aliyuncs.com
	// 1
}
