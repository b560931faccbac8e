package failover_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/dns/privatezone"
	"github.com/regdr/regdr/failover"
)

// openZone serves a PrivateZone emulator on loopback and opens the real provider on it.
func openZone(ctx context.Context, pz *dnstest.PrivateZone, vpc string) (*privatezone.Provider, func()) {
	api := httptest.NewServer(pz)
	p, err := privatezone.New(ctx, alicloud.Config{
		Region: "cn-hangzhou", Endpoint: api.Listener.Addr().String(), Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: dnstest.AccessKeyID, AccessKeySecret: dnstest.AccessKeySecret},
	}, "cross-region.registry.io", vpc)
	if err != nil {
		panic(err)
	}
	return p, api.Close
}

// healthOf probes a registry n times from one vantage point and returns its health.
func healthOf(ctx context.Context, name, url string, n int) failover.HealthStatus {
	prober, _ := failover.NewProber("vantage")
	checker, _ := failover.NewChecker(failover.Endpoint{Name: name, URL: url}, []failover.Vantage{prober}, failover.HealthPolicy{})
	var st failover.HealthStatus
	for range n {
		st = checker.Check(ctx)
	}
	return st
}

// The runbook's solution (a): the PrivateZone zone cross-region.registry.io bound to
// vpc-bbbbb points at Harbor; fail over to the ACR EE public endpoint, then back.
func Example() {
	ctx := context.Background()
	const acr = "a-registry.cn-hangzhou.cr.aliyuncs.com"

	// The world, on loopback: the zone, a DNS server for the VPC, and both registries.
	pz := dnstest.NewPrivateZone()
	zone := pz.AddZone("cross-region.registry.io", "vpc-bbbbb")
	pz.AddRecord(zone.ID, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1", TTL: 60})
	srv, _ := dnstest.NewDNSServer(dnstest.WithPrivateZone(pz), dnstest.WithUpstream(map[string][]string{acr: {"47.0.0.1"}}))
	defer srv.Close()
	vpcResolver, _ := srv.ListenVPC("vpc-bbbbb")
	registry := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://auth.example/token"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer registry.Close()
	provider, closeAPI := openZone(ctx, pz, "vpc-bbbbb")
	defer closeAPI()

	target, err := failover.PrivateZoneTarget(ctx, failover.TargetSpec{
		Name:     "vpc-bbbbb",
		Provider: provider,
		Primary:  failover.Value{Type: dns.TypeA, Value: "10.0.0.1"},
		Resolver: vpcResolver,
	}, failover.StaticEndpoints{Public: acr})
	if err != nil {
		fmt.Println(err)
		return
	}
	s, _ := failover.NewSwitcher([]failover.Target{target})
	resolve := func() []string {
		addrs, _ := dnstest.Resolver(vpcResolver).LookupHost(ctx, "cross-region.registry.io")
		return addrs
	}
	fmt.Println("clients resolve", resolve())

	plan, err := s.PlanFailover(ctx, failover.FailoverRequest{
		Reason:    "harbor down",
		Secondary: healthOf(ctx, "acr-ee", registry.URL, 3),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range plan.Changes {
		fmt.Printf("plan: %s %s -> %s\n", c.FQDN, c.From, c.To)
	}
	res, err := s.Apply(ctx, plan)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("written:", res.Writes(), "verified:", res.Changes[0].Verified, "old answers cached up to", res.Changes[0].Propagation)
	fmt.Println("clients resolve", resolve())

	// Harbor is back: restore exactly what the journal says the record held.
	back, err := s.PlanFailback(ctx, failover.FailbackRequest{
		Reason:   "harbor recovered",
		Primary:  healthOf(ctx, "harbor", registry.URL, failover.DefaultFailbackHealthy),
		MinDwell: -1, // an example cannot wait ten minutes
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := s.Apply(ctx, back); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("failback: %s -> %s\n", back.Changes[0].From, back.Changes[0].To)
	fmt.Println("clients resolve", resolve())
	// Output:
	// clients resolve [10.0.0.1]
	// plan: cross-region.registry.io A 10.0.0.1 ttl 60 -> CNAME a-registry.cn-hangzhou.cr.aliyuncs.com ttl 60
	// written: 1 verified: true old answers cached up to 1m0s
	// clients resolve [47.0.0.1]
	// failback: CNAME a-registry.cn-hangzhou.cr.aliyuncs.com ttl 60 -> A 10.0.0.1 ttl 60
	// clients resolve [10.0.0.1]
}

// One failed probe does not make a registry down; three consecutive ones do.
func ExampleHealthTracker() {
	tracker, _ := failover.NewHealthTracker(failover.HealthPolicy{Threshold: 3})
	for _, up := range []bool{true, true, true, false, true, false, false, false} {
		st := tracker.Observe(failover.ProbeResult{Endpoint: "harbor", Vantage: "hz", Up: up})
		fmt.Print(st.Health, " ")
	}
	fmt.Println()
	// Output:
	// unknown unknown up up up up up down
}

// fixedClock stops time, so the plan below prints the same every run.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

func (c fixedClock) After(time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- c.t
	return ch
}

// A dry run: plan a failover, with its evidence, and print it for review without applying.
func ExampleSwitcher_PlanFailover() {
	ctx := context.Background()
	pz := dnstest.NewPrivateZone()
	zone := pz.AddZone("cross-region.registry.io", "vpc-bbbbb")
	pz.AddRecord(zone.ID, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1", TTL: 60})
	provider, closeAPI := openZone(ctx, pz, "vpc-bbbbb")
	defer closeAPI()

	target, _ := failover.PrivateZoneTarget(ctx, failover.TargetSpec{
		Name:     "vpc-bbbbb",
		Provider: provider,
		Primary:  failover.Value{Type: dns.TypeA, Value: "10.0.0.1"},
	}, failover.StaticEndpoints{Public: "a-registry.cn-hangzhou.cr.aliyuncs.com"})
	clock := fixedClock{time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	s, _ := failover.NewSwitcher([]failover.Target{target}, failover.WithClock(clock))

	lag := failover.LagFunc(func(context.Context) (failover.Lag, error) {
		return failover.Lag{Missing: 2, OldestMissing: 4 * time.Minute}, nil
	})
	plan, err := s.PlanFailover(ctx, failover.FailoverRequest{
		Reason:    "harbor down in cn-hangzhou",
		Actor:     "oncall@example.com",
		Secondary: failover.HealthStatus{Endpoint: "acr-ee", Health: failover.HealthUp, UpStreak: 3, Threshold: 3, Quorum: 1},
		Lag:       lag,
		RPO:       15 * time.Minute,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(plan)
	// Output:
	// failover plan 3aea869e0eb5 (created 2026-03-01T09:00:00Z, expires 2026-03-01T09:10:00Z)
	//   reason: "harbor down in cn-hangzhou" by "oncall@example.com"
	//   ~ cross-region.registry.io (zone zone-5eed0001, record 100001): A 10.0.0.1 ttl 60 -> CNAME a-registry.cn-hangzhou.cr.aliyuncs.com ttl 60
	//   health acr-ee: up (3 consecutive up, 0 down; quorum 1)
	//   lag: 2 missing, 0 stale, oldest 4m0s (RPO 15m0s)
}

// A failover records the forward name map (FailoverRequest.NameMap) with its journal
// entries; at failback, RecordedNameMap reads it back for the reverse lag and reverse
// replication to invert (lag.Verifier.NameMap, lag.Invert) — until the failback is
// written.
func ExampleRecordedNameMap() {
	entries := []failover.JournalEntry{{PlanID: "a1", Kind: failover.KindFailover, Target: "vpc-b",
		Outcome: failover.OutcomeWritten, NameMap: map[string]string{"library/web/nginx": "dr/nginx"}}}
	m, ok := failover.RecordedNameMap(entries)
	fmt.Println(m, ok)

	entries = append(entries, failover.JournalEntry{PlanID: "b2", Kind: failover.KindFailback, Target: "vpc-b",
		Outcome: failover.OutcomeWritten})
	_, ok = failover.RecordedNameMap(entries)
	fmt.Println(ok)
	// Output:
	// map[library/web/nginx:dr/nginx] true
	// false
}
