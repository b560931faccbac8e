package failover

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
)

func TestPlanFailoverPreflight(t *testing.T) {
	t.Parallel()
	lagging := LagFunc(func(context.Context) (Lag, error) { return Lag{Missing: 12, OldestMissing: 2 * time.Hour}, nil })
	broken := LagFunc(func(context.Context) (Lag, error) { return Lag{}, errors.New("harbor unreachable") })
	setValue := func(v string) func(*testing.T, *world) {
		return func(t *testing.T, w *world) {
			r := w.current(t)
			r.Value = v
			if err := w.setRecord(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name  string
		req   func(r *FailoverRequest)
		world func(*testing.T, *world)
		want  error
	}{
		{name: "secondary down", req: func(r *FailoverRequest) { r.Secondary = down("acr-ee", 3) }, want: ErrSecondaryUnhealthy},
		{name: "secondary unknown", req: func(r *FailoverRequest) { r.Secondary = HealthStatus{Endpoint: "acr-ee", Health: HealthUnknown} }, want: ErrSecondaryUnhealthy},
		{name: "lag exceeds RPO", req: func(r *FailoverRequest) { r.Lag, r.RPO = lagging, 15*time.Minute }, want: ErrLagExceedsRPO},
		{name: "lag unreadable", req: func(r *FailoverRequest) { r.Lag = broken }, want: errors.New("harbor unreachable")},
		{name: "RPO without lag", req: func(r *FailoverRequest) { r.RPO = time.Minute }, want: ErrInvalid},
		{name: "force without reason", req: func(r *FailoverRequest) { r.Force = true }, want: ErrInvalid},
		{name: "unknown target", req: func(r *FailoverRequest) { r.Targets = []string{"nope"} }, want: ErrInvalid},
		{name: "force does not cover a down secondary", req: func(r *FailoverRequest) {
			r.Secondary, r.Force, r.ForceReason = down("acr-ee", 3), true, "hurry"
		}, want: ErrSecondaryUnhealthy},
		{name: "record elsewhere", world: setValue("10.9.9.9"), want: ErrUnexpectedRecord},
		{name: "two address records", world: func(t *testing.T, w *world) {
			if _, err := w.addRecord(dns.Record{Name: "@", Type: "A", Value: "10.0.0.2"}); err != nil {
				t.Fatal(err)
			}
		}, want: ErrUnexpectedRecord},
		{name: "disabled", world: func(t *testing.T, w *world) {
			r := w.current(t)
			r.Status = dns.StatusDisabled
			if err := w.setRecord(r); err != nil {
				t.Fatal(err)
			}
		}, want: ErrUnexpectedRecord},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			if tt.world != nil {
				tt.world(t, w)
			}
			req := failoverRequest()
			if tt.req != nil {
				tt.req(&req)
			}
			plan, err := w.switcher(t).PlanFailover(ctx(t), req)
			if plan != nil || err == nil || !errors.Is(err, tt.want) && !strings.Contains(err.Error(), tt.want.Error()) {
				t.Fatalf("PlanFailover = %v, %v; want %v", plan, err, tt.want)
			}
		})
	}
}

func TestForcedPlanRecordsItself(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.switcher(t)
	req := failoverRequest()
	req.Lag = LagFunc(func(context.Context) (Lag, error) { return Lag{Missing: 3, OldestMissing: time.Hour}, nil })
	req.RPO, req.Force, req.ForceReason = 15*time.Minute, true, "incident INC-42: data loss accepted"
	plan, err := s.PlanFailover(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Force == nil || plan.Force.Reason != req.ForceReason || len(plan.Force.Overrode) != 1 || !strings.Contains(plan.Force.Overrode[0], "exceeds RPO 15m0s") {
		t.Fatalf("plan.Force = %+v, want the override and its reason", plan.Force)
	}
	if !strings.Contains(plan.String(), "FORCED") {
		t.Errorf("String() does not show the force:\n%s", plan)
	}
	if _, err := s.Apply(ctx(t), plan); err != nil {
		t.Fatal(err)
	}
	entries, _ := w.journal.Entries(ctx(t))
	if len(entries) != 2 || entries[1].Force == nil || entries[1].Force.Reason != req.ForceReason {
		t.Errorf("journal = %+v, want the force recorded", entries)
	}
	if ev := w.audit.all(); len(ev) != 1 || !ev[0].Forced {
		t.Errorf("audit = %+v, want a forced write", ev)
	}
}

func TestTargetsForTheThreeSolutions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ep := StaticEndpoints{Public: acrDomain, VPC: map[string]string{vpc: "192.168.1.10"}}
	spec := TargetSpec{Provider: w.provider, Primary: Value{Type: "A", Value: harborIP}}
	a, err := PrivateZoneTarget(ctx(t), spec, ep)
	if err != nil || a.Secondary != (Value{Type: "CNAME", Value: acrDomain}) || a.Name != w.zone.ID+"/@" || a.Record != "@" {
		t.Errorf("PrivateZoneTarget = %+v, %v", a, err)
	}
	bc, err := PublicTarget(ctx(t), spec, ep, PublicCNAME, nil)
	if err != nil || bc.Secondary != (Value{Type: "CNAME", Value: acrDomain}) {
		t.Errorf("PublicTarget(CNAME) = %+v, %v", bc, err)
	}
	srv, err := dnstest.NewDNSServer(dnstest.WithUpstream(map[string][]string{acrDomain: {"47.0.0.9", acrIP}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	addr, err := srv.ListenPublic()
	if err != nil {
		t.Fatal(err)
	}
	ba, err := PublicTarget(ctx(t), spec, ep, PublicA, dnstest.Resolver(addr))
	if err != nil || ba.Secondary != (Value{Type: "A", Value: acrIP}) {
		t.Errorf("PublicTarget(A) = %+v, %v; want the lowest address %s", ba, err, acrIP)
	}
	c, err := VPCTarget(ctx(t), spec, ep, vpc)
	if err != nil || c.Secondary != (Value{Type: "A", Value: "192.168.1.10"}) {
		t.Errorf("VPCTarget = %+v, %v", c, err)
	}
	if _, err := VPCTarget(ctx(t), spec, ep, "vpc-other"); !errors.Is(err, dns.ErrNotFound) {
		t.Errorf("VPCTarget(unknown VPC) = %v, want ErrNotFound", err)
	}
	bad := spec
	bad.Primary = Value{Type: "CNAME", Value: acrDomain}
	if _, err := PrivateZoneTarget(ctx(t), bad, ep); !errors.Is(err, ErrInvalid) {
		t.Errorf("target whose primary is its secondary: %v, want ErrInvalid", err)
	}
	if _, err := NewSwitcher([]Target{a, a}); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewSwitcher(duplicate targets) = %v, want ErrInvalid", err)
	}
}

func TestLagReadOnlyWhenSomethingWouldChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.switcher(t)
	calls := 0
	req := failoverRequest()
	req.Lag, req.RPO = LagFunc(func(context.Context) (Lag, error) { calls++; return Lag{}, nil }), time.Minute
	plan, err := s.PlanFailover(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx(t), plan); err != nil {
		t.Fatal(err)
	}
	again, err := s.PlanFailover(ctx(t), req)
	if err != nil || again.HasChanges() || again.Evidence.Lag != nil {
		t.Fatalf("PlanFailover when failed over = %v, %v", again, err)
	}
	if calls != 1 {
		t.Errorf("lag read %d times, want once (only when a record would change)", calls)
	}
}

func TestStaleHealthEvidenceIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.switcher(t)
	acr := &script{name: "hz", ups: []bool{true}, at: w.clock}
	checker, err := NewChecker(Endpoint{Name: "acr-ee", URL: "https://" + acrDomain}, []Vantage{acr}, HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		checker.Check(ctx(t))
	}
	w.clock.Advance(DefaultPlanTTL + time.Second)
	req := failoverRequest()
	req.Secondary = checker.Status()
	if _, err := s.PlanFailover(ctx(t), req); !errors.Is(err, ErrSecondaryUnhealthy) || !strings.Contains(err.Error(), "last probed") {
		t.Errorf("PlanFailover on hour-old health = %v, want ErrSecondaryUnhealthy", err)
	}
	checker.Check(ctx(t))
	req.Secondary = checker.Status()
	if _, err := s.PlanFailover(ctx(t), req); err != nil {
		t.Errorf("PlanFailover on fresh health = %v", err)
	}
}

// TestNilOptionsRefused: a nil option is refused with ErrInvalid, not a panic.
func TestNilOptionsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if _, err := NewSwitcher([]Target{w.target}, nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewSwitcher(nil option) = %v, want ErrInvalid", err)
	}
	if _, err := NewProber("v", nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewProber(nil option) = %v, want ErrInvalid", err)
	}
}
