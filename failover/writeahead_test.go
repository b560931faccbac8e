package failover

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/dns"
)

var errCrash = errors.New("injected crash")

// crashingJournal stores entries in a MemoryJournal until an entry with outcome crashAt
// is appended: that append fails, as a process killed between two appends would.
type crashingJournal struct {
	*MemoryJournal
	crashAt string
}

func (j crashingJournal) Append(ctx context.Context, e JournalEntry) error {
	if e.Outcome == j.crashAt {
		return errCrash
	}
	return j.MemoryJournal.Append(ctx, e)
}

// TestFailbackAfterCrashBetweenIntentAndOutcome: the record is written, the process
// dies before the outcome is journaled; failback still finds the failover (its intent)
// and restores the record exactly.
func TestFailbackAfterCrashBetweenIntentAndOutcome(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	key := make([]byte, PlanKeySize)
	crashing := crashingJournal{MemoryJournal: w.journal, crashAt: OutcomeWritten}
	s := w.switcher(t, WithJournal(crashing), WithPlanKey(key))
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Apply(ctx(t), plan)
	if !errors.Is(err, errCrash) || res == nil || !res.Changes[0].Written {
		t.Fatalf("Apply = %+v, %v; want the record written and the outcome's append failed", res, err)
	}
	if r := w.current(t); r.Type != dns.TypeCNAME {
		t.Fatalf("record = %s, want it failed over", r)
	}
	entries, _ := w.journal.Entries(ctx(t))
	if len(entries) != 1 || entries[0].Outcome != OutcomeIntent {
		t.Fatalf("journal = %+v, want the intent only", entries)
	}

	// The restarted process reads the same journal.
	s2 := w.switcher(t, WithPlanKey(key))
	w.clock.Advance(DefaultMinDwell)
	back, err := s2.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5)})
	if err != nil {
		t.Fatalf("PlanFailback after the crash = %v", err)
	}
	if res, err := s2.Apply(ctx(t), back); err != nil || res.Writes() != 1 {
		t.Fatalf("Apply(failback) = %+v, %v; want one write", res, err)
	}
	if diff := cmp.Diff(w.record, w.current(t)); diff != "" {
		t.Errorf("record after failback (-want +got):\n%s", diff)
	}
	if _, err := s2.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5)}); !errors.Is(err, ErrNothingToFailBack) {
		t.Errorf("second PlanFailback = %v, want ErrNothingToFailBack", err)
	}
}

// TestOpenIntentWhoseWriteDidNotLand: a crash after the intent but before the write
// reached DNS: failback re-reads the record, finds it never moved, and writes nothing.
func TestOpenIntentWhoseWriteDidNotLand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.switcher(t)
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	c := plan.Changes[0]
	intent := JournalEntry{PlanID: plan.ID, Kind: KindFailover, Target: c.Target, ZoneID: c.ZoneID, FQDN: c.FQDN,
		RecordID: c.RecordID, Name: c.Name, From: c.From, To: c.To, At: w.clock.Now(), Outcome: OutcomeIntent}
	if err := w.journal.Append(ctx(t), intent); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(DefaultMinDwell)
	back, err := s.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5)})
	if err != nil || back.HasChanges() {
		t.Fatalf("PlanFailback = %v, %v; want a plan without changes", back, err)
	}
}

// TestIntentJournalFailureWritesNothing: when the intent cannot be journaled, the record
// is not written.
func TestIntentJournalFailureWritesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.switcher(t, WithJournal(crashingJournal{MemoryJournal: w.journal, crashAt: OutcomeIntent}))
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Apply(ctx(t), plan)
	if !errors.Is(err, errCrash) || res.Writes() != 0 {
		t.Errorf("Apply = %+v, %v; want the intent's failure and no write", res, err)
	}
	if w.provider.Writes() != 0 || w.current(t).Value != harborIP {
		t.Errorf("record = %s after %d writes, want it untouched", w.current(t), w.provider.Writes())
	}
}

// TestPlanKeyFile: the key kept next to a file journal lets another process apply a
// plan; another journal's key does not.
func TestPlanKeyFile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "failover.jsonl")
	open := func(path string) *FileJournal {
		j, err := OpenFileJournal(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { j.Close() })
		return j
	}
	planner := w.switcher(t, WithJournal(open(path)))
	plan, err := planner.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(PlanKeyFile(path))
	if err != nil {
		t.Fatalf("no key file next to the journal: %v", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	other := w.switcher(t, WithJournal(open(filepath.Join(dir, "other.jsonl"))))
	if _, err := other.Apply(ctx(t), plan); !errors.Is(err, ErrTamperedPlan) {
		t.Errorf("Apply with another journal's key = %v, want ErrTamperedPlan", err)
	}
	applier := w.switcher(t, WithJournal(open(path)))
	if res, err := applier.Apply(ctx(t), plan); err != nil || res.Writes() != 1 {
		t.Errorf("Apply by another switcher on the same journal = %+v, %v; want one write", res, err)
	}

	if runtime.GOOS != "windows" {
		if err := os.Chmod(PlanKeyFile(path), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadPlanKey(PlanKeyFile(path)); !errors.Is(err, ErrInvalid) {
			t.Errorf("LoadPlanKey(world-readable) = %v, want ErrInvalid", err)
		}
	}
	if _, err := NewSwitcher([]Target{w.target}, WithPlanKey([]byte("short"))); !errors.Is(err, ErrInvalid) {
		t.Errorf("WithPlanKey(short) = %v, want ErrInvalid", err)
	}
}
