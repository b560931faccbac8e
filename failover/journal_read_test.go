package failover

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJournalLongLine: an entry longer than any scanner buffer (a 2 MiB reason) reads
// back, and a bad line is reported with the file's name and line number.
func TestJournalLongLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	e := JournalEntry{PlanID: "p1", Kind: KindFailover, Target: "t", At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Reason: strings.Repeat("x", 2<<20)}
	if err := j.Append(ctx(t), e); err != nil {
		t.Fatal(err)
	}
	for name, read := range map[string]func() ([]JournalEntry, error){
		"Entries":         func() ([]JournalEntry, error) { return j.Entries(ctx(t)) },
		"ReadJournalFile": func() ([]JournalEntry, error) { return ReadJournalFile(path) },
	} {
		got, err := read()
		if err != nil || len(got) != 1 || got[0].Reason != e.Reason {
			t.Errorf("%s() = %d entries, %v; want the 2 MiB entry", name, len(got), err)
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("not json\n")
	f.Close()
	if _, err := ReadJournalFile(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ReadJournalFile(bad line) = %v, want the file's name and line 2", err)
	}
	if _, err := j.Entries(ctx(t)); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Entries(bad line) = %v, want the file's name", err)
	}
}

// TestFileJournalCreatedOnFirstAppend: opening a journal (say, for an apply that is then
// refused) leaves no file behind; the first append creates it, mode 0600.
func TestFileJournalCreatedOnFirstAppend(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	if got, err := j.Entries(ctx(t)); err != nil || len(got) != 0 {
		t.Errorf("Entries() of a new journal = %v, %v; want none", got, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("OpenFileJournal created %s before any append (%v)", path, err)
	}
	if err := j.Append(ctx(t), JournalEntry{PlanID: "p1"}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("after the first append: %v, %v; want a 0600 file", fi, err)
	}
	if _, err := OpenFileJournal(filepath.Join(t.TempDir(), "no-such-dir", "j.jsonl")); err == nil {
		t.Error("OpenFileJournal in a missing directory succeeded")
	}
}

// FuzzReadJournal: any bytes either read as entries or fail with an error naming the
// line; never a panic. What reads back re-encodes to lines that read back the same.
func FuzzReadJournal(f *testing.F) {
	e := JournalEntry{PlanID: "p1", Kind: KindFailover, Target: "t", From: Value{Type: "A", Value: "10.0.0.1", TTL: 60},
		To: Value{Type: "CNAME", Value: acrDomain, TTL: 60}, At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Outcome: OutcomeIntent}
	line, _ := json.Marshal(e)
	f.Add(append(line, '\n'))
	f.Add(append(append(line, '\n'), `{"plan_id":"p2","ki`...))
	f.Add([]byte("\n\n  \n"))
	f.Add([]byte("null\n{}\n"))
	f.Add([]byte("[1,2]\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := ReadJournal(bytes.NewReader(b))
		if err != nil {
			if !strings.Contains(err.Error(), "line ") {
				t.Errorf("ReadJournal error %q does not name the line", err)
			}
			return
		}
		var again bytes.Buffer
		for _, e := range entries {
			line, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			again.Write(append(line, '\n'))
		}
		back, err := ReadJournal(&again)
		if err != nil || len(back) != len(entries) {
			t.Errorf("re-encoded entries read back as %d, %v; want %d", len(back), err, len(entries))
		}
	})
}
