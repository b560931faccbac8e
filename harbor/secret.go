package harbor

import (
	"encoding/json"
	"log/slog"
)

// Secret is a password or access secret. It never prints: String, GoString,
// LogValue and MarshalJSON all redact it. Reveal returns the value.
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

// LogValue implements slog.LogValuer with a redacted value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON encodes the redacted value: a Secret does not survive a JSON round trip.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

var (
	_ slog.LogValuer = Secret("")
	_ json.Marshaler = Secret("")
)
