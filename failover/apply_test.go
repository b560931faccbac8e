package failover

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
)

func failoverRequest() FailoverRequest {
	p := down("harbor", 3)
	return FailoverRequest{Reason: "harbor down", Actor: "oncall", Primary: &p, Secondary: healthy("acr-ee", 3)}
}

func lookup(t *testing.T, resolver, name string) []string {
	t.Helper()
	got, err := dnstest.Resolver(resolver).LookupHost(ctx(t), name)
	if err != nil {
		t.Fatalf("LookupHost(%q) through %s: %v", name, resolver, err)
	}
	slices.Sort(got)
	return got
}

func TestFailoverSwitchesWhatClientsResolve(t *testing.T) {
	t.Parallel()
	w := newWireWorld(t)
	s := w.switcher(t)
	if got := lookup(t, w.resolver, zoneName); !slices.Equal(got, []string{harborIP}) {
		t.Fatalf("before failover %s resolves to %v, want Harbor %s", zoneName, got, harborIP)
	}
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	want := []RecordChange{{Target: "vpc-b", ZoneID: w.zone.ID, Zone: zoneName, FQDN: zoneName, RecordID: w.record.ID, Name: "@",
		From: Value{Type: "A", Value: harborIP, TTL: 60}, To: Value{Type: "CNAME", Value: acrDomain, TTL: 60}, Observed: w.record}}
	if diff := cmp.Diff(want, plan.Changes); diff != "" || !plan.HasChanges() {
		t.Fatalf("plan changes (-want +got):\n%s", diff)
	}
	if w.provider.Writes() != 0 {
		t.Fatal("planning wrote a record")
	}
	res, err := s.Apply(ctx(t), plan)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Changes[0]
	if !c.Written || !c.Verified || c.Propagation != time.Minute || res.Writes() != 1 {
		t.Errorf("Apply result = %+v, want one verified write with 60s propagation", c)
	}
	if got := lookup(t, w.resolver, zoneName); !slices.Equal(got, []string{acrIP}) {
		t.Errorf("after failover %s resolves to %v, want ACR EE %s", zoneName, got, acrIP)
	}
	if cname, err := dnstest.Resolver(w.resolver).LookupCNAME(ctx(t), zoneName); err != nil || cname != acrDomain+"." {
		t.Errorf("LookupCNAME(%s) = %q, %v, want %s.", zoneName, cname, err, acrDomain)
	}
	wantRec := dns.Record{ID: w.record.ID, Name: "@", Type: "CNAME", Value: acrDomain, TTL: 60, Status: w.record.Status}
	if diff := cmp.Diff(wantRec, w.current(t)); diff != "" {
		t.Errorf("record after failover (-want +got):\n%s", diff)
	}
	entries, _ := w.journal.Entries(ctx(t))
	// Write-ahead: the intent, then the outcome.
	intent := JournalEntry{PlanID: plan.ID, Kind: KindFailover, Target: "vpc-b", ZoneID: w.zone.ID, FQDN: zoneName,
		RecordID: w.record.ID, Name: "@", From: want[0].From, To: want[0].To, At: w.clock.Now(), Reason: "harbor down", Actor: "oncall",
		Outcome: OutcomeIntent}
	written := intent
	written.Outcome = OutcomeWritten
	wantEntry := []JournalEntry{intent, written}
	if diff := cmp.Diff(wantEntry, entries); diff != "" {
		t.Errorf("journal (-want +got):\n%s", diff)
	}
	if ev := w.audit.all(); len(ev) != 1 || ev[0].Outcome != OutcomeWritten || ev[0].PlanID != plan.ID {
		t.Errorf("audit events = %+v, want one written event", ev)
	}

	// Applying the same plan again writes nothing; planning again finds nothing to do.
	res, err = s.Apply(ctx(t), plan)
	if err != nil || res.Writes() != 0 || !res.Changes[0].Verified {
		t.Errorf("second Apply = %+v, %v; want no write, verified", res, err)
	}
	again, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil || again.HasChanges() || !again.Changes[0].Done {
		t.Errorf("PlanFailover after failover = %v, %v; want a plan without changes", again, err)
	}
	if w.provider.Writes() != 1 || len(w.audit.all()) != 1 {
		t.Errorf("writes = %d, audit events = %d, want 1 and 1", w.provider.Writes(), len(w.audit.all()))
	}
	if entries, _ := w.journal.Entries(ctx(t)); len(entries) != 2 {
		t.Errorf("journal has %d entries, want 2 (one intent, one outcome)", len(entries))
	}
}

func TestApplyRefusesStalePlan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(t *testing.T, w *world)
	}{
		{"value changed", func(t *testing.T, w *world) {
			r := w.current(t)
			r.Value = "10.0.0.2"
			if err := w.setRecord(r); err != nil {
				t.Fatal(err)
			}
		}},
		{"TTL changed", func(t *testing.T, w *world) {
			r := w.current(t)
			r.TTL = 30
			if err := w.setRecord(r); err != nil {
				t.Fatal(err)
			}
		}},
		{"disabled", func(t *testing.T, w *world) {
			r := w.current(t)
			r.Status = dns.StatusDisabled
			if err := w.setRecord(r); err != nil {
				t.Fatal(err)
			}
		}},
		{"expired", func(t *testing.T, w *world) { w.clock.Advance(DefaultPlanTTL + time.Second) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			s := w.switcher(t)
			plan, err := s.PlanFailover(ctx(t), failoverRequest())
			if err != nil {
				t.Fatal(err)
			}
			tt.change(t, w)
			before := w.current(t)
			res, err := s.Apply(ctx(t), plan)
			if !errors.Is(err, ErrStalePlan) || res != nil {
				t.Fatalf("Apply after %s = %v, %v; want ErrStalePlan", tt.name, res, err)
			}
			if diff := cmp.Diff(before, w.current(t)); diff != "" || w.provider.Writes() != 0 || len(w.audit.all()) != 0 {
				t.Errorf("a refused plan touched the record (-before +after):\n%s", diff)
			}
		})
	}
}

func TestApplyRaceBecomesStalePlan(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.switcher(t)
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	// Another operator edits the record between Apply's re-read and its write.
	w.provider.beforeWrite = func() {
		r, _ := w.mem.Record(w.record.ID)
		r.Value = "10.0.0.3"
		_ = w.setRecord(r)
	}
	res, err := s.Apply(ctx(t), plan)
	if !errors.Is(err, ErrStalePlan) || !errors.Is(err, dns.ErrRecordChanged) {
		t.Fatalf("Apply = %v, want ErrStalePlan wrapping dns.ErrRecordChanged", err)
	}
	if res.Writes() != 0 || w.current(t).Value != "10.0.0.3" {
		t.Errorf("Apply wrote over the other operator's change: %+v", res)
	}
	ev := w.audit.all()
	if len(ev) != 1 || ev[0].Outcome != OutcomeFailed || !strings.Contains(ev[0].Error, "changed") {
		t.Errorf("audit = %+v, want one failed write", ev)
	}
	entries, _ := w.journal.Entries(ctx(t))
	if len(entries) != 2 || entries[0].Outcome != OutcomeIntent || entries[1].Outcome != OutcomeFailed {
		t.Errorf("journal = %+v, want an intent and its failure", entries)
	}
	if undo := undoable(entries); len(undo) != 0 {
		t.Errorf("a failed write left a failover to undo: %+v", undo)
	}
}

func TestPlanJSONRoundTrip(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.switcher(t)
	lag := LagFunc(func(context.Context) (Lag, error) {
		return Lag{Missing: 1, OldestMissing: time.Minute, CheckedAt: w.clock.Now()}, nil
	})
	req := failoverRequest()
	req.Lag, req.RPO = lag, 15*time.Minute
	plan, err := s.PlanFailover(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	var got Plan
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(plan, &got); diff != "" {
		t.Fatalf("plan after JSON round trip (-want +got):\n%s", diff)
	}
	for _, part := range []string{"failover plan " + plan.ID, "A 10.0.0.1 ttl 60 -> CNAME " + acrDomain + " ttl 60", "health acr-ee: up", "lag: 1 missing"} {
		if !strings.Contains(plan.String(), part) {
			t.Errorf("String() = %q, want it to contain %q", plan, part)
		}
	}
	// An edited plan is refused: a new value that is not the secondary, or a new observation.
	edited := got
	edited.Changes = slices.Clone(got.Changes)
	edited.Changes[0].To.Value = "evil.example.com"
	if _, err := s.Apply(ctx(t), &edited); !errors.Is(err, ErrTamperedPlan) {
		t.Errorf("Apply(edited target) = %v, want ErrTamperedPlan", err)
	}
	edited.Changes = slices.Clone(got.Changes)
	edited.Changes[0].Observed.TTL = 5
	if _, err := s.Apply(ctx(t), &edited); !errors.Is(err, ErrTamperedPlan) {
		t.Errorf("Apply(edited observation) = %v, want ErrTamperedPlan", err)
	}
	if res, err := s.Apply(ctx(t), &got); err != nil || res.Writes() != 1 {
		t.Errorf("Apply(decoded plan) = %+v, %v; want one write", res, err)
	}
}

func TestApplyReportsUnverifiedChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// A resolver that keeps answering the old value (a cache that never expires).
	stuck := func(context.Context, string, string, string) ([]string, error) {
		return []string{"stale.example.com"}, nil
	}
	s := w.switcher(t, WithLookup(stuck), WithVerify(10*time.Second, 2*time.Second))
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	type out struct {
		res *Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := s.Apply(ctx(t), plan)
		done <- out{res, err}
	}()
	for {
		select {
		case o := <-done:
			if !errors.Is(o.err, ErrNotVerified) {
				t.Fatalf("Apply = %v, want ErrNotVerified", o.err)
			}
			c := o.res.Changes[0]
			if !c.Written || c.Verified {
				t.Errorf("change = %+v, want written, not verified", c)
			}
			if entries, _ := w.journal.Entries(ctx(t)); len(entries) != 2 || entries[1].Outcome != OutcomeWritten {
				t.Errorf("an unverified write must still be journaled; journal has %d entries", len(entries))
			}
			return
		default:
		}
		if w.clock.WaitForWaiters(1, 50*time.Millisecond) {
			w.clock.Advance(2 * time.Second)
		}
	}
}
