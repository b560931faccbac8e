package redact

import (
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://acr.example.com":          "https://acr.example.com",
		"https://u:pw@acr.example.com":     "https://[REDACTED]@acr.example.com",
		"http://u:p/w@d@host:5000/x":       "http://[REDACTED]@host:5000/x",
		"http:/admin:pw@host":              "[REDACTED]@host",
		"admin:pw@host":                    "[REDACTED]@host",
		"u:pw@host/x://y":                  "[REDACTED]@host/x://y",
		"https://host/library/app@sha256:": "https://[REDACTED]@sha256:",
		// A password holding "://": what precedes it is no scheme, so nothing is kept.
		"u:s3cret://x@host":   "[REDACTED]@host",
		"http://u:a://b@host": "http://[REDACTED]@host",
	} {
		if got := URL(in); got != want {
			t.Errorf("URL(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzURL: a password put in a URL's user information never survives URL,
// however the rest of the URL is written, and redacting is idempotent.
func FuzzURL(f *testing.F) {
	f.Add("https", "admin", "S3cret!", "harbor.example.com:443/x")
	f.Add("http", "u", "p/w@d", "host")
	f.Add("", "", "pw", "host?q=@")
	f.Fuzz(func(t *testing.T, scheme, user, pass, rest string) {
		u := user + ":" + pass + "@" + rest
		if scheme != "" {
			u = scheme + "://" + u
		}
		got := URL(u)
		if URL(got) != got {
			t.Fatalf("URL(%q) = %q, not idempotent", u, got)
		}
		// What is left is at most the scheme, the redaction mark and what follows the
		// last "@"; the password may only show if it is part of those.
		tail := rest[strings.LastIndex(rest, "@")+1:]
		if len(pass) > 0 && strings.Contains(got, pass) && !strings.Contains(scheme+"://"+Marker+"@"+tail, pass) {
			t.Fatalf("URL(%q) = %q shows the password %q", u, got, pass)
		}
		if pu, err := url.Parse(got); err == nil && pu.User != nil {
			if p, ok := pu.User.Password(); ok && p == pass && pass != "" {
				t.Fatalf("URL(%q) = %q still parses with the password", u, got)
			}
		}
	})
}

func TestText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"no secret here: 502 Bad Gateway":                                         "no secret here: 502 Bad Gateway",
		`Get "https://admin:hunter2@harbor.example/api": EOF`:                     `Get "https://[REDACTED]@harbor.example/api": EOF`,
		"listing http://u:p/w@d@host:5000/x and https://h/y":                      "listing http://[REDACTED]@host:5000/x and https://h/y",
		`{"message":"Authorization: Basic YWRtaW46aHVudGVyMg=="}`:                 `{"message":"Authorization: Basic [REDACTED]"}`,
		"echoed bearer eyJhbGciOi.payload.sig-_~+/ back":                          "echoed bearer [REDACTED] back",
		`WWW-Authenticate: Bearer realm="https://auth.example/token",service="r"`: `WWW-Authenticate: Bearer realm="https://auth.example/token",service="r"`,
		`{"password":"hunter2","user":"admin"}`:                                   `{"password":"[REDACTED]","user":"admin"}`,
		"login failed: password=hunter2&user=x":                                   "login failed: password=[REDACTED]&user=x",
	} {
		got := Text(in)
		if got != want {
			t.Errorf("Text(%q)\n = %q\nwant %q", in, got, want)
		}
		if again := Text(got); again != got {
			t.Errorf("Text is not idempotent on %q: %q", got, again)
		}
	}
}
