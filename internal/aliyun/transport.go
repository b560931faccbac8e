package aliyun

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aliyun/credentials-go/credentials"
)

// sdkHTTPClient is the darabonba HttpClient of every SDK client built from one
// OpenAPIConfig. Without one, the SDK (tea/dara.DoRequest) sends through a process-wide
// *http.Client per endpoint and rewrites its Timeout on every request while other requests
// read it: a data race between any two concurrent calls to one endpoint, even from
// different SDK clients. The transport the SDK passes along is ignored: it only carries what
// Config already decides (timeouts, proxy from the environment, TLS verification on).
type sdkHTTPClient struct{ c *http.Client }

func (h sdkHTTPClient) Call(req *http.Request, _ *http.Transport) (*http.Response, error) {
	return h.c.Do(req)
}

// newHTTPClient returns the HTTP client of one OpenAPIConfig: connect bounds dialling,
// read bounds the wait for response headers, and connect+read the whole exchange, as the
// SDK's own client does. Proxies come from HTTP_PROXY, HTTPS_PROXY and NO_PROXY and are
// never used for loopback addresses.
func newHTTPClient(connect, read time.Duration) sdkHTTPClient {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = read
	t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return sdkHTTPClient{c: &http.Client{Transport: t, Timeout: connect + read, CheckRedirect: refuseRedirect}}
}

// refuseRedirect stops every redirect: Alibaba Cloud's OpenAPI endpoints never redirect,
// and net/http would re-send the x-acs-* headers (the STS security token, the AccessKey
// ID) to any host over any scheme, and the signature to the same host name over plain
// HTTP.
func refuseRedirect(req *http.Request, _ []*http.Request) error {
	return fmt.Errorf("refusing a redirect from the OpenAPI endpoint to %s://%s", req.URL.Scheme, req.URL.Host)
}

// lockedCredential serializes a credentials-go Credential: the default chain's provider
// remembers which provider last worked and caches refreshed STS credentials without
// locking, and every SDK client of a Pool shares it.
type lockedCredential struct {
	mu sync.Mutex
	c  credentials.Credential
}

var _ credentials.Credential = (*lockedCredential)(nil)

func (l *lockedCredential) GetAccessKeyId() (*string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	//lint:ignore SA1019 the interface still requires it
	return l.c.GetAccessKeyId()
}

func (l *lockedCredential) GetAccessKeySecret() (*string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	//lint:ignore SA1019 the interface still requires it
	return l.c.GetAccessKeySecret()
}

func (l *lockedCredential) GetSecurityToken() (*string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	//lint:ignore SA1019 the interface still requires it
	return l.c.GetSecurityToken()
}

func (l *lockedCredential) GetBearerToken() *string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c.GetBearerToken()
}

func (l *lockedCredential) GetType() *string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c.GetType()
}

func (l *lockedCredential) GetCredential() (*credentials.CredentialModel, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.c.GetCredential()
}
