package aliyun

import (
	"fmt"
	"net"
	"strings"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/credentials-go/credentials"

	"github.com/regdr/regdr/alicloud"
)

// Default timeouts: the SDK has none of its own.
const (
	DefaultConnectTimeout = alicloud.DefaultConnectTimeout
	DefaultReadTimeout    = alicloud.DefaultReadTimeout
)

// Config is the public configuration; this package turns it into the SDK's.
type Config = alicloud.Config

// Credentials is the public static AccessKey.
type Credentials = alicloud.Credentials

// OpenAPIConfig builds the SDK configuration of c, with defaultEndpoint used when
// c.Endpoint is empty. The SDK clients built from one configuration share its HTTP client
// (connections) and credentials, both safe for concurrent use; an SDK client itself is
// not, see [Pool].
func OpenAPIConfig(c Config, defaultEndpoint string) (*openapi.Config, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	endpoint := c.Endpoint
	if endpoint == "" {
		endpoint = defaultEndpoint
	}
	if endpoint == "" {
		return nil, fmt.Errorf("%w: no endpoint and no region", ErrInvalidArgument)
	}
	connect, read := orDefault(c.ConnectTimeout, DefaultConnectTimeout), orDefault(c.ReadTimeout, DefaultReadTimeout)
	oc := &openapi.Config{
		Endpoint:       tea.String(endpoint),
		ConnectTimeout: tea.Int(int(connect.Milliseconds())),
		ReadTimeout:    tea.Int(int(read.Milliseconds())),
		Protocol:       tea.String("HTTPS"),
		// Our own HTTP client: the SDK's default one is shared process-wide and racy.
		HttpClient: newHTTPClient(connect, read),
	}
	if c.Region != "" {
		oc.RegionId = tea.String(c.Region)
	}
	if c.Insecure {
		oc.Protocol = tea.String("HTTP")
	}
	if host := hostOf(endpoint); isLoopback(host) {
		// HTTP_PROXY is honoured even for loopback addresses.
		oc.NoProxy = tea.String(host + "," + endpoint)
	}
	if c.Credentials != nil {
		if c.Credentials.AccessKeyID == "" || c.Credentials.AccessKeySecret == "" {
			return nil, fmt.Errorf("%w: credentials need an AccessKey ID and secret", ErrInvalidArgument)
		}
		oc.AccessKeyId = tea.String(c.Credentials.AccessKeyID)
		oc.AccessKeySecret = tea.String(c.Credentials.AccessKeySecret)
		if c.Credentials.SecurityToken != "" {
			oc.SecurityToken = tea.String(c.Credentials.SecurityToken)
		}
		return oc, nil
	}
	cred, err := credentials.NewCredential(nil)
	if err != nil {
		// The chain's errors name where it looked, never a secret.
		return nil, fmt.Errorf("%w: no Alibaba Cloud credentials found by the default chain: %v", ErrUnauthorized, err)
	}
	// Every SDK client of a Pool shares it, and the chain does not lock.
	oc.Credential = &lockedCredential{c: cred}
	return oc, nil
}

// Runtime returns the per-call runtime options of c: the same timeouts, and the SDK's own
// retry and backoff off, since Do retries.
func Runtime(c Config) *util.RuntimeOptions {
	return &util.RuntimeOptions{
		ConnectTimeout: tea.Int(int(orDefault(c.ConnectTimeout, DefaultConnectTimeout).Milliseconds())),
		ReadTimeout:    tea.Int(int(orDefault(c.ReadTimeout, DefaultReadTimeout).Milliseconds())),
		Autoretry:      tea.Bool(false),
	}
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func hostOf(endpoint string) string {
	if h, _, err := net.SplitHostPort(endpoint); err == nil {
		return h
	}
	return strings.Trim(endpoint, "[]")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
