package failover

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/clock/clocktest"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/dns/privatezone"
)

var _ Endpoints = (*acr.Client)(nil)

// TestRealClientsEndToEnd runs solution (a) with the real SDK-backed clients: the
// privatezone provider against the PrivateZone emulator, the acr client against the ACR
// emulator (whose *acr.Client is the Endpoints), the ACR registry probed over HTTP, the
// switch seen through the dnstest DNS server — and neither AccessKey secret anywhere in
// plans, journal, audit or errors.
func TestRealClientsEndToEnd(t *testing.T) {
	t.Parallel()
	const pzSecret, acrSecret = "pz-SECRET-0123456789", "acr-SECRET-9876543210"
	pz := dnstest.NewPrivateZone(dnstest.WithAccessKey("LTAI-failover-pz", pzSecret))
	zone := pz.AddZone(zoneName, vpc)
	original := must(t)(pz.AddRecord(zone.ID, dns.Record{Name: "@", Type: "A", Value: harborIP, TTL: 60}))
	provider, err := privatezone.New(ctx(t), alicloud.Config{Region: "cn-hangzhou", Endpoint: pz.Start(t), Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: "LTAI-failover-pz", AccessKeySecret: pzSecret}}, zoneName, vpc)
	if err != nil {
		t.Fatal(err)
	}

	emu := acrtest.New(acrtest.WithAccessKey("LTAI-failover-acr", acrSecret))
	api := httptest.NewServer(emu.OpenAPI())
	t.Cleanup(api.Close)
	reg := httptest.NewServer(emu.Registry())
	t.Cleanup(reg.Close)
	if err := emu.SetLinkedVPCs(acrtest.DefaultInstanceID, acrtest.LinkedVPC{VPCID: vpc, VSwitchID: "vsw-1", IP: "192.168.0.10"}); err != nil {
		t.Fatal(err)
	}
	client, err := acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: alicloud.Config{
		Region: acrtest.DefaultRegion, Endpoint: api.Listener.Addr().String(), Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: "LTAI-failover-acr", AccessKeySecret: acrSecret}}})
	if err != nil {
		t.Fatal(err)
	}
	var endpoints Endpoints = client // *acr.Client satisfies Endpoints as is
	public, err := endpoints.PublicDomain(ctx(t))
	if err != nil || !strings.HasSuffix(public, ".cr.aliyuncs.com") {
		t.Fatalf("PublicDomain() = %q, %v", public, err)
	}
	if ip, err := endpoints.VPCAddress(ctx(t), vpc); err != nil || ip != "192.168.0.10" {
		t.Errorf("VPCAddress(%s) = %q, %v", vpc, ip, err)
	}

	srv, err := dnstest.NewDNSServer(dnstest.WithPrivateZone(pz), dnstest.WithUpstream(map[string][]string{public: {acrIP}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	resolver, err := srv.ListenVPC(vpc)
	if err != nil {
		t.Fatal(err)
	}
	target, err := PrivateZoneTarget(ctx(t), TargetSpec{Provider: provider, Primary: Value{Type: "A", Value: harborIP}, Resolver: resolver}, endpoints)
	if err != nil {
		t.Fatal(err)
	}

	clock := clocktest.NewFake(time.Time{})
	prober, err := NewProber("test", WithProberClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	acrCheck, err := NewChecker(Endpoint{Name: "acr-ee", URL: reg.URL}, []Vantage{prober}, HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		acrCheck.Check(ctx(t))
	}

	var out bytes.Buffer
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	journal, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { journal.Close() })
	s, err := NewSwitcher([]Target{target}, WithClock(clock), WithJournal(journal), WithAudit(func(e AuditEvent) {
		b, _ := json.Marshal(e)
		out.Write(b)
	}))
	if err != nil {
		t.Fatal(err)
	}
	record := func(v any) {
		b, _ := json.Marshal(v)
		out.Write(b)
		out.WriteString(v.(interface{ String() string }).String())
	}

	plan, err := s.PlanFailover(ctx(t), FailoverRequest{Reason: "harbor down", Secondary: acrCheck.Status()})
	if err != nil {
		t.Fatal(err)
	}
	record(plan)
	if res, err := s.Apply(ctx(t), plan); err != nil || res.Writes() != 1 || !res.Changes[0].Verified {
		t.Fatalf("Apply = %+v, %v", res, err)
	}
	if got := lookup(t, resolver, zoneName); !slices.Equal(got, []string{acrIP}) {
		t.Errorf("after failover %s = %v, want %s", zoneName, got, acrIP)
	}
	// Refusals, too, must not carry a secret.
	if _, err := s.PlanFailover(ctx(t), FailoverRequest{Secondary: down("acr-ee", 3)}); err == nil {
		t.Fatal("planned a failover to a down secondary")
	} else {
		out.WriteString(err.Error())
	}

	clock.Advance(DefaultMinDwell)
	back, err := s.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5)})
	if err != nil {
		t.Fatal(err)
	}
	record(back)
	if _, err := s.Apply(ctx(t), back); err != nil {
		t.Fatal(err)
	}
	got, err := provider.Records(ctx(t), "@")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]dns.Record{original}, got); diff != "" {
		t.Errorf("after failback (-want +got):\n%s", diff)
	}
	if got := lookup(t, resolver, zoneName); !slices.Equal(got, []string{harborIP}) {
		t.Errorf("after failback %s = %v, want %s", zoneName, got, harborIP)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out.Write(file)
	for _, secret := range []string{pzSecret, acrSecret} {
		if bytes.Contains(out.Bytes(), []byte(secret)) {
			t.Errorf("an AccessKey secret leaked into plans, audit or journal")
		}
	}
}
