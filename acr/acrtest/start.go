package acrtest

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/regdr/regdr/alicloud"
)

// Started is an emulator served on loopback by Start.
type Started struct {
	*Server
	// Cloud points a client at the emulator's cr OpenAPI: its "127.0.0.1:port" endpoint,
	// plain HTTP, DefaultRegion and the default AccessKey (DefaultAccessKeyID). A test that
	// configured other keys with WithAccessKey or WithSTS sets Credentials itself.
	Cloud alicloud.Config
	// RegistryHost is the "127.0.0.1:port" of the first instance's registry (plain HTTP).
	RegistryHost string
}

// Start creates an emulator configured by opts, serves its cr OpenAPI and its first
// instance's registry on loopback until the test ends, and returns it with a ready
// configuration. One line gives a test an ACR client:
//
//	c, err := acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: acrtest.Start(t).Cloud})
func Start(t testing.TB, opts ...Option) *Started {
	t.Helper()
	s := New(opts...)
	api := httptest.NewServer(s.OpenAPI())
	t.Cleanup(api.Close)
	reg := httptest.NewServer(s.Registry())
	t.Cleanup(reg.Close)
	return &Started{
		Server: s,
		Cloud: alicloud.Config{
			Region: DefaultRegion, Endpoint: api.Listener.Addr().String(), Insecure: true,
			Credentials: &alicloud.Credentials{AccessKeyID: DefaultAccessKeyID, AccessKeySecret: DefaultAccessKeySecret},
		},
		RegistryHost: strings.TrimPrefix(reg.URL, "http://"),
	}
}
