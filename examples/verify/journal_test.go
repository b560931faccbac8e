package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/replication/lag"
)

// journalWith writes a failover journal (as examples/failover writes it) whose failover
// recorded the forward name map m; nil records none.
func journalWith(t *testing.T, m map[string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "failover.jsonl")
	j, err := failover.OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	e := failover.JournalEntry{PlanID: "p1", Kind: failover.KindFailover, Target: "zone/@", FQDN: "registry.example", RecordID: "r1", Name: "@",
		From: failover.Value{Type: "A", Value: "10.0.0.1", TTL: 60}, To: failover.Value{Type: "CNAME", Value: "acr.example", TTL: 60},
		At: time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC), Outcome: failover.OutcomeWritten, NameMap: m}
	if err := j.Append(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReverseJournal: -reverse -journal inverts the name map the failover recorded, exact
// where Harbor's projects flattened now are ambiguous (a nested repository created since
// flattens onto the same ACR EE repository: exit 1), and says which map it inverted; a
// journal that recorded none falls back to the derived map; -journal needs -reverse.
func TestReverseJournal(t *testing.T) {
	w := newWorld(t)
	w.push(t, "nginx", "library/a/nginx:1", "dr-ns/nginx:1")
	outage := w.push(t, "outage", "", "dr-ns/nginx:outage")
	w.push(t, "other", "library/b/nginx:2", "") // created after the failover

	flat := w.openAPIArgs("-reverse", "-flatten", "-1")
	if r := runT(t, nil, flat...); r.code != exitFailed || !strings.Contains(r.stderr, "ambiguous inverse") {
		t.Errorf("derived map, two Harbor repositories on dr-ns/nginx: exit %d, want 1 (ambiguous):\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runT(t, nil, append(flat, "-journal", journalWith(t, nil))...); r.code != exitFailed ||
		!strings.Contains(r.stderr, "ambiguous inverse") {
		t.Errorf("a journal that recorded no map: exit %d, want 1 (derived, ambiguous):\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	journal := journalWith(t, map[string]string{"library/a/nginx": "dr-ns/nginx"})
	r := runT(t, nil, append(flat, "-journal", journal)...)
	first, _, _ := strings.Cut(r.stdout, "\n")
	if r.code != exitRefused || first != "name map: recorded at failover in "+journal+", 1 repositories (inverted)" ||
		!strings.Contains(r.stdout, "missing  dr-ns/nginx:outage  to library/a/nginx  acr "+short(outage)) ||
		!strings.Contains(r.stdout, "1/2 ACR EE tags present in Harbor, 1 missing, 0 stale, 0 unmapped") {
		t.Errorf("recorded map: exit %d, want 3 with the outage tag missing from library/a/nginx:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runT(t, nil, append(flat, "-journal", journal, "-json")...)
	var rep lag.ReverseReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || r.code != exitRefused || len(rep.Missing) != 1 || rep.Missing[0].Source != "library/a/nginx" {
		t.Errorf("recorded map -json: exit %d, %v, missing %+v; want 3 and library/a/nginx:outage\n%s", r.code, err, rep.Missing, r.stdout)
	}

	// The derived map says so, too, when -journal recorded none.
	if r := runT(t, nil, w.openAPIArgs("-reverse", "-journal", journalWith(t, nil))...); r.code != exitRefused ||
		!strings.HasPrefix(r.stdout, "name map: derived — ") {
		t.Errorf("flatten 1, a journal without a map: exit %d, want 3 with the derived map named:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runT(t, nil, w.openAPIArgs("-journal", journal)...); r.code != exitUsage || !strings.Contains(r.stderr, "-journal applies to -reverse") {
		t.Errorf("-journal without -reverse: exit %d, want 2:\n%s", r.code, r.stderr)
	}
}
