package mirror

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The scheme is decided from the address alone: private and loopback addresses get
// HTTPS like any other (go-containerregistry's heuristic would say HTTP). Nothing here
// dials: the 10.x and 192.168.x cases are parsed, never reached.
func TestSchemeOf(t *testing.T) {
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
		{"https contradicts PlainHTTP", "https://10.0.0.5", true, "", "", ErrEndpoint},
		{"credentials", "admin:SECRET@10.0.0.5", false, "", "", ErrEndpoint},
		{"credentials after http", "http://admin:SECRET@10.0.0.5", false, "", "", ErrEndpoint},
		{"other scheme", "ftp://10.0.0.5", false, "", "", ErrEndpoint},
		{"path", "https://10.0.0.5/v2", false, "", "", ErrEndpoint},
		{"password in a path", "https://10.0.0.5/SECRET", false, "", "", ErrEndpoint},
		{"password in a query", "10.0.0.5/?token=SECRET", false, "", "", ErrEndpoint},
		{"password in a query, no slash", "10.0.0.5?token=SECRET&x=1", false, "", "", ErrEndpoint},
		{"password in a fragment", "http://10.0.0.5#SECRET", false, "", "", ErrEndpoint},
		{"password holding a slash", "u:p/SECRET@10.0.0.5", false, "", "", ErrEndpoint},
		{"password in a query with an at sign", "10.0.0.5?token=SECRET@x", false, "", "", ErrEndpoint},
		{"empty", "https://", false, "", "", ErrEndpoint},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scheme, host, err := schemeOf(tc.registry, tc.plain)
			if !errors.Is(err, tc.err) {
				t.Fatalf("schemeOf(%q, %t) error = %v, want %v", tc.registry, tc.plain, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "SECRET") {
				t.Fatalf("schemeOf(%q) error shows the password: %v", tc.registry, err)
			}
			if scheme != tc.scheme || host != tc.host {
				t.Fatalf("schemeOf(%q, %t) = %q, %q, want %q, %q", tc.registry, tc.plain, scheme, host, tc.scheme, tc.host)
			}
		})
	}
}

// An address is shown up to its host: user information redacted, path, query and
// fragment left out.
func TestShownAddress(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"harbor.example.com":               "harbor.example.com",
		"https://127.0.0.1:5000/":          "https://127.0.0.1:5000",
		"127.0.0.1:5000/?token=SECRET":     "127.0.0.1:5000",
		"127.0.0.1:5000#SECRET":            "127.0.0.1:5000",
		"http://127.0.0.1:5000/SECRET/x":   "http://127.0.0.1:5000",
		"127.0.0.1:5000?a=SECRET/b":        "127.0.0.1:5000",
		"http://u:SECRET@127.0.0.1:5000/x": "http://[REDACTED]@127.0.0.1:5000",
		"u:p/SECRET@127.0.0.1:5000":        "[REDACTED]@127.0.0.1:5000",
	} {
		if got := shownAddress(in); got != want {
			t.Errorf("shownAddress(%q) = %q, want %q", in, got, want)
		}
		if got := (Endpoint{Registry: in}).String(); got != want {
			t.Errorf("Endpoint{Registry: %q}.String() = %q, want %q", in, got, want)
		}
	}
}

func TestCheckCleartext(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, scheme, host string
		creds, allow       bool
		err                error
	}{
		{"http to 10/8 with credentials", "http", "10.0.0.5", true, false, ErrPlainHTTPCredentials},
		{"http to 192.168/16 with credentials", "http", "192.168.1.10:5000", true, false, ErrPlainHTTPCredentials},
		{"http to a name with credentials", "http", "harbor.internal", true, false, ErrPlainHTTPCredentials},
		{"allowed", "http", "10.0.0.5", true, true, nil},
		{"anonymous", "http", "10.0.0.5", false, false, nil},
		{"https", "https", "10.0.0.5", true, false, nil},
		{"loopback", "http", "127.0.0.1:5000", true, false, nil},
		{"localhost", "http", "localhost:5000", true, false, nil},
		{"ipv6 loopback", "http", "[::1]:5000", true, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkCleartext(tc.scheme, tc.host, tc.creds, tc.allow); !errors.Is(err, tc.err) {
				t.Fatalf("checkCleartext(%q, %q, %t, %t) = %v, want %v", tc.scheme, tc.host, tc.creds, tc.allow, err, tc.err)
			}
		})
	}
}

// Whatever a user types as a registry, with a password in it, no error, String, GoString or
// JSON shows the password.
func FuzzSyncEndpointRedacts(f *testing.F) {
	for _, s := range []string{"harbor.example.com", "http://10.0.0.5:80", "https://[::1]:5000/", "ftp://x", "a@b@c", "://@", ""} {
		f.Add(s, "pa:ss/w@rd")
	}
	f.Fuzz(func(t *testing.T, registry, password string) {
		// Printable ASCII without quotes or backslashes: %q and JSON show it as is, so a
		// search for the password in the output means what it says.
		for _, r := range registry + password {
			if r <= ' ' || r > '~' || r == '"' || r == '\\' {
				return
			}
		}
		password = "Zq9" + password // text no message of ours holds
		// The password goes where a user would put it: user:password@ before the host.
		scheme, rest, ok := strings.Cut(registry, "://")
		addr := "admin:" + password + "@" + registry
		if ok {
			addr = scheme + "://admin:" + password + "@" + rest
		}
		ep := Endpoint{Registry: addr}
		var outs []string
		if _, _, err := schemeOf(addr, false); err != nil {
			outs = append(outs, err.Error())
		}
		if _, err := ep.registry(); err != nil {
			outs = append(outs, err.Error())
		}
		b, err := ep.MarshalJSON()
		var j struct{ Registry string }
		if err != nil || json.Unmarshal(b, &j) != nil {
			t.Fatalf("MarshalJSON(%q) = %s, %v", addr, b, err)
		}
		outs = append(outs, ep.String(), ep.GoString(), j.Registry, ep.LogValue().String())
		for _, o := range outs {
			// Unless the rest of the address holds the same text (then it is shown as the
			// scheme or host, not as the password).
			if strings.Contains(o, password) && !strings.Contains(strings.Replace(addr, "admin:"+password+"@", "[REDACTED]@", 1), password) {
				t.Fatalf("%q shows the password %q: %s", addr, password, o)
			}
		}
		if _, _, err := schemeOf(addr, false); err == nil {
			t.Fatalf("schemeOf(%q) accepted credentials", addr)
		}
	})
}
