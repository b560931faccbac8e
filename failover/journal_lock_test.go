//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package failover

import (
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// otherProcess opens the journal as another process would (its own open file
// description, so its flock conflicts with the journal's).
func otherProcess(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestFileJournalAppendAfterAnotherProcessCrashed: another process died mid-append after
// this journal was opened, leaving a partial line; the next append cuts it off instead of
// gluing its entry to it, and every acknowledged entry reads back.
func TestFileJournalAppendAfterAnotherProcessCrashed(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	e1 := JournalEntry{PlanID: "p1", Kind: KindFailover, Target: "t"}
	e2 := JournalEntry{PlanID: "p2", Kind: KindFailover, Target: "t"}
	if err := j.Append(ctx(t), e1); err != nil {
		t.Fatal(err)
	}
	if _, err := otherProcess(t, path).WriteString(`{"plan_id":"crashed","ki`); err != nil {
		t.Fatal(err)
	}
	if err := j.Append(ctx(t), e2); err != nil {
		t.Fatal(err)
	}
	got, err := j.Entries(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]JournalEntry{e1, e2}, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}

// TestFileJournalAppendWaitsForAnotherProcess: while another process holds the journal's
// lock in the middle of its append, Append waits for it, so neither entry is cut or glued
// to the other.
func TestFileJournalAppendWaitsForAnotherProcess(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	e1 := JournalEntry{PlanID: "p1", Kind: KindFailover, Target: "t"}
	if err := j.Append(ctx(t), e1); err != nil {
		t.Fatal(err)
	}
	key, err := LoadPlanKey(PlanKeyFile(path))
	if err != nil {
		t.Fatal(err)
	}
	other := JournalEntry{PlanID: "other", Kind: KindFailover, Target: "t"}
	line, err := journalLineOf(key, other)
	if err != nil {
		t.Fatal(err)
	}
	f := otherProcess(t, path)
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	half := len(line) / 2
	f.Write(line[:half])
	e2 := JournalEntry{PlanID: "p2", Kind: KindFailover, Target: "t"}
	done := make(chan error, 1)
	go func() { done <- j.Append(ctx(t), e2) }()
	for range 1000 {
		runtime.Gosched() // give Append every chance to run into the other process's line
	}
	f.Write(line[half:])
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got, err := j.Entries(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]JournalEntry{e1, other, e2}, got); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
}
