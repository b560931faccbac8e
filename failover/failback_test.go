package failover

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/dns"
)

func TestFailbackRestoresTheExactRecord(t *testing.T) {
	t.Parallel()
	w := newWireWorld(t)
	w.target.Secondary.TTL = 5 // a short TTL while in DR: failback must bring 60 back
	s := w.switcher(t)
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx(t), plan); err != nil {
		t.Fatal(err)
	}
	if r := w.current(t); r.Type != dns.TypeCNAME || r.TTL != 5 {
		t.Fatalf("after failover the record is %s, want CNAME with TTL 5", r)
	}
	sec := healthy("acr-ee", 9)
	req := FailbackRequest{Reason: "harbor back", Actor: "oncall", Primary: healthy("harbor", 5), Secondary: &sec}
	if _, err := s.PlanFailback(ctx(t), req); !errors.Is(err, ErrDwell) {
		t.Fatalf("PlanFailback right after failover = %v, want ErrDwell", err)
	}
	w.clock.Advance(DefaultMinDwell)
	short := req
	short.Primary = healthy("harbor", 4)
	if _, err := s.PlanFailback(ctx(t), short); !errors.Is(err, ErrPrimaryUnhealthy) {
		t.Fatalf("PlanFailback with 4 healthy probes = %v, want ErrPrimaryUnhealthy", err)
	}
	back, err := s.PlanFailback(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if c := back.Changes[0]; c.To != (Value{Type: "A", Value: harborIP, TTL: 60}) || c.Restores == nil || c.Restores.PlanID != plan.ID {
		t.Fatalf("failback change = %+v, want A %s ttl 60 restoring plan %s", c, harborIP, plan.ID)
	}
	res, err := s.Apply(ctx(t), back)
	if err != nil || res.Writes() != 1 || !res.Changes[0].Verified {
		t.Fatalf("Apply(failback) = %+v, %v", res, err)
	}
	if diff := cmp.Diff(w.record, w.current(t)); diff != "" {
		t.Errorf("record after failback differs from the original (-want +got):\n%s", diff)
	}
	if got := lookup(t, w.resolver, zoneName); !slices.Equal(got, []string{harborIP}) {
		t.Errorf("after failback %s resolves to %v, want %s", zoneName, got, harborIP)
	}
	if _, err := s.PlanFailback(ctx(t), req); !errors.Is(err, ErrNothingToFailBack) {
		t.Errorf("second PlanFailback = %v, want ErrNothingToFailBack", err)
	}
	if ev := w.audit.all(); len(ev) != 2 || ev[1].Kind != KindFailback {
		t.Errorf("audit = %+v, want failover then failback", ev)
	}
}

func TestFailbackFromFileJournalAfterRestart(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "failover.jsonl")
	j1, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	s := w.switcher(t, WithJournal(j1))
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx(t), plan); err != nil {
		t.Fatal(err)
	}
	j1.Close()

	// A new process: only the journal file remembers what the record held.
	j2, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j2.Close() })
	s2 := w.switcher(t, WithJournal(j2))
	w.clock.Advance(time.Hour)
	back, err := s2.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Apply(ctx(t), back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w.record, w.current(t)); diff != "" {
		t.Errorf("record after failback (-want +got):\n%s", diff)
	}
}

func TestFailbackRefusals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.switcher(t)
	req := FailbackRequest{Primary: healthy("harbor", 5), MinDwell: -1}
	if _, err := s.PlanFailback(ctx(t), req); !errors.Is(err, ErrNothingToFailBack) {
		t.Errorf("PlanFailback with an empty journal = %v, want ErrNothingToFailBack", err)
	}
	named := req
	named.Targets = []string{"vpc-b"}
	if _, err := s.PlanFailback(ctx(t), named); !errors.Is(err, ErrNothingToFailBack) {
		t.Errorf("PlanFailback(vpc-b) with an empty journal = %v, want ErrNothingToFailBack", err)
	}
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx(t), plan); err != nil {
		t.Fatal(err)
	}
	// Someone points the name elsewhere while in DR: failback must not clobber it.
	r := w.current(t)
	r.Value = "other-registry.example.com"
	if err := w.setRecord(r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PlanFailback(ctx(t), req); !errors.Is(err, ErrUnexpectedRecord) {
		t.Errorf("PlanFailback after an out-of-band edit = %v, want ErrUnexpectedRecord", err)
	}
	// Restored by hand: the plan has nothing to write.
	if err := w.setRecord(w.record); err != nil {
		t.Fatal(err)
	}
	back, err := s.PlanFailback(ctx(t), req)
	if err != nil || back.HasChanges() {
		t.Errorf("PlanFailback after a manual restore = %v, %v; want a plan without changes", back, err)
	}
}
