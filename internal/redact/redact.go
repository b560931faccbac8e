// Package redact hides the secrets a URL or registry address may carry, for every package
// that prints one: the Harbor client, Harbor-managed replication and the sync engine.
package redact

import "strings"

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
