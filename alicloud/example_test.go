package alicloud_test

import (
	"errors"
	"fmt"

	"github.com/regdr/regdr/alicloud"
)

// A failed call of any of regdr's Alibaba Cloud clients is an *alicloud.Error; its
// remote code decides which sentinel it matches.
func ExampleError() {
	var err error = fmt.Errorf("getting namespace %q: %w", "test-project",
		&alicloud.Error{Op: "GetNamespace", StatusCode: 200, Code: "NAMESPACE_NOT_EXIST", RequestID: "RID-1"})
	var ae *alicloud.Error
	fmt.Println(errors.Is(err, alicloud.ErrNotFound), errors.As(err, &ae), ae.Code, ae.Temporary())
	fmt.Println(err)
	// Output:
	// true true NAMESPACE_NOT_EXIST false
	// getting namespace "test-project": GetNamespace: NAMESPACE_NOT_EXIST (HTTP 200, request RID-1)
}

// Credentials never print their secret.
func ExampleCredentials() {
	c := alicloud.Credentials{AccessKeyID: "LTAI-example", AccessKeySecret: "never-shown"}
	fmt.Println(c)
	fmt.Println(alicloud.Config{Region: "cn-hangzhou", Credentials: &c}.Validate())
	// Output:
	// AccessKey LTAI-example (secret [redacted])
	// <nil>
}
