package dns

import "strings"

// FQDN returns the fully qualified name (no trailing dot) of a record name relative to
// zone: FQDN("@", "example.com") is "example.com", FQDN("www", "example.com") is
// "www.example.com".
func FQDN(name, zone string) string {
	zone = strings.TrimSuffix(zone, ".")
	if name == "" || name == Apex {
		return zone
	}
	return name + "." + zone
}

// Relative returns the name of fqdn relative to zone ("@" for the zone itself), and false
// when fqdn is not inside zone. Comparison ignores case and a trailing dot.
func Relative(fqdn, zone string) (string, bool) {
	f := strings.ToLower(strings.TrimSuffix(fqdn, "."))
	z := strings.ToLower(strings.TrimSuffix(zone, "."))
	if f == z {
		return Apex, true
	}
	if rel, ok := strings.CutSuffix(f, "."+z); ok && rel != "" {
		return rel, true
	}
	return "", false
}
