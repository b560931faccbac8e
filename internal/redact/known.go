package redact

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Known hides every occurrence in s of the given secrets — the credentials a client knows
// it holds — as written and as a URL query or path would escape them. Empty secrets are
// ignored; longer ones are hidden first, so a secret holding another is hidden whole.
func Known(s string, secrets ...string) string {
	var all []string
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		all = append(all, sec, url.QueryEscape(sec), url.PathEscape(sec))
	}
	slices.SortFunc(all, func(a, b string) int { return len(b) - len(a) })
	for _, sec := range slices.Compact(all) {
		s = strings.ReplaceAll(s, sec, Marker)
	}
	return s
}

// Authorization returns the secrets an Authorization header value carries: the value
// itself, its credential (a Bearer token, a Basic pair in base64) and, for Basic, the
// password the pair decodes to.
func Authorization(v string) []string {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	out := []string{v}
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok {
		return out
	}
	cred = strings.TrimSpace(cred)
	out = append(out, cred)
	if strings.EqualFold(scheme, "basic") {
		if b, err := base64.StdEncoding.DecodeString(cred); err == nil {
			out = append(out, string(b))
			if _, pass, ok := strings.Cut(string(b), ":"); ok {
				out = append(out, pass)
			}
		}
	}
	return out
}

// Basic returns the secrets of a user name and password sent with HTTP Basic
// authentication: the password and the base64 pair an Authorization header carries.
func Basic(user, password string) []string {
	if password == "" {
		return nil
	}
	return []string{password, base64.StdEncoding.EncodeToString([]byte(user + ":" + password))}
}

// Message makes a server's error message fit to be quoted in an error or a log line. A
// message that quotes a credential — one of the given secrets (as Known finds them), or
// what Text hides — is withheld whole, as Marker: a server echoing one credential of a
// request may echo others the caller does not know of (Harbor holds ACR EE's). Any other
// message is kept with its control characters and invalid UTF-8 replaced by spaces, runs
// of spaces collapsed, and at most max bytes (cut on a character boundary, "…" marking
// the cut).
func Message(s string, max int, secrets ...string) string {
	if Text(Known(s, secrets...)) != s {
		return Marker
	}
	var b strings.Builder
	space := false
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n <= 1 {
				r = ' '
			}
		}
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	s = b.String()
	if len(s) <= max {
		return s
	}
	cut := max - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if cut < 0 {
		cut = 0
	}
	return s[:cut] + "…"
}
