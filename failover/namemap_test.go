package failover

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/clock/clocktest"
)

// nestedMap is a forward map of a replace count of -1 over nested sources: exact for the
// repositories Harbor held at failover, though "library/web/nginx" and a later
// "team/nginx" would collide.
var nestedMap = map[string]string{"library/web/nginx": "dr/nginx", "library/redis": "dr/redis"}

// TestFailoverRecordsNameMap: the name map a failover request reports is carried by the
// plan (sealed), journaled with the failover's writes (intent and outcome, under their
// MAC), and read back by RecordedNameMap — from the file, by another process's reader —
// until a failback is written. A map that cannot be read never holds the failover up.
func TestFailoverRecordsNameMap(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	s := w.switcher(t, WithJournal(j))
	req := failoverRequest()
	req.NameMap = NameMapFunc(func(context.Context) (map[string]string, error) { return nestedMap, nil })
	plan, err := s.PlanFailover(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(nestedMap, plan.NameMap); diff != "" {
		t.Errorf("plan name map (-want +got):\n%s", diff)
	}
	if !strings.Contains(plan.String(), "name map: 2 Harbor repositories") {
		t.Errorf("plan text does not mention the name map:\n%s", plan)
	}
	// The seal covers the map: a plan whose map was edited is refused.
	edited := *plan
	edited.NameMap = map[string]string{"team/nginx": "dr/nginx"}
	if _, err := s.Apply(ctx(t), &edited); !errors.Is(err, ErrTamperedPlan) {
		t.Errorf("Apply(plan with an edited name map) = %v, want ErrTamperedPlan", err)
	}
	if _, err := s.Apply(ctx(t), plan); err != nil {
		t.Fatal(err)
	}
	entries, err := ReadJournalFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("journal holds %d entries, want intent and outcome", len(entries))
	}
	for _, e := range entries {
		if diff := cmp.Diff(nestedMap, e.NameMap); diff != "" {
			t.Errorf("journal entry %s name map (-want +got):\n%s", e.Outcome, diff)
		}
	}
	got, ok := RecordedNameMap(entries)
	if diff := cmp.Diff(nestedMap, got); !ok || diff != "" {
		t.Errorf("RecordedNameMap = %v, %v; want the failover's map (-want +got):\n%s", got, ok, diff)
	}
	got["library/redis"] = "changed"
	if again, _ := RecordedNameMap(entries); again["library/redis"] != "dr/redis" {
		t.Error("RecordedNameMap returned the journal entry's own map, not a copy")
	}

	back, err := s.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5), MinDwell: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx(t), back); err != nil {
		t.Fatal(err)
	}
	entries, err = j.Entries(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries[2:] {
		if e.NameMap != nil {
			t.Errorf("failback entry %s carries a name map", e.Outcome)
		}
	}
	if got, ok := RecordedNameMap(entries); ok {
		t.Errorf("RecordedNameMap after failback = %v, want none: nothing to undo", got)
	}

	// Harbor down and no map remembered: the failover goes ahead and says why none.
	w.clock.Advance(time.Hour)
	req.NameMap = NameMapFunc(func(context.Context) (map[string]string, error) {
		return nil, errors.New("listing harbor: connection refused")
	})
	plan, err = s.PlanFailover(ctx(t), req)
	if err != nil {
		t.Fatalf("PlanFailover with an unreadable name map = %v, want a plan", err)
	}
	if plan.NameMap != nil || !strings.Contains(plan.Evidence.NameMapError, "connection refused") ||
		!strings.Contains(plan.String(), "name map unknown") {
		t.Errorf("plan = map %v, error %q; want no map and the error shown:\n%s", plan.NameMap, plan.Evidence.NameMapError, plan)
	}
	if _, err := s.Apply(ctx(t), plan); err != nil {
		t.Fatal(err)
	}
	if entries, err = j.Entries(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if got, ok := RecordedNameMap(entries); ok {
		t.Errorf("RecordedNameMap after a failover that recorded none = %v; want none, not the earlier failover's", got)
	}
}

// TestJournalNameMapAuthenticated: the MAC covers the name map — a journal line whose map
// was edited, or removed, is refused as tampered.
func TestJournalNameMapAuthenticated(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	for name, edit := range map[string]func([]byte) []byte{
		"map edited": func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"library/web/nginx"`), []byte(`"team/nginx"`), 1)
		},
		"map removed": func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"name_map":{"library/redis":"dr/redis","library/web/nginx":"dr/nginx"},`), nil, 1)
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "journal.jsonl")
			j, err := OpenFileJournal(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { j.Close() })
			e := JournalEntry{PlanID: "p1", Kind: KindFailover, Target: "t", At: at, Outcome: OutcomeWritten, NameMap: nestedMap}
			if err := j.Append(ctx(t), e); err != nil {
				t.Fatal(err)
			}
			if got, err := ReadJournalFile(path); err != nil || len(got) != 1 || !cmp.Equal(got[0].NameMap, nestedMap) {
				t.Fatalf("ReadJournalFile before the edit = %v, %v", got, err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			changed := edit(b)
			if bytes.Equal(changed, b) {
				t.Fatalf("the edit changed nothing in %s", b)
			}
			if err := os.WriteFile(path, changed, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadJournalFile(path); !errors.Is(err, ErrTamperedJournal) {
				t.Errorf("ReadJournalFile after the edit = %v, want ErrTamperedJournal", err)
			}
		})
	}
}

// TestJournalBeforeNameMap: a journal written by the version before name maps were
// recorded (testdata, with its key) reads and verifies unchanged, records no name map,
// and takes new entries — with a map — after its own.
func TestJournalBeforeNameMap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.jsonl")
	for from, to := range map[string]string{
		"testdata/journal-before-name-map.jsonl":     path,
		"testdata/journal-before-name-map.jsonl.key": PlanKeyFile(path),
	} {
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := ReadJournalFile(path)
	if err != nil {
		t.Fatalf("ReadJournalFile(journal before name maps) = %v", err)
	}
	if len(entries) != 2 || entries[1].Outcome != OutcomeWritten || entries[1].FQDN != "registry.example.com." {
		t.Fatalf("entries = %+v, want the intent and the write of registry.example.com.", entries)
	}
	if e, ok := FailoverToUndo(entries, "registry"); !ok || e.NameMap != nil {
		t.Errorf("FailoverToUndo = %+v, %v; want the failover, without a name map", e, ok)
	}
	if got, ok := RecordedNameMap(entries); ok {
		t.Errorf("RecordedNameMap = %v, want none", got)
	}
	j, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	e := entries[1]
	e.PlanID, e.Target, e.NameMap, e.At = "ffeeddccbbaa", "registry-2", nestedMap, e.At.Add(time.Hour)
	if err := j.Append(ctx(t), e); err != nil {
		t.Fatal(err)
	}
	if entries, err = j.Entries(ctx(t)); err != nil || len(entries) != 3 {
		t.Fatalf("Entries after appending = %d, %v", len(entries), err)
	}
	if got, ok := RecordedNameMap(entries); !ok || !cmp.Equal(got, nestedMap) {
		t.Errorf("RecordedNameMap = %v, %v; want the new failover's map", got, ok)
	}
}

// TestMonitorRecordsLastKnownNameMap: a monitor keeps a LastKnownNameMap fresh while
// Harbor is up, and its failover — Harbor down, the map unreadable — records the map
// Harbor last had.
func TestMonitorRecordsLastKnownNameMap(t *testing.T) {
	t.Parallel()
	harborUp := true
	calls := 0
	mapper := &LastKnownNameMap{Mapper: NameMapFunc(func(context.Context) (map[string]string, error) {
		calls++
		if !harborUp {
			return nil, errors.New("listing harbor: connection refused")
		}
		return nestedMap, nil
	})}
	var planned *Plan
	r := newMonitorRig(t, MonitorConfig{AutoApply: true, Failover: FailoverRequest{NameMap: mapper},
		OnEvent: func(e MonitorEvent) {
			if e.Kind == EventPlanned {
				planned = e.Plan
			}
		}})
	for range 3 { // Harbor is up once three probes in a row say so
		r.tick(t)
	}
	if last, ok := mapper.Last(); !ok || !cmp.Equal(last, nestedMap) || calls != 1 {
		t.Fatalf("after a round with Harbor up: remembered %v, %v after %d calls; want the map", last, ok, calls)
	}
	harborUp = false
	r.harbor.set(false)
	var kinds []EventKind
	for range 3 {
		kinds = r.tick(t)
	}
	if !cmp.Equal(kinds, []EventKind{EventPlanned, EventApplied}) {
		t.Fatalf("events when Harbor is down = %v, want planned, applied", kinds)
	}
	if planned == nil || !cmp.Equal(planned.NameMap, nestedMap) || planned.Evidence.NameMapError != "" {
		t.Fatalf("failover plan = %v; want the remembered name map", planned)
	}
	entries, err := r.w.journal.Entries(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := RecordedNameMap(entries); !ok || !cmp.Equal(got, nestedMap) {
		t.Errorf("RecordedNameMap = %v, %v; want the map Harbor last had", got, ok)
	}
	if _, err := (&LastKnownNameMap{}).NameMap(ctx(t)); !errors.Is(err, ErrInvalid) {
		t.Errorf("LastKnownNameMap without a Mapper = %v, want ErrInvalid", err)
	}
	if err := (&LastKnownNameMap{Mapper: mapper, Every: -time.Second}).Refresh(ctx(t)); !errors.Is(err, ErrInvalid) {
		t.Errorf("LastKnownNameMap with a negative Every = %v, want ErrInvalid", err)
	}
}

// TestLastKnownNameMapEvery: Refresh reads at most once per Every; NameMap always reads.
func TestLastKnownNameMapEvery(t *testing.T) {
	t.Parallel()
	clk := clocktest.NewFake(time.Time{})
	calls := 0
	l := &LastKnownNameMap{Every: 5 * time.Minute, Clock: clk, Mapper: NameMapFunc(func(context.Context) (map[string]string, error) {
		calls++
		return nestedMap, nil
	})}
	for range 3 {
		if err := l.Refresh(ctx(t)); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
	}
	if calls != 1 {
		t.Errorf("3 refreshes within 3m read %d times, want 1 (Every 5m)", calls)
	}
	clk.Advance(2 * time.Minute)
	if err := l.Refresh(ctx(t)); err != nil || calls != 2 {
		t.Errorf("a refresh 5m after the read: %v after %d reads, want a second read", err, calls)
	}
	if _, err := l.NameMap(ctx(t)); err != nil || calls != 3 {
		t.Errorf("NameMap: %v after %d reads, want a read each time", err, calls)
	}
}
