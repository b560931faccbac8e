package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// TestAPIEndpoint: a bare host or https:// is HTTPS; http:// only to loopback (else
// ErrPlainHTTP); user info, a path, a query or another scheme is refused.
func TestAPIEndpoint(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		in, endpoint string
		plain        bool
		refused      bool // ErrPlainHTTP
		bad          bool // any other error
	}{
		"empty":              {in: ""},
		"bare host":          {in: "cr.cn-hangzhou.aliyuncs.com", endpoint: "cr.cn-hangzhou.aliyuncs.com"},
		"https with port":    {in: "https://pvtz.aliyuncs.com:8443/", endpoint: "pvtz.aliyuncs.com:8443"},
		"http loopback":      {in: "http://127.0.0.1:8080", endpoint: "127.0.0.1:8080", plain: true},
		"http localhost":     {in: "http://localhost:1", endpoint: "localhost:1", plain: true},
		"http ::1":           {in: "http://[::1]:1", endpoint: "[::1]:1", plain: true},
		"http public name":   {in: "http://pvtz.aliyuncs.com", refused: true},
		"http loopback-like": {in: "http://127.0.0.1.example:1", refused: true},
		"user info":          {in: "https://ak:secret@pvtz.aliyuncs.com", bad: true},
		"path":               {in: "https://pvtz.aliyuncs.com/v1", bad: true},
		"query":              {in: "https://pvtz.aliyuncs.com?x=1", bad: true},
		"ftp":                {in: "ftp://pvtz.aliyuncs.com", bad: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			endpoint, plain, err := APIEndpoint(tc.in)
			switch {
			case tc.refused:
				if !errors.Is(err, ErrPlainHTTP) {
					t.Errorf("APIEndpoint(%q) = %v, want ErrPlainHTTP", tc.in, err)
				}
			case tc.bad:
				if err == nil || errors.Is(err, ErrPlainHTTP) || strings.Contains(err.Error(), "secret") {
					t.Errorf("APIEndpoint(%q) = %v, want an error that does not echo the value", tc.in, err)
				}
			case err != nil || endpoint != tc.endpoint || plain != tc.plain:
				t.Errorf("APIEndpoint(%q) = %q, %v, %v; want %q, %v", tc.in, endpoint, plain, err, tc.endpoint, tc.plain)
			}
		})
	}
}

// TestCheckPlainHTTP: http:// with credentials to a host that is not loopback is refused
// unless opted in; https, loopback or no credentials pass.
func TestCheckPlainHTTP(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		raw          string
		creds, optIn bool
		refused      bool
	}{
		"https":          {"https://harbor.example", true, false, false},
		"http, creds":    {"http://harbor.example", true, false, true},
		"http, opted in": {"http://harbor.example", true, true, false},
		"http, no creds": {"http://harbor.example", false, false, false},
		"http loopback":  {"http://127.0.0.1:8080", true, false, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := CheckPlainHTTP("-harbor", tc.raw, tc.creds, tc.optIn)
			if errors.Is(err, ErrPlainHTTP) != tc.refused || (err != nil && !strings.Contains(err.Error(), "-harbor is http:// to harbor.example")) {
				t.Errorf("CheckPlainHTTP(%q) = %v, want refused %v", tc.raw, err, tc.refused)
			}
		})
	}
}

// InsecureTransport turns off verification on a copy, keeping base's other settings and
// leaving base as it was; a transport it cannot copy is refused.
func TestInsecureTransport(t *testing.T) {
	pool := x509.NewCertPool()
	base := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}, MaxIdleConns: 7}
	got, err := InsecureTransport(base)
	if err != nil {
		t.Fatal(err)
	}
	if !got.TLSClientConfig.InsecureSkipVerify || got.TLSClientConfig.RootCAs != pool || got.TLSClientConfig.MinVersion != tls.VersionTLS13 || got.MaxIdleConns != 7 {
		t.Errorf("InsecureTransport = %+v, want base's settings and no verification", got.TLSClientConfig)
	}
	if base.TLSClientConfig.InsecureSkipVerify {
		t.Error("InsecureTransport changed base")
	}
	if got, err := InsecureTransport(&http.Transport{}); err != nil || !got.TLSClientConfig.InsecureSkipVerify {
		t.Errorf("InsecureTransport(no TLS config) = %v, %v", got, err)
	}
	if _, err := InsecureTransport(http.NewFileTransport(http.Dir("."))); err == nil {
		t.Error("InsecureTransport accepted a transport that is not an *http.Transport")
	}
}
