package dnstest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
)

// TestMemoryConformance: the in-memory provider passes the conformance suite every
// dns.Provider runs.
func TestMemoryConformance(t *testing.T) {
	dnstest.TestProvider(t, func(t *testing.T) dnstest.Fixture {
		m := dnstest.NewMemory("example.com")
		return dnstest.Fixture{
			Provider: m,
			Zone:     "example.com",
			Seed:     func(r dns.Record) (dns.Record, error) { return m.AddRecord(context.Background(), r) },
			Get:      m.Record,
			Set:      m.Set,
			TTLs:     [2]int{600, 60},
		}
	})
}

// TestNewMemorySeeds: records given to NewMemory are there, in order, with IDs, default
// TTL and status; Set refuses a record that does not exist.
func TestNewMemorySeeds(t *testing.T) {
	t.Parallel()
	m := dnstest.NewMemory("example.com.",
		dns.Record{Name: "@", Type: "A", Value: "10.0.0.1", TTL: 60},
		dns.Record{Name: "www", Type: "CNAME", Value: "example.com"})
	got, err := m.Records(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []dns.Record{
		{ID: "1", Name: "@", Type: "A", Value: "10.0.0.1", TTL: 60, Status: dns.StatusEnabled},
		{ID: "2", Name: "www", Type: "CNAME", Value: "example.com", TTL: dnstest.DefaultMemoryTTL, Status: dns.StatusEnabled},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Records(\"\") (-want +got):\n%s", diff)
	}
	if z, _ := m.Zone(context.Background()); z.Name != "example.com" {
		t.Errorf("Zone().Name = %q, want example.com", z.Name)
	}
	if err := m.Set(dns.Record{ID: "9", Name: "x", Type: "A", Value: "10.0.0.9"}); !errors.Is(err, dns.ErrNotFound) {
		t.Errorf("Set(missing) = %v, want dns.ErrNotFound", err)
	}
}

// A zone in memory, in one line: switch its apex from Harbor to ACR EE by compare-and-swap.
func ExampleNewMemory() {
	zone := dnstest.NewMemory("cross-region.registry.io", dns.Record{Name: "@", Type: "A", Value: "10.0.0.1", TTL: 60})
	ctx := context.Background()
	r, err := zone.Apply(ctx, dns.Change{Record: dns.Record{Name: "@", Type: "A"}, ExpectValue: "10.0.0.1",
		NewType: "CNAME", NewValue: "a-registry.cn-hangzhou.cr.aliyuncs.com"})
	fmt.Println(r, err)
	// A second operator still believes the record holds Harbor's address: refused.
	_, err = zone.Apply(ctx, dns.Change{Record: dns.Record{ID: r.ID}, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2"})
	fmt.Println(errors.Is(err, dns.ErrRecordChanged))
	// Output:
	// @ 60 CNAME a-registry.cn-hangzhou.cr.aliyuncs.com (id 1) <nil>
	// true
}
