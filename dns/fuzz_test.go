package dns

import (
	"net/netip"
	"testing"
)

// FuzzValidateRecord: whatever value ValidateRecord accepts suits the record's type — an
// A record holds an IPv4 address, an AAAA record an IPv6 one, a CNAME a host name — so a
// failover never writes a record the resolvers cannot use.
func FuzzValidateRecord(f *testing.F) {
	for _, s := range []string{"10.0.0.1", "::1", "a-registry.cn-hangzhou.cr.aliyuncs.com", "a..b", "1.2.3", "::ffff:1.2.3.4", "x.", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		if ValidateRecord(Record{Name: Apex, Type: TypeA, Value: value, TTL: 60}) == nil {
			if a, err := netip.ParseAddr(value); err != nil || !a.Is4() {
				t.Fatalf("an A record accepted %q", value)
			}
		}
		if ValidateRecord(Record{Name: Apex, Type: TypeAAAA, Value: value, TTL: 60}) == nil {
			if a, err := netip.ParseAddr(value); err != nil || !a.Is6() {
				t.Fatalf("an AAAA record accepted %q", value)
			}
		}
		if ValidateRecord(Record{Name: Apex, Type: TypeCNAME, Value: value, TTL: 60}) == nil && !IsHostname(value) {
			t.Fatalf("a CNAME record accepted %q", value)
		}
	})
}
