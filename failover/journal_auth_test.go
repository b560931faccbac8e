package failover

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/dns"
)

// fileWorld is a world whose switcher journals to a file (and keeps its plan key next to
// it); it returns the journal's path after a failover was applied.
func fileWorld(t *testing.T) (*world, *Switcher, string) {
	t.Helper()
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	s := w.switcher(t, WithJournal(j))
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx(t), plan); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(DefaultMinDwell)
	return w, s, path
}

// TestFailbackRefusesEditedJournal: the journal is authenticated. A from.value edited in
// the journal between failover and failback is not "restored": failback refuses, and so
// do ReadJournalFile and a journal opened afresh; the record keeps its value.
func TestFailbackRefusesEditedJournal(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(s string) string
	}{
		{"from.value", func(s string) string {
			return strings.ReplaceAll(s, `"from":{"type":"A","value":"`+harborIP+`"`, `"from":{"type":"A","value":"6.6.6.6"`)
		}},
		{"from.value with the mac removed", func(s string) string {
			s = strings.ReplaceAll(s, `"from":{"type":"A","value":"`+harborIP+`"`, `"from":{"type":"A","value":"6.6.6.6"`)
			for {
				i := strings.Index(s, `,"mac":"`)
				if i < 0 {
					return s
				}
				j := strings.Index(s[i+8:], `"`)
				s = s[:i] + s[i+8+j+1:]
			}
		}},
		{"unauthenticated line appended", func(s string) string {
			line := s[:strings.IndexByte(s, '\n')+1]
			line = strings.ReplaceAll(line, `"value":"`+harborIP+`"`, `"value":"6.6.6.6"`)
			if i := strings.Index(line, `,"mac":"`); i >= 0 {
				line = line[:i] + "}\n"
			}
			return s + line
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w, s, path := fileWorld(t)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			edited := tc.edit(string(b))
			if edited == string(b) {
				t.Fatalf("journal format changed: %s", b)
			}
			if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
				t.Fatal(err)
			}
			back, err := s.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5)})
			if !errors.Is(err, ErrTamperedJournal) {
				t.Errorf("PlanFailback(edited journal) = %v, %v; want ErrTamperedJournal", back, err)
			}
			if back != nil {
				s.Apply(ctx(t), back)
			}
			if got := w.current(t); got.Value == "6.6.6.6" {
				t.Errorf("failback restored the edited journal's value %s", got.Value)
			}
			if _, err := ReadJournalFile(path); !errors.Is(err, ErrTamperedJournal) {
				t.Errorf("ReadJournalFile(edited) = %v, want ErrTamperedJournal", err)
			}
			if j, err := OpenFileJournal(path); err == nil {
				if _, err := j.Entries(ctx(t)); !errors.Is(err, ErrTamperedJournal) {
					t.Errorf("Entries(edited, reopened) = %v, want ErrTamperedJournal", err)
				}
				j.Close()
			}
		})
	}
}

// TestJournalReadsPreviousVersionPrefix: lines written before journals were
// authenticated (no MAC) still read when they precede every authenticated line — a
// journal from the previous version, failed back by this one.
func TestJournalReadsPreviousVersionPrefix(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	old := `{"plan_id":"0123456789ab","kind":"failover","target":"vpc-b","zone_id":"` + w.zone.ID + `",` +
		`"fqdn":"` + zoneName + `","record_id":"1","name":"@",` +
		`"from":{"type":"A","value":"` + harborIP + `","ttl":60},"to":{"type":"CNAME","value":"` + acrDomain + `","ttl":60},` +
		`"at":"2026-01-01T00:00:00Z","reason":"harbor down","actor":"oncall"}` + "\n"
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	failed := w.current(t)
	failed.Type, failed.Value = dns.TypeCNAME, acrDomain
	if err := w.setRecord(failed); err != nil {
		t.Fatal(err)
	}
	j, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	s := w.switcher(t, WithJournal(j))
	w.clock.Advance(time.Hour)
	back, err := s.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx(t), back); err != nil {
		t.Fatal(err)
	}
	entries, err := ReadJournalFile(path)
	if err != nil || len(entries) != 3 {
		t.Fatalf("ReadJournalFile = %d entries, %v; want the old one, the intent and the write", len(entries), err)
	}
	if e, ok := FailoverToUndo(entries, w.target.Name); ok {
		t.Errorf("failover %s still to undo after the failback", e.PlanID)
	}
}

// TestFileJournalRefusesWritableByOthers: a journal that other users may write is
// refused — opening, reading and appending — as the plan key file is.
func TestFileJournalRefusesWritableByOthers(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	for _, mode := range []os.FileMode{0o666, 0o620, 0o602} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "journal.jsonl")
			j, err := OpenFileJournal(path)
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			if err := j.Append(ctx(t), JournalEntry{PlanID: "p1", Kind: KindFailover, Target: "t"}); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, mode); err != nil {
				t.Fatal(err)
			}
			if _, err := OpenFileJournal(path); !errors.Is(err, ErrInvalid) {
				t.Errorf("OpenFileJournal(mode %v) = %v, want ErrInvalid", mode, err)
			}
			if _, err := j.Entries(ctx(t)); !errors.Is(err, ErrInvalid) {
				t.Errorf("Entries(mode %v) = %v, want ErrInvalid", mode, err)
			}
			if _, err := ReadJournalFile(path); !errors.Is(err, ErrInvalid) {
				t.Errorf("ReadJournalFile(mode %v) = %v, want ErrInvalid", mode, err)
			}
			if err := j.Append(ctx(t), JournalEntry{PlanID: "p2"}); !errors.Is(err, ErrInvalid) {
				t.Errorf("Append(mode %v) = %v, want ErrInvalid", mode, err)
			}
		})
	}
}

// TestFileJournalRefusesNonJournal: a file that is not a journal — a saved plan, say,
// written at the journal's path before or after the journal was opened — is never
// appended to: the plan stays as it was.
func TestFileJournalRefusesNonJournal(t *testing.T) {
	t.Parallel()
	const plan = "{\n  \"id\": \"0123456789ab\",\n  \"kind\": \"failover\"\n}\n"
	t.Run("existing", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "journal.jsonl")
		if err := os.WriteFile(path, []byte(plan), 0o600); err != nil {
			t.Fatal(err)
		}
		if j, err := OpenFileJournal(path); !errors.Is(err, ErrInvalid) {
			t.Errorf("OpenFileJournal(a plan) = %v, want ErrInvalid", err)
			if err == nil {
				j.Close()
			}
		}
		if b, _ := os.ReadFile(path); string(b) != plan {
			t.Errorf("the plan file became %q", b)
		}
	})
	t.Run("created after open", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "journal.jsonl")
		j, err := OpenFileJournal(path)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		if err := os.WriteFile(path, []byte(plan), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := j.Append(ctx(t), JournalEntry{PlanID: "p1", Kind: KindFailover, Target: "t"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Append over a plan = %v, want ErrInvalid", err)
		}
		if b, _ := os.ReadFile(path); string(b) != plan {
			t.Errorf("the plan file became %q", b)
		}
	})
}

// TestJournalMACSurvivesInvalidUTF8: an entry whose text is not valid UTF-8 (a reason
// typed in another encoding, a provider's error message) reads back authenticated: the
// MAC covers the entry as the file holds it.
func TestJournalMACSurvivesInvalidUTF8(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	e := JournalEntry{PlanID: "p1", Kind: KindFailover, Target: "t", Reason: "caf\xe9 <down> & out", Error: "\xff\xfe",
		At: time.Date(2026, 1, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))}
	if err := j.Append(ctx(t), e); err != nil {
		t.Fatal(err)
	}
	got, err := j.Entries(ctx(t))
	if err != nil || len(got) != 1 || got[0].PlanID != "p1" {
		t.Errorf("Entries() = %+v, %v; want the entry", got, err)
	}
}
