package dns

import (
	"fmt"
	"net/netip"
	"strings"
)

// Record types understood by [ValidateRecord].
const (
	TypeA     = "A"
	TypeAAAA  = "AAAA"
	TypeCNAME = "CNAME"
	TypeTXT   = "TXT"
	TypeMX    = "MX"
	TypeNS    = "NS"
	TypeSRV   = "SRV"
	TypePTR   = "PTR"
	TypeCAA   = "CAA"
)

// Record statuses, spelled the way both Alibaba products spell them.
const (
	StatusEnabled  = "ENABLE"
	StatusDisabled = "DISABLE"
)

// Apex is the name of a zone's own record.
const Apex = "@"

// Record is one DNS record of a zone.
type Record struct {
	// ID is the provider's identifier; empty for a record not yet created.
	ID string `json:"id,omitempty"`
	// Name is relative to the zone: "@" for the apex, "www", "*.img".
	Name string `json:"name"`
	// Type is an upper-case record type: "A", "CNAME"...
	Type string `json:"type"`
	// Value is the record data: an address, a host name (no trailing dot needed), text.
	Value string `json:"value"`
	// TTL in seconds; 0 means the provider's default when adding a record.
	TTL int `json:"ttl,omitempty"`
	// Status is StatusEnabled or StatusDisabled; empty means enabled.
	Status string `json:"status,omitempty"`
	// Priority is the MX preference; 0 elsewhere.
	Priority int `json:"priority,omitempty"`
}

// Enabled reports whether the record is served (an empty status counts as enabled).
func (r Record) Enabled() bool { return r.Status == "" || strings.EqualFold(r.Status, StatusEnabled) }

// String renders the record in zone-file order: "www 600 CNAME a.example.com (id 42)".
func (r Record) String() string {
	s := fmt.Sprintf("%s %d %s %s", r.Name, r.TTL, r.Type, r.Value)
	if r.ID != "" {
		s += " (id " + r.ID + ")"
	}
	if !r.Enabled() {
		s += " [disabled]"
	}
	return s
}

// ValidateRecord checks a record before any call is made: a known type, a well-formed
// relative name, a value that suits the type (A: IPv4, AAAA: IPv6, CNAME/NS/PTR/MX: host
// name), a non-negative TTL and a known status. Product-specific rules (which TTLs a
// product accepts) are checked by the providers. Errors wrap [ErrInvalidRecord].
func ValidateRecord(r Record) error {
	if err := validateName(r.Name); err != nil {
		return invalid(r, err.Error())
	}
	if r.TTL < 0 {
		return invalid(r, "negative TTL")
	}
	if r.Status != "" && r.Status != StatusEnabled && r.Status != StatusDisabled {
		return invalid(r, fmt.Sprintf("status %q is neither %s nor %s", r.Status, StatusEnabled, StatusDisabled))
	}
	if r.Value == "" {
		return invalid(r, "empty value")
	}
	switch r.Type {
	case TypeA:
		a, err := netip.ParseAddr(r.Value)
		if err != nil || !a.Is4() {
			return invalid(r, fmt.Sprintf("%q is not an IPv4 address", r.Value))
		}
	case TypeAAAA:
		a, err := netip.ParseAddr(r.Value)
		if err != nil || !a.Is6() || a.Is4In6() {
			return invalid(r, fmt.Sprintf("%q is not an IPv6 address", r.Value))
		}
	case TypeCNAME, TypeNS, TypePTR, TypeMX:
		// A CNAME at the apex is accepted on purpose: both Alibaba products allow it and
		// the runbook relies on it.
		if !IsHostname(r.Value) {
			return invalid(r, fmt.Sprintf("%q is not a host name", r.Value))
		}
	case TypeTXT, TypeSRV, TypeCAA:
		if len(r.Value) > 4096 {
			return invalid(r, "value longer than 4096 bytes")
		}
	default:
		return invalid(r, fmt.Sprintf("unsupported type %q", r.Type))
	}
	return nil
}

func invalid(r Record, why string) error {
	return fmt.Errorf("%w: %s %s: %s", ErrInvalidRecord, r.Name, r.Type, why)
}

// validateName accepts "@", or dot-separated labels of letters, digits, '-' and '_',
// where the first label may be "*".
func validateName(name string) error {
	if name == "" {
		return fmt.Errorf("empty name (use %q for the apex)", Apex)
	}
	if name == Apex {
		return nil
	}
	if strings.HasSuffix(name, ".") {
		return fmt.Errorf("name %q must be relative to the zone", name)
	}
	for i, l := range strings.Split(name, ".") {
		if i == 0 && l == "*" {
			continue
		}
		if !validLabel(l, true) {
			return fmt.Errorf("name %q has an invalid label %q", name, l)
		}
	}
	return nil
}

// IsHostname reports whether s is a host name: dot-separated labels of letters, digits,
// '-' (not at either end) and '_', at most 253 bytes; one trailing dot is allowed.
// IP address literals are not host names.
func IsHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if !validLabel(l, true) {
			return false
		}
	}
	return true
}

func validLabel(l string, underscore bool) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-':
		case c == '_' && underscore:
		default:
			return false
		}
	}
	return true
}

// SameValue reports whether two values of a record of type typ are the same: host names
// compare case-insensitively and ignore one trailing dot, addresses compare as addresses,
// anything else byte for byte.
func SameValue(typ, a, b string) bool {
	switch strings.ToUpper(typ) {
	case TypeCNAME, TypeNS, TypePTR, TypeMX:
		return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
	case TypeA, TypeAAAA:
		x, err1 := netip.ParseAddr(a)
		y, err2 := netip.ParseAddr(b)
		if err1 == nil && err2 == nil {
			return x == y
		}
	}
	return a == b
}
