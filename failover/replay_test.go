package failover

import (
	"errors"
	"testing"
	"time"
)

// TestApplyRefusesReplayedPlan: a failover plan applied and then undone by a failback is
// refused when applied again before it expires — the journal shows it spent — while
// applying it twice in a row still succeeds with one write.
func TestApplyRefusesReplayedPlan(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.switcher(t, WithPlanTTL(time.Hour))
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx(t), plan); err != nil {
		t.Fatal(err)
	}
	if res, err := s.Apply(ctx(t), plan); err != nil || res.Writes() != 0 {
		t.Fatalf("Apply(twice) = %+v, %v; want success without a write", res, err)
	}
	w.clock.Advance(DefaultMinDwell + time.Minute)
	back, err := s.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx(t), back); err != nil {
		t.Fatal(err)
	}
	writes := w.provider.Writes()
	res, err := s.Apply(ctx(t), plan) // replay
	if !errors.Is(err, ErrStalePlan) || w.provider.Writes() != writes || w.current(t).Value != harborIP {
		t.Errorf("Apply(replayed %s) = %+v, %v; record %s: want ErrStalePlan and nothing written", plan.ID, res, err, w.current(t))
	}
}

// TestRerunClosesCrashedWrite: the process dies after a write landed but before its
// outcome was journaled. Running the same step again finds the record done, writes
// nothing, and journals the open intent's outcome, so the journal tells the truth: after
// a crashed failback no failover is left to undo; after a crashed failover it is written.
func TestRerunClosesCrashedWrite(t *testing.T) {
	t.Parallel()
	t.Run("failback", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		s := w.switcher(t)
		plan, err := s.PlanFailover(ctx(t), failoverRequest())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Apply(ctx(t), plan); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(DefaultMinDwell)
		key, err := s.planKey()
		if err != nil {
			t.Fatal(err)
		}
		crashing := w.switcher(t, WithJournal(crashingJournal{MemoryJournal: w.journal, crashAt: OutcomeWritten}), WithPlanKey(key))
		back, err := crashing.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := crashing.Apply(ctx(t), back); !errors.Is(err, errCrash) || w.current(t).Value != harborIP {
			t.Fatalf("crashed failback = %v, record %s; want the write landed and the outcome lost", err, w.current(t))
		}
		back2, err := s.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5)})
		if err != nil {
			t.Fatal(err)
		}
		if res, err := s.Apply(ctx(t), back2); err != nil || res.Writes() != 0 {
			t.Fatalf("second failback = %+v, %v; want success without a write", res, err)
		}
		entries, _ := w.journal.Entries(ctx(t))
		if e, ok := FailoverToUndo(entries, w.target.Name); ok {
			t.Errorf("record is back at Harbor but the journal still has failover %s to undo; journal:\n%+v", e.PlanID, entries)
		}
	})
	t.Run("failover", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		key := make([]byte, PlanKeySize)
		crashing := w.switcher(t, WithJournal(crashingJournal{MemoryJournal: w.journal, crashAt: OutcomeWritten}), WithPlanKey(key))
		plan, err := crashing.PlanFailover(ctx(t), failoverRequest())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := crashing.Apply(ctx(t), plan); !errors.Is(err, errCrash) {
			t.Fatalf("crashed failover = %v, want the outcome lost", err)
		}
		s := w.switcher(t, WithPlanKey(key))
		if res, err := s.Apply(ctx(t), plan); err != nil || res.Writes() != 0 {
			t.Fatalf("rerun failover = %+v, %v; want success without a write", res, err)
		}
		entries, _ := w.journal.Entries(ctx(t))
		if n := len(entries); n != 2 || entries[1].Outcome != OutcomeWritten || entries[1].PlanID != plan.ID {
			t.Errorf("journal after the rerun = %+v; want the intent closed as written", entries)
		}
	})
}
