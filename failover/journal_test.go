package failover

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestJournals(t *testing.T) {
	t.Parallel()
	open := map[string]func(t *testing.T) JournalStore{
		"memory": func(*testing.T) JournalStore { return &MemoryJournal{} },
		"file": func(t *testing.T) JournalStore {
			j, err := OpenFileJournal(filepath.Join(t.TempDir(), "journal.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { j.Close() })
			return j
		},
	}
	for name, newJ := range open {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			j := newJ(t)
			at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					e := JournalEntry{PlanID: fmt.Sprint(i), Kind: KindFailover, Target: "t", At: at.Add(time.Duration(i) * time.Second),
						From: Value{Type: "A", Value: "10.0.0.1", TTL: 60}, To: Value{Type: "CNAME", Value: acrDomain, TTL: 60}}
					if err := j.Append(ctx(t), e); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			got, err := j.Entries(ctx(t))
			if err != nil || len(got) != 20 {
				t.Fatalf("Entries() = %d entries, %v; want 20", len(got), err)
			}
			seen := map[string]bool{}
			for _, e := range got {
				seen[e.PlanID] = true
				if e.To.TTL != 60 || e.At.Before(at) || e.From.Value != "10.0.0.1" {
					t.Errorf("entry %+v lost fields", e)
				}
			}
			if len(seen) != 20 {
				t.Errorf("Entries() has %d distinct plans, want 20", len(seen))
			}
		})
	}
}

func TestFileJournalReopenAndPartialLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	e := JournalEntry{PlanID: "p1", Kind: KindFailover, Target: "t", At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		From: Value{Type: "A", Value: "10.0.0.1", TTL: 60}, To: Value{Type: "CNAME", Value: acrDomain, TTL: 60}}
	if err := j.Append(ctx(t), e); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	if err := j.Append(ctx(t), e); err == nil {
		t.Error("Append after Close succeeded")
	}
	// A crash mid-append leaves a partial line, which was never acknowledged.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"plan_id":"p2","ki`)
	f.Close()
	j2, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j2.Close() })
	got, err := j2.Entries(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]JournalEntry{e}, got); diff != "" {
		t.Errorf("entries after reopen (-want +got):\n%s", diff)
	}
	// The next append starts on a clean line.
	e2 := e
	e2.PlanID = "p3"
	if err := j2.Append(ctx(t), e2); err != nil {
		t.Fatal(err)
	}
	if got, err := j2.Entries(ctx(t)); err != nil || len(got) != 2 || got[1].PlanID != "p3" {
		t.Errorf("Entries() after appending past a cut line = %+v, %v", got, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("journal mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
}
