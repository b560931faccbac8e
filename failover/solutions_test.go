package failover

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/alidns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/dns/privatezone"
)

// cloud configures a real provider for a dnstest emulator at endpoint.
func cloud(endpoint string) alicloud.Config {
	return alicloud.Config{Region: "cn-hangzhou", Endpoint: endpoint, Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: dnstest.AccessKeyID, AccessKeySecret: dnstest.AccessKeySecret}}
}

// TestSolutions runs failover and failback for the runbook's solutions (b) and (c) through
// the real providers, the emulators and the dnstest DNS server ((a) is covered throughout the other tests).
func TestSolutions(t *testing.T) {
	t.Parallel()
	const harborPublic = "203.0.113.10"
	ep := StaticEndpoints{Public: acrDomain, VPC: map[string]string{vpc: "192.168.0.10"}}
	tests := []struct {
		name     string
		build    func(t *testing.T, spec TargetSpec, upstream string) (Target, error)
		private  bool
		resolved string
	}{
		{"b public CNAME", func(t *testing.T, spec TargetSpec, _ string) (Target, error) {
			return PublicTarget(ctx(t), spec, ep, PublicCNAME, nil)
		}, false, acrIP},
		{"b public A", func(t *testing.T, spec TargetSpec, upstream string) (Target, error) {
			return PublicTarget(ctx(t), spec, ep, PublicA, dnstest.Resolver(upstream))
		}, false, acrIP},
		{"c VPC IP", func(t *testing.T, spec TargetSpec, _ string) (Target, error) {
			return VPCTarget(ctx(t), spec, ep, vpc)
		}, true, "192.168.0.10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var provider dns.Provider
			var original dns.Record
			var opts []dnstest.ServerOption
			seed := dns.Record{Name: "harbor", Type: dns.TypeA, Value: harborPublic, TTL: 3600}
			if tt.private {
				pz := dnstest.NewPrivateZone()
				z := pz.AddZone("example.com", vpc)
				original = must(t)(pz.AddRecord(z.ID, seed))
				p, err := privatezone.New(ctx(t), cloud(pz.Start(t)), "example.com", vpc)
				if err != nil {
					t.Fatal(err)
				}
				provider = p
				opts = append(opts, dnstest.WithPrivateZone(pz))
			} else {
				ad := dnstest.NewAlidns()
				z := ad.AddDomain("example.com")
				original = must(t)(ad.AddRecord("example.com", seed))
				p, err := alidns.New(ctx(t), cloud(ad.Start(t)), z.Name)
				if err != nil {
					t.Fatal(err)
				}
				provider = p
				opts = append(opts, dnstest.WithAlidns(ad))
			}
			srv, err := dnstest.NewDNSServer(append(opts, dnstest.WithUpstream(map[string][]string{acrDomain: {acrIP}}))...)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			var addr string
			if tt.private {
				addr, err = srv.ListenVPC(vpc)
			} else {
				addr, err = srv.ListenPublic()
			}
			if err != nil {
				t.Fatal(err)
			}
			target, err := tt.build(t, TargetSpec{Name: tt.name, Provider: provider, Record: "harbor",
				Primary: Value{Type: dns.TypeA, Value: harborPublic}, Resolver: addr}, addr)
			if err != nil {
				t.Fatal(err)
			}
			clock := clocktest.NewFake(time.Time{})
			s, err := NewSwitcher([]Target{target}, WithClock(clock))
			if err != nil {
				t.Fatal(err)
			}
			if got := lookup(t, addr, "harbor.example.com"); !slices.Equal(got, []string{harborPublic}) {
				t.Fatalf("before: harbor.example.com = %v", got)
			}
			plan, err := s.PlanFailover(ctx(t), failoverRequest())
			if err != nil {
				t.Fatal(err)
			}
			if res, err := s.Apply(ctx(t), plan); err != nil || !res.Changes[0].Verified {
				t.Fatalf("Apply = %+v, %v", res, err)
			}
			if got := lookup(t, addr, "harbor.example.com"); !slices.Equal(got, []string{tt.resolved}) {
				t.Errorf("after failover harbor.example.com = %v, want %s", got, tt.resolved)
			}
			clock.Advance(DefaultMinDwell)
			back, err := s.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Apply(ctx(t), back); err != nil {
				t.Fatal(err)
			}
			got, _ := provider.Records(ctx(t), "harbor")
			if diff := cmp.Diff([]dns.Record{original}, got); diff != "" {
				t.Errorf("after failback (-want +got):\n%s", diff)
			}
		})
	}
}
