package aliyuntest

import (
	"context"
	"testing"
	"time"

	"github.com/regdr/regdr/alicloud"
)

// Config returns the configuration of a client of an emulator at endpoint
// ("127.0.0.1:port") with the AccessKey keyID/secret: plain HTTP, region cn-hangzhou, and
// an InstantClock, so that retries run without sleeping.
func Config(endpoint, keyID, secret string) alicloud.Config {
	return alicloud.Config{
		Region: "cn-hangzhou", Endpoint: endpoint, Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: keyID, AccessKeySecret: secret},
		Clock:       NewInstantClock(time.Time{}),
	}
}

// Context returns a context that ends when the test does, and after 30 seconds at the
// latest, so that no call of a test can hang.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
