package alicloud

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// Credentials is a static AccessKey, optionally with an STS security token. It redacts its
// secret and token wherever it is printed, logged or marshalled.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string // STS; empty for a long-term AccessKey
}

const redacted = "[redacted]"

func (c Credentials) String() string {
	s := fmt.Sprintf("AccessKey %s (secret %s", c.AccessKeyID, redacted)
	if c.SecurityToken != "" {
		s += ", STS token " + redacted
	}
	return s + ")"
}

// GoString redacts for %#v.
func (c Credentials) GoString() string { return "alicloud.Credentials{" + c.String() + "}" }

// Format redacts for every verb (%v, %+v, %s, %q...).
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, c.GoString())
		return
	}
	fmt.Fprint(f, c.String())
}

// MarshalJSON writes the key ID only.
func (c Credentials) MarshalJSON() ([]byte, error) {
	m := map[string]string{"access_key_id": c.AccessKeyID, "access_key_secret": redacted}
	if c.SecurityToken != "" {
		m["security_token"] = redacted
	}
	return json.Marshal(m)
}

// LogValue writes the key ID only.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("access_key_id", c.AccessKeyID), slog.String("access_key_secret", redacted))
}

var (
	_ fmt.Stringer   = Credentials{}
	_ fmt.Formatter  = Credentials{}
	_ slog.LogValuer = Credentials{}
)
