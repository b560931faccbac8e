// Package readmecheck holds the README's testing sample as a test that runs, and checks
// that the README shows it verbatim, so the sample users copy cannot rot.
package readmecheck

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/dns/privatezone"
	"github.com/regdr/regdr/harbor/harbortest"
)

func TestMyFailover(t *testing.T) {
	ctx := context.Background()
	hc, hb := harbortest.Start(t, harbortest.WithProject("test-project", false), harbortest.WithSyncExecutions())
	ee := acrtest.Start(t) // cr OpenAPI + registry (ee.RegistryHost) on 127.0.0.1
	ac, _ := acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: ee.Cloud})
	pz := dnstest.NewPrivateZone()
	zone := pz.AddZone("cross-region.registry.io", "vpc-bbbbb")
	pz.AddRecord(zone.ID, dns.Record{Name: "@", Type: dns.TypeA, Value: "10.0.0.1", TTL: 60})
	provider, _ := privatezone.New(ctx, pz.Config(t), "cross-region.registry.io", "vpc-bbbbb")
	srv, _ := dnstest.NewDNSServer(dnstest.WithPrivateZone(pz))
	t.Cleanup(func() { srv.Close() })
	resolver, _ := srv.ListenVPC("vpc-bbbbb") // put it in failover.Target.Resolver

	// A plain value where no wire emulator is needed: the fstest.MapFS of package dns.
	mem := dnstest.NewMemory("cross-region.registry.io", dns.Record{Name: "@", Type: dns.TypeA, Value: "10.0.0.1", TTL: 60})

	// ... run your code with hc (pushes go to hb.Host()), ac, provider or mem, and resolver;
	// then check pz.Records(zone.ID), ee.Tags(acrtest.DefaultInstanceID, "test-project/nginx"),
	// and what dnstest.Resolver(resolver).LookupHost(ctx, "cross-region.registry.io") answers.
	_, _, _, _, _, _ = hc, hb, ac, provider, resolver, mem
}

// TestREADMEShowsTheSample fails when the README's sample and TestMyFailover above differ.
func TestREADMEShowsTheSample(t *testing.T) {
	src, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	start := strings.Index(s, "func TestMyFailover(")
	end := start + strings.Index(s[start:], "\n}\n") + len("\n}\n")
	if start < 0 || !strings.Contains(string(readme), "```go\n"+s[start:end]+"```\n") {
		t.Errorf("README.md does not show TestMyFailover from internal/readmecheck/readme_test.go verbatim in a go block")
	}
}
