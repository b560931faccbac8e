// Package redact hides the secrets a URL or registry address may carry, for every package
// that prints one: the Harbor client, Harbor-managed replication and the sync engine; and
// the credentials a server's error message may quote (Known, Message).
package redact

import (
	"regexp"
	"strings"
)

// Marker replaces a secret.
const Marker = "[REDACTED]"

// URL hides the user information of a URL or registry address: everything between the
// scheme's "://" (or the start) and the last "@", which may hold a password. A password may
// itself hold "/", "?", "#" or even "://", so the last "@" anywhere counts, at the price of
// hiding a path part, and only a well-formed scheme before the first "://" is kept.
func URL(u string) string {
	i := strings.LastIndex(u, "@")
	if i < 0 {
		return u
	}
	keep := ""
	if j := strings.Index(u[:i], "://"); j > 0 && strings.Trim(strings.ToLower(u[:j]), "abcdefghijklmnopqrstuvwxyz0123456789+.-") == "" {
		keep = u[:j+3]
	}
	return keep + Marker + u[i:]
}

var (
	// userinfo is a URL's scheme and user information inside free text: up to the last
	// "@" before a space or quote, as URL reads it.
	userinfo = regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://)[^\s"'<>]*@`)
	// credential is an Authorization header's scheme and value (Basic, Bearer), as a
	// server or proxy echoing a request may quote it.
	credential = regexp.MustCompile(`(?i)\b(basic|bearer)(\s+)([A-Za-z0-9+/._~-]+=*)`)
	// assignment is a password, secret or token written as name=value or "name":"value".
	assignment = regexp.MustCompile(`(?i)\b(password|passwd|secret|token)("?\s*[:=]\s*"?)([^\s"'&,;}]+)`)
)

// Text hides the secrets free text — an error from a registry, a server's answer quoted in
// it — may carry: the user information of every URL in it, the value of an Authorization
// header (Basic or Bearer) and of a password, secret or token assignment. A Bearer
// challenge's parameters (realm="…") are kept. It hides more than it must rather than
// less, and is idempotent.
func Text(s string) string {
	s = userinfo.ReplaceAllString(s, "${1}"+Marker+"@")
	s = credential.ReplaceAllStringFunc(s, func(m string) string {
		sub := credential.FindStringSubmatch(m)
		if strings.EqualFold(strings.TrimRight(sub[3], "="), "realm") {
			return m
		}
		return sub[1] + sub[2] + Marker
	})
	return assignment.ReplaceAllString(s, "${1}${2}"+Marker)
}
