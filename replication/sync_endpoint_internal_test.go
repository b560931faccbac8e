package replication

import (
	"errors"
	"strings"
	"testing"
)

// The scheme is decided from the address alone: private and loopback addresses get
// HTTPS like any other (go-containerregistry's heuristic would say HTTP). Nothing here
// dials: the 10.x and 192.168.x cases are parsed, never reached.
func TestSyncSchemeOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, registry string
		plain          bool
		scheme, host   string
		err            error
	}{
		{"private 10/8", "10.0.0.5", false, "https", "10.0.0.5", nil},
		{"private 10/8 with port", "10.0.0.5:5000", false, "https", "10.0.0.5:5000", nil},
		{"private 192.168/16", "192.168.1.10", false, "https", "192.168.1.10", nil},
		{"private 172.16/12", "172.16.0.1:443", false, "https", "172.16.0.1:443", nil},
		{"loopback", "127.0.0.1:5000", false, "https", "127.0.0.1:5000", nil},
		{"loopback https", "https://127.0.0.1:5000", false, "https", "127.0.0.1:5000", nil},
		{"ipv6 loopback", "[::1]:5000", false, "https", "[::1]:5000", nil},
		{"explicit http", "http://10.0.0.5", false, "http", "10.0.0.5", nil},
		{"PlainHTTP", "192.168.1.10:80", true, "http", "192.168.1.10:80", nil},
		{"http with PlainHTTP", "http://192.168.1.10", true, "http", "192.168.1.10", nil},
		{"trailing slash", "https://harbor.example.com/", false, "https", "harbor.example.com", nil},
		{"https contradicts PlainHTTP", "https://10.0.0.5", true, "", "", ErrSyncEndpoint},
		{"credentials", "admin:SECRET@10.0.0.5", false, "", "", ErrSyncEndpoint},
		{"credentials after http", "http://admin:SECRET@10.0.0.5", false, "", "", ErrSyncEndpoint},
		{"other scheme", "ftp://10.0.0.5", false, "", "", ErrSyncEndpoint},
		{"path", "https://10.0.0.5/v2", false, "", "", ErrSyncEndpoint},
		{"empty", "https://", false, "", "", ErrSyncEndpoint},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scheme, host, err := syncSchemeOf(tc.registry, tc.plain)
			if !errors.Is(err, tc.err) {
				t.Fatalf("syncSchemeOf(%q, %t) error = %v, want %v", tc.registry, tc.plain, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "SECRET") {
				t.Fatalf("syncSchemeOf(%q) error shows the password: %v", tc.registry, err)
			}
			if scheme != tc.scheme || host != tc.host {
				t.Fatalf("syncSchemeOf(%q, %t) = %q, %q, want %q, %q", tc.registry, tc.plain, scheme, host, tc.scheme, tc.host)
			}
		})
	}
}

func TestSyncCheckCleartext(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, scheme, host string
		creds, allow       bool
		err                error
	}{
		{"http to 10/8 with credentials", "http", "10.0.0.5", true, false, ErrSyncPlainHTTPCredentials},
		{"http to 192.168/16 with credentials", "http", "192.168.1.10:5000", true, false, ErrSyncPlainHTTPCredentials},
		{"http to a name with credentials", "http", "harbor.internal", true, false, ErrSyncPlainHTTPCredentials},
		{"allowed", "http", "10.0.0.5", true, true, nil},
		{"anonymous", "http", "10.0.0.5", false, false, nil},
		{"https", "https", "10.0.0.5", true, false, nil},
		{"loopback", "http", "127.0.0.1:5000", true, false, nil},
		{"localhost", "http", "localhost:5000", true, false, nil},
		{"ipv6 loopback", "http", "[::1]:5000", true, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := syncCheckCleartext(tc.scheme, tc.host, tc.creds, tc.allow); !errors.Is(err, tc.err) {
				t.Fatalf("syncCheckCleartext(%q, %q, %t, %t) = %v, want %v", tc.scheme, tc.host, tc.creds, tc.allow, err, tc.err)
			}
		})
	}
}
