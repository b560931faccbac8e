package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/internal/flock"
)

// TestAttackReverseJournalInputs: -reverse -journal naming a missing file (a typo) or a
// directory is refused (exit 2) naming it, never read as a journal that recorded no map;
// a tampered journal is refused (exit 3) and its map never used; a journal whose failover
// was failed back already says so rather than "recorded none".
func TestAttackReverseJournalInputs(t *testing.T) {
	w := newWorld(t)
	w.push(t, "nginx", "library/a/nginx:1", "dr-ns/nginx:1")
	w.push(t, "outage", "", "dr-ns/nginx:outage")
	flat := w.openAPIArgs("-reverse", "-flatten", "-1")

	tampered := journalWith(t, map[string]string{"library/a/nginx": "dr-ns/nginx"})
	if _, err := os.Stat(failover.PlanKeyFile(tampered)); err != nil {
		t.Fatalf("no key beside the journal: %v", err)
	}
	b, err := os.ReadFile(tampered)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tampered, bytes.ReplaceAll(b, []byte(`"library/a/nginx"`), []byte(`"library/evil"`)), 0o600); err != nil {
		t.Fatal(err)
	}
	failedBack := journalWith(t, map[string]string{"library/a/nginx": "dr-ns/nginx"})
	j, err := failover.OpenFileJournal(failedBack)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(context.Background(), failover.JournalEntry{PlanID: "p2", Kind: failover.KindFailback, Target: "zone/@",
		FQDN: "registry.example", RecordID: "r1", Name: "@",
		From: failover.Value{Type: "CNAME", Value: "acr.example", TTL: 60}, To: failover.Value{Type: "A", Value: "10.0.0.1", TTL: 60},
		At: time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC), Outcome: failover.OutcomeWritten}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	dir := t.TempDir()

	for _, tc := range []struct {
		name, journal string
		code          int
		want, not     string
	}{
		{"missing", filepath.Join(dir, "jounral.jsonl"), exitUsage, "jounral.jsonl", "recorded none"},
		{"directory", dir, exitUsage, dir, "recorded none"},
		{"tampered", tampered, exitRefused, "altered", "library/evil"},
		{"failed back", failedBack, -1, "failed back", "recorded none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runT(t, nil, append(flat, "-journal", tc.journal)...)
			all := r.stdout + r.stderr
			if (tc.code >= 0 && r.code != tc.code) || !strings.Contains(all, tc.want) || strings.Contains(all, tc.not) {
				t.Errorf("exit %d, want %d, %q and not %q:\n%s\n%s", r.code, tc.code, tc.want, tc.not, r.stdout, r.stderr)
			}
		})
	}
}

// TestAttackReverseJournalLocked: a journal another process holds locked does not hang
// -reverse past its interruption: exit 1, saying interrupted.
func TestAttackReverseJournalLocked(t *testing.T) {
	w := newWorld(t)
	w.push(t, "nginx", "library/a/nginx:1", "dr-ns/nginx:1")
	journal := journalWith(t, map[string]string{"library/a/nginx": "dr-ns/nginx"})
	f, err := os.OpenFile(journal, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unlock, err := flock.Lock(f, true)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // SIGTERM, already received
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		var out, errOut bytes.Buffer
		code := run(ctx, append(w.openAPIArgs("-reverse", "-flatten", "-1"), "-journal", journal), &out, &errOut)
		done <- result{code, out.String(), errOut.String()}
	}()
	select {
	case r := <-done:
		if r.code != exitFailed || !strings.Contains(r.err, "interrupted") {
			t.Errorf("exit %d, want 1 saying interrupted:\n%s\n%s", r.code, r.out, r.err)
		}
	case <-time.After(20 * time.Second): // a bound on a hang, not a wait for an outcome
		unlock()
		<-done
		t.Fatal("verify -reverse hung on a locked journal past its interruption")
	}
}
