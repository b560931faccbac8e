package failover

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// TestApplyRefusesEditedPlan edits a saved plan (JSON, as read back from a file) the way
// a suspicious user would: each edit is refused, nothing reaches DNS or the journal.
func TestApplyRefusesEditedPlan(t *testing.T) {
	t.Parallel()
	year2099 := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		failback bool
		expire   bool // let the plan expire before editing it
		edit     func(p *Plan)
	}{
		{name: "failover to.value", edit: func(p *Plan) { p.Changes[0].To.Value = "evil.example.com" }},
		{name: "failover to.ttl", edit: func(p *Plan) { p.Changes[0].To.TTL = 86400 }},
		{name: "failover from.ttl", edit: func(p *Plan) { p.Changes[0].From.TTL = 5 }},
		{name: "failover expires_at", expire: true, edit: func(p *Plan) { p.ExpiresAt = year2099 }},
		{name: "failback to.value and restores.from.value", failback: true, edit: func(p *Plan) {
			p.Changes[0].To.Value = "6.6.6.6"
			p.Changes[0].Restores.From.Value = "6.6.6.6"
		}},
		{name: "failback to.ttl and restores.from.ttl", failback: true, edit: func(p *Plan) {
			p.Changes[0].To.TTL = 1
			p.Changes[0].Restores.From.TTL = 1
		}},
		{name: "failback from.ttl", failback: true, edit: func(p *Plan) { p.Changes[0].From.TTL = 1 }},
		{name: "failback expires_at", failback: true, expire: true, edit: func(p *Plan) { p.ExpiresAt = year2099 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			s := w.switcher(t)
			plan := integrityPlan(t, w, s, tc.failback)
			b, err := json.Marshal(plan)
			if err != nil {
				t.Fatal(err)
			}
			var edited Plan
			if err := json.Unmarshal(b, &edited); err != nil {
				t.Fatal(err)
			}
			tc.edit(&edited)
			if tc.expire {
				w.clock.Advance(DefaultPlanTTL + time.Second)
			}
			writes := w.provider.Writes()
			before, _ := w.journal.Entries(ctx(t))
			res, err := s.Apply(ctx(t), &edited)
			if !errors.Is(err, ErrTamperedPlan) {
				t.Errorf("Apply(edited) = %+v, %v; want ErrTamperedPlan", res, err)
			}
			if got := w.provider.Writes(); got != writes {
				t.Errorf("DNS writes = %d, want %d (nothing written)", got, writes)
			}
			if after, _ := w.journal.Entries(ctx(t)); len(after) != len(before) {
				t.Errorf("journal has %d entries, want %d (nothing journaled)", len(after), len(before))
			}
		})
	}
}

// integrityPlan returns a failover plan, or (after applying one) a failback plan.
func integrityPlan(t *testing.T, w *world, s *Switcher, failback bool) *Plan {
	t.Helper()
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	if !failback {
		return plan
	}
	if _, err := s.Apply(ctx(t), plan); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(DefaultMinDwell)
	back, err := s.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5)})
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// TestApplyRefusesResealedPlan: even a plan sealed with the right key (its holder edited
// it and sealed it again) is refused when its changes are not what the switcher derives
// now — nothing written, nothing journaled.
func TestApplyRefusesResealedPlan(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		failback bool
		edit     func(p *Plan)
	}{
		{name: "failover to.value", edit: func(p *Plan) { p.Changes[0].To.Value = "evil.example.com" }},
		{name: "failover to.ttl", edit: func(p *Plan) { p.Changes[0].To.TTL = 86400 }},
		{name: "failover from.ttl", edit: func(p *Plan) { p.Changes[0].From.TTL = 5 }},
		{name: "failback to.value and restores.from.value", failback: true, edit: func(p *Plan) {
			p.Changes[0].To.Value = "6.6.6.6"
			p.Changes[0].Restores.From.Value = "6.6.6.6"
		}},
		{name: "failback to.ttl and restores.from.ttl", failback: true, edit: func(p *Plan) {
			p.Changes[0].To.TTL = 5
			p.Changes[0].Restores.From.TTL = 5
		}},
		{name: "failback to.ttl", failback: true, edit: func(p *Plan) { p.Changes[0].To.TTL = 5 }},
		{name: "failback from.ttl", failback: true, edit: func(p *Plan) { p.Changes[0].From.TTL = 5 }},
		{name: "failback restores another entry", failback: true, edit: func(p *Plan) { p.Changes[0].Restores.PlanID = "0123456789ab" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			s := w.switcher(t)
			plan := integrityPlan(t, w, s, tc.failback)
			edited := *plan
			edited.Changes = []RecordChange{plan.Changes[0]}
			if r := plan.Changes[0].Restores; r != nil {
				cp := *r
				edited.Changes[0].Restores = &cp
			}
			tc.edit(&edited)
			key, err := s.planKey()
			if err != nil {
				t.Fatal(err)
			}
			edited.Fingerprint = fingerprint(edited.Changes)
			edited.Seal = planMAC(key, &edited)
			writes := w.provider.Writes()
			before, _ := w.journal.Entries(ctx(t))
			if res, err := s.Apply(ctx(t), &edited); !errors.Is(err, ErrStalePlan) {
				t.Errorf("Apply(resealed) = %+v, %v; want ErrStalePlan", res, err)
			}
			if got := w.provider.Writes(); got != writes {
				t.Errorf("DNS writes = %d, want %d (nothing written)", got, writes)
			}
			if after, _ := w.journal.Entries(ctx(t)); len(after) != len(before) {
				t.Errorf("journal has %d entries, want %d (nothing journaled)", len(after), len(before))
			}
		})
	}
}
