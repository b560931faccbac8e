package harbor

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// sameOrigin returns the CheckRedirect of every Client: a redirect to another scheme or
// host (port included) fails with ErrRedirect before anything is sent there. net/http's
// default policy keeps the Authorization header for the same host whatever the scheme,
// and for its subdomains: an https Harbor answering "301 http://same-host/…" would have
// the Basic password re-sent in clear. Harbor's API never redirects off its own URL.
// Redirects that stay on the origin go on to next, the caller's own policy (nil: at most
// 10 redirects, as net/http's default).
func sameOrigin(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		from := via[0].URL // the origin, not the last hop: a chain cannot wander off
		if !strings.EqualFold(req.URL.Scheme, from.Scheme) || canonicalHost(req.URL.Scheme, req.URL.Host) != canonicalHost(from.Scheme, from.Host) {
			// Scheme and host only: the rest of a Location may carry anything.
			return fmt.Errorf("%w: from %s://%s to %s://%s (check the Harbor URL and any proxy in front of it)",
				ErrRedirect, from.Scheme, from.Host, req.URL.Scheme, req.URL.Host)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// canonicalHost is host in lower case with its scheme's default port made explicit, so
// that "Harbor.example.com" and "harbor.example.com:443" are one origin.
func canonicalHost(scheme, host string) string {
	host = strings.ToLower(host)
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	port := "443"
	if strings.EqualFold(scheme, "http") {
		port = "80"
	}
	return net.JoinHostPort(strings.Trim(host, "[]"), port)
}
