package privatezone_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/dns/privatezone"
)

// TestProviderConcurrentUse runs reads and writes of one Provider from many goroutines at
// once. Under -race it fails if calls share per-request SDK state.
func TestProviderConcurrentUse(t *testing.T) {
	t.Parallel()
	pz := dnstest.NewPrivateZone()
	z := pz.AddZone("cross-region.registry.io", "vpc-aaaaa")
	const workers = 8
	for w := range workers {
		if _, err := pz.AddRecord(z.ID, dns.Record{Name: fmt.Sprintf("r%d", w), Type: "A", Value: "10.0.0.1", TTL: 60}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := privatezone.New(ctx(t), config(pz.Start(t)), "cross-region.registry.io", "vpc-aaaaa")
	if err != nil {
		t.Fatal(err)
	}
	c := ctx(t)
	var wg sync.WaitGroup
	errs := make(chan error, workers*4)
	for w := range workers {
		wg.Go(func() {
			name := fmt.Sprintf("r%d", w)
			if _, err := p.Zone(c); err != nil {
				errs <- fmt.Errorf("Zone: %w", err)
			}
			if rs, err := p.Records(c, ""); err != nil || len(rs) != workers {
				errs <- fmt.Errorf("Records = %d records, %v; want %d", len(rs), err, workers)
			}
			ch := dns.Change{Record: dns.Record{Name: name, Type: "A"}, ExpectValue: "10.0.0.1", NewValue: "10.0.1.1"}
			if r, err := p.Apply(c, ch); err != nil || r.Value != "10.0.1.1" {
				errs <- fmt.Errorf("Apply(%s) = %v, %v", name, r, err)
			}
			if rs, err := p.Records(c, name); err != nil || len(rs) != 1 || rs[0].Value != "10.0.1.1" {
				errs <- fmt.Errorf("Records(%s) = %v, %v; want one record of 10.0.1.1", name, rs, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, r := range pz.Records(z.ID) {
		if r.Value != "10.0.1.1" {
			t.Errorf("emulator record %v, want 10.0.1.1", r)
		}
	}
}
