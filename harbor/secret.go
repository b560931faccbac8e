package harbor

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/regdr/regdr/internal/redact"
)

// Secret is a password or access secret. It never prints: every fmt verb (%v, %+v,
// %#v, %s, %q, %x, %d...), String, GoString, LogValue and MarshalJSON redact it.
// Reveal returns the value.
type Secret string

const redacted = "[REDACTED]"

// Reveal returns the secret in clear, for sending it to Harbor.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer with a redacted value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer with a redacted value.
func (s Secret) GoString() string { return `harbor.Secret("` + s.String() + `")` }

// Format implements fmt.Formatter: every verb prints the redacted value. Without it, a
// struct printed with a verb that is not for strings (%d, or %s on a pointer to it) shows
// the bytes, as fmt then skips String.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, s.GoString())
		return
	}
	switch verb {
	case 'v', 's', 'q', 'x', 'X':
		_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), s.String())
	default:
		_, _ = fmt.Fprintf(f, "%%!%c(harbor.Secret=%s)", verb, s.String())
	}
}

// LogValue implements slog.LogValuer with a redacted value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes the redacted value: a Secret does not survive a JSON round trip.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

var (
	_ slog.LogValuer = Secret("")
	_ json.Marshaler = Secret("")
	_ fmt.Formatter  = Secret("")
	_ fmt.Formatter  = Credential{}
	_ fmt.Formatter  = Registry{}
	_ json.Marshaler = Registry{}
)

// Format implements fmt.Formatter: the secret is redacted under every verb, including
// those fmt prints field by field without calling methods.
func (c Credential) Format(f fmt.State, verb rune) {
	type credential Credential // no methods: fmt prints the fields
	c.AccessSecret = Secret(c.AccessSecret.String())
	formatAs(f, verb, credential(c), "harbor.credential", "harbor.Credential")
}

// Format implements fmt.Formatter: the credential's secret and any user information in
// URL are redacted under every verb.
func (r Registry) Format(f fmt.State, verb rune) {
	type registry Registry // no methods: fmt prints the fields
	r.URL = redact.URL(r.URL)
	if r.Credential != nil {
		c := *r.Credential
		c.AccessSecret = Secret(c.AccessSecret.String())
		r.Credential = &c
	}
	formatAs(f, verb, registry(r), "harbor.registry", "harbor.Registry")
}

// MarshalJSON encodes the registry with any user information in URL redacted (the
// credential's secret redacts itself).
func (r Registry) MarshalJSON() ([]byte, error) {
	type registry Registry // no methods: no recursion
	r.URL = redact.URL(r.URL)
	return json.Marshal(registry(r))
}

// formatAs prints v, a redacted copy of a value of a method-less type, with f's verb and
// flags, naming it as the original type under %#v.
func formatAs(f fmt.State, verb rune, v any, plain, name string) {
	out := fmt.Sprintf(fmt.FormatString(f, verb), v)
	if verb == 'v' && f.Flag('#') {
		out = strings.Replace(out, plain, name, 1)
	}
	_, _ = io.WriteString(f, out)
}
