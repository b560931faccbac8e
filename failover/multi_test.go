package failover

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
)

// failingProvider refuses every write, like an API outage.
type failingProvider struct{ dns.Provider }

var errOutage = errors.New("InternalError: service unavailable")

func (failingProvider) Apply(context.Context, dns.Change) (dns.Record, error) {
	return dns.Record{}, errOutage
}

// twoZones is solution (a) for two VPCs, each with its own PrivateZone zone of the same
// name, kept in memory.
func twoZones(t *testing.T, wrapB func(dns.Provider) dns.Provider) ([]*dnstest.Memory, []Target, []dns.Record) {
	t.Helper()
	var zones []*dnstest.Memory
	var targets []Target
	var recs []dns.Record
	for i, v := range []string{"vpc-aaaaa", "vpc-bbbbb"} {
		z := dnstest.NewMemory(zoneName, dns.Record{Name: "@", Type: "A", Value: harborIP, TTL: 60})
		zones = append(zones, z)
		r, _ := z.Record("1")
		recs = append(recs, r)
		var p dns.Provider = z
		if i == 1 && wrapB != nil {
			p = wrapB(p)
		}
		tg, err := PrivateZoneTarget(ctx(t), TargetSpec{Name: v, Provider: p, Primary: Value{Type: "A", Value: harborIP}}, StaticEndpoints{Public: acrDomain})
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, tg)
	}
	return zones, targets, recs
}

func TestApplyRefusesWholePlanWhenOneRecordIsStale(t *testing.T) {
	t.Parallel()
	zones, targets, recs := twoZones(t, nil)
	s, err := NewSwitcher(targets)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil || len(plan.Changes) != 2 {
		t.Fatalf("PlanFailover = %v, %v", plan, err)
	}
	moved := recs[1]
	moved.Value = "10.0.0.2"
	if err := zones[1].Set(moved); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx(t), plan); !errors.Is(err, ErrStalePlan) {
		t.Fatalf("Apply = %v, want ErrStalePlan", err)
	}
	if r, _ := zones[0].Record(recs[0].ID); r != recs[0] {
		t.Errorf("the other zone was written although the plan was refused: %s", r)
	}
}

func TestApplyKeepsGoingPastOneFailedWrite(t *testing.T) {
	t.Parallel()
	zones, targets, recs := twoZones(t, func(p dns.Provider) dns.Provider { return failingProvider{p} })
	var events []AuditEvent
	// The retry is another switcher (another process): both hold the same plan key.
	key := bytes.Repeat([]byte{7}, PlanKeySize)
	s, err := NewSwitcher(targets, WithPlanKey(key), WithAudit(func(e AuditEvent) { events = append(events, e) }))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Apply(ctx(t), plan)
	if !errors.Is(err, errOutage) || res == nil {
		t.Fatalf("Apply = %v, %v; want the outage reported", res, err)
	}
	if !res.Changes[0].Written || res.Changes[1].Written || res.Changes[1].Error == "" {
		t.Errorf("results = %+v, want the first written and the second failed", res.Changes)
	}
	if r, _ := zones[0].Record(recs[0].ID); r.Value != acrDomain {
		t.Errorf("first zone = %s, want it failed over", r)
	}
	if len(events) != 2 || events[0].Outcome != OutcomeWritten || events[1].Outcome != OutcomeFailed {
		t.Errorf("audit = %+v, want written then failed", events)
	}
	// Retrying the same plan finishes the job: the written record is left alone.
	s2, _ := NewSwitcher([]Target{targets[0], {Name: targets[1].Name, Provider: targets[1].Provider.(failingProvider).Provider,
		Record: "@", Primary: targets[1].Primary, Secondary: targets[1].Secondary}}, WithPlanKey(key))
	res, err = s2.Apply(ctx(t), plan)
	if err != nil || res.Writes() != 1 || res.Changes[0].Written {
		t.Errorf("retry = %+v, %v; want only the second record written", res, err)
	}
}
