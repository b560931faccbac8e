package alicloud

import (
	"fmt"
	"time"

	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/retry"
)

// Default timeouts: the Alibaba Cloud SDKs have none of their own.
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultReadTimeout    = 30 * time.Second
)

// Config says how to reach an Alibaba Cloud OpenAPI product (cr, pvtz, alidns) and with
// which identity. The zero value is usable where the product has a default endpoint and
// the credentials-go default chain finds credentials; Region is what most callers set.
type Config struct {
	// Region is the region ID, e.g. "cn-hangzhou". The products' default endpoints are
	// derived from it (acr requires it unless Endpoint is set).
	Region string `json:"region"`
	// Endpoint overrides the product's endpoint: "host[:port]", e.g. "127.0.0.1:8080" for
	// an emulator. The default ("") is the product's public endpoint for Region.
	Endpoint string `json:"endpoint,omitempty"`
	// Insecure speaks plain HTTP instead of HTTPS. It is for emulators on loopback; the
	// default (false) is HTTPS with verified certificates.
	Insecure bool `json:"insecure,omitempty"`
	// Credentials is a static AccessKey or STS token. The default (nil) is the
	// credentials-go default chain: ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET/SECURITY_TOKEN,
	// profiles, an ECS RAM role, OIDC.
	Credentials *Credentials `json:"credentials,omitempty"`
	// ConnectTimeout bounds dialling; the default (0) is DefaultConnectTimeout.
	ConnectTimeout time.Duration `json:"connect_timeout,omitempty"`
	// ReadTimeout bounds the wait for an answer; the default (0) is DefaultReadTimeout.
	ReadTimeout time.Duration `json:"read_timeout,omitempty"`
	// Retry says how throttled, 5xx and unanswered calls are retried; errors retrying
	// cannot fix (not found, unauthorized, invalid) are returned at once. The default (the
	// zero Policy) is retry's: 6 tries, backoff from 200ms up to 10s.
	Retry retry.Policy `json:"retry,omitzero"`
	// Clock waits between retries and tells the time (acr: when registry credentials
	// expire). The default (nil) is the wall clock; tests use clocktest.Fake.
	Clock clock.Clock `json:"-"`
}

// Validate refuses negative timeouts, an invalid retry policy and a half-filled
// Credentials; the error matches ErrInvalidArgument.
func (c Config) Validate() error {
	switch {
	case c.ConnectTimeout < 0:
		return fmt.Errorf("%w: connect timeout %v < 0", ErrInvalidArgument, c.ConnectTimeout)
	case c.ReadTimeout < 0:
		return fmt.Errorf("%w: read timeout %v < 0", ErrInvalidArgument, c.ReadTimeout)
	case c.Credentials != nil && (c.Credentials.AccessKeyID == "" || c.Credentials.AccessKeySecret == ""):
		return fmt.Errorf("%w: credentials need an AccessKey ID and secret", ErrInvalidArgument)
	}
	if err := c.Retry.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	}
	return nil
}
