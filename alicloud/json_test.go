package alicloud_test

import (
	"testing"
	"time"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/retry"
)

// TestJSONSnakeCase: a Config and its Credentials, as a tool prints or logs them, use
// snake_case keys only, at every depth, and never the secret. Every field is set so that
// omitempty hides none.
func TestJSONSnakeCase(t *testing.T) {
	t.Parallel()
	creds := &alicloud.Credentials{AccessKeyID: "LTAI", AccessKeySecret: "s", SecurityToken: "st"}
	cfg := alicloud.Config{Region: "cn-hangzhou", Endpoint: "127.0.0.1:8080", Insecure: true, Credentials: creds,
		ConnectTimeout: time.Second, ReadTimeout: time.Second, Retry: retry.Policy{Attempts: 2, Initial: time.Second, Max: time.Minute},
		Clock: clocktest.NewFake(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))}
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"Config", cfg},
		{"Credentials", creds},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			jsontest.SnakeCase(t, tc.v)
		})
	}
}
