package alicloud_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/retry"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	key := &alicloud.Credentials{AccessKeyID: "LTAI-key", AccessKeySecret: secretKey}
	for _, tt := range []struct {
		name string
		cfg  alicloud.Config
		ok   bool
	}{
		{"zero value", alicloud.Config{}, true},
		{"full", alicloud.Config{Region: "cn-hangzhou", Credentials: key, ConnectTimeout: time.Second, ReadTimeout: time.Second, Retry: retry.Policy{Attempts: 1}}, true},
		{"negative connect timeout", alicloud.Config{ConnectTimeout: -1}, false},
		{"negative read timeout", alicloud.Config{ReadTimeout: -time.Second}, false},
		{"negative attempts", alicloud.Config{Retry: retry.Policy{Attempts: -1}}, false},
		{"initial above max", alicloud.Config{Retry: retry.Policy{Initial: time.Minute, Max: time.Second}}, false},
		{"no secret", alicloud.Config{Credentials: &alicloud.Credentials{AccessKeyID: "LTAI-key", SecurityToken: stsToken}}, false},
		{"no key ID", alicloud.Config{Credentials: &alicloud.Credentials{AccessKeySecret: secretKey}}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if tt.ok != (err == nil) {
				t.Fatalf("Validate() = %v, want ok %v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, alicloud.ErrInvalidArgument) {
				t.Errorf("Validate() = %v, want ErrInvalidArgument", err)
			}
			if msg := fmt.Sprintf("%v %+v", err, err); strings.Contains(msg, secretKey) || strings.Contains(msg, stsToken) {
				t.Errorf("Validate() shows a secret: %s", msg)
			}
		})
	}
}
