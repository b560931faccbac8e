package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regdr/regdr/replication/lag"
)

// TestSavedPlanEditedOrEmpty: a saved plan whose new value was edited is refused as
// tampered, and a file holding no plan at all ({}, null, no changes) is refused before
// the zone is even read; neither writes the record or the journal.
func TestSavedPlanEditedOrEmpty(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.harborDown.Store(true)
	planFile := filepath.Join(w.dir, "plan.json")
	if code, out, errOut := cli(t, w.solutionA("-dry-run", "-out", planFile, "-journal", w.journal())...); code != 0 {
		t.Fatalf("dry run -out exit %d:\n%s\n%s", code, out, errOut)
	}
	if matches, _ := filepath.Glob(filepath.Join(w.dir, ".plan.json.tmp*")); len(matches) != 0 {
		t.Errorf("-out left temporary files: %v", matches)
	}
	b, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	p["changes"].([]any)[0].(map[string]any)["to"].(map[string]any)["value"] = "evil.example.com"
	edited, _ := json.Marshal(p)

	cases := map[string]struct {
		content, want string
		zoneRead      bool
		code          int // a seal that does not match is a refusal; a file that is no plan, a failure
	}{
		"edited to.value": {content: string(edited), want: "altered", zoneRead: true, code: exitRefused},
		"empty object":    {content: "{}", want: "unknown kind", code: exitFailed},
		"null":            {content: "null", want: "no plan", code: exitFailed},
		"no changes":      {content: `{"id":"x","kind":"failover","created_at":"2026-01-01T00:00:00Z","expires_at":"2099-01-01T00:00:00Z","changes":[]}`, want: "no changes", code: exitFailed},
		"two plans":       {content: string(b) + string(b), want: "after the plan", code: exitFailed},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "plan.json")
			if err := os.WriteFile(f, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := cli(t, w.solutionA("-plan", f, "-journal", w.journal(), "-yes")...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want %d with %q:\n%s\n%s", code, tc.code, tc.want, out, errOut)
			}
			if read := strings.Contains(out, "in PrivateZone"); read != tc.zoneRead {
				t.Errorf("zone read = %v, want %v:\n%s", read, tc.zoneRead, out)
			}
		})
	}
	if w.pz.CallCount("UpdateZoneRecord") != 0 || exists(w.journal()) {
		t.Errorf("a refused plan wrote: %d updates, journal exists %v", w.pz.CallCount("UpdateZoneRecord"), exists(w.journal()))
	}
}

// TestOutRefusesJournal: -out naming the journal (or its plan key) would destroy it.
func TestOutRefusesJournal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if err := os.WriteFile(w.journal(), []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(w.dir, "link.jsonl")
	if err := os.Symlink(w.journal(), link); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{
		"same path":    w.journal(),
		"unclean path": filepath.Join(w.dir, ".", "journal.jsonl"),
		"symlink":      link,
		"plan key":     w.journal() + ".key",
	} {
		code, _, errOut := cli(t, w.solutionA("-dry-run", "-journal", w.journal(), "-out", out)...)
		if code != 2 || !strings.Contains(errOut, "-out") {
			t.Errorf("%s: exit %d, want 2:\n%s", name, code, errOut)
		}
	}
	if b, _ := os.ReadFile(w.journal()); string(b) != "{}\n" {
		t.Errorf("journal was overwritten: %q", b)
	}
}

// TestOutRefusesJournalNotYetMade: -out naming the journal (or its plan key) through a
// symlinked directory or a dangling symlink, before the journal exists, is refused
// too: the plan would take the journal's place and the apply would append after it.
func TestOutRefusesJournalNotYetMade(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		out  func(t *testing.T, w *world) string
	}{
		{"symlinked directory", func(t *testing.T, w *world) string {
			alias := filepath.Join(t.TempDir(), "link")
			if err := os.Symlink(w.dir, alias); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(alias, filepath.Base(w.journal()))
		}},
		{"symlinked directory, plan key", func(t *testing.T, w *world) string {
			alias := filepath.Join(t.TempDir(), "link")
			if err := os.Symlink(w.dir, alias); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(alias, filepath.Base(w.journal())+".key")
		}},
		{"dangling symlink", func(t *testing.T, w *world) string {
			link := filepath.Join(t.TempDir(), "plan.json")
			if err := os.Symlink(w.journal(), link); err != nil {
				t.Fatal(err)
			}
			return link
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.harborDown.Store(true)
			out := tc.out(t, w)
			code, stdout, errOut := cli(t, w.solutionA("-yes", "-out", out, "-journal", w.journal())...)
			if code != 2 || !strings.Contains(errOut, "-out") {
				t.Errorf("-out %s (an alias of -journal): exit %d, want 2:\n%s\n%s", out, code, stdout, errOut)
			}
			if exists(w.journal()) || exists(w.journal()+".key") {
				t.Errorf("a refused run left a journal or key file behind")
			}
		})
	}
}

// TestFailbackOutput: a refusal is one line without a doubled prefix.
func TestFailbackOutput(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	back := append(w.cmd("failback"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB, "-journal", w.journal(), "-yes")
	code, _, errOut := cli(t, back...)
	if code != exitRefused || strings.Contains(errOut, "failover: failover:") || !strings.Contains(errOut, "no failover") {
		t.Errorf("failback with an empty journal: exit %d, want 3 with one prefix:\n%s", code, errOut)
	}
	if exists(w.journal()) || exists(w.journal()+".key") {
		t.Error("a refused failback left a journal or key file behind")
	}
}

// TestLagFileFromTheFuture: a lag report dated beyond the allowed clock skew is refused,
// and a lag file that is not a report says why without "(<nil>)". Not parallel: it sets
// the environment.
func TestLagFileFromTheFuture(t *testing.T) {
	w := newWorld(t)
	w.harborDown.Store(true)
	write := func(v any) string {
		b, _ := json.Marshal(v)
		f := filepath.Join(t.TempDir(), "lag.json")
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	rpo := []string{"-rpo", "1h", "-projects", "library", "-namespace", "acr-ns", "-dry-run"}
	future := write(lag.Report{CheckedAt: time.Now().Add(24 * time.Hour), Expected: 3, Present: 3})
	if code, _, errOut := cli(t, w.solutionA(append(rpo, "-lag-file", future)...)...); code != exitRefused || !strings.Contains(errOut, "in the future") {
		t.Errorf("lag report dated tomorrow: exit %d, want 3 (in the future):\n%s", code, errOut)
	}
	undated := write(map[string]any{"expected": 3})
	if code, _, errOut := cli(t, w.solutionA(append(rpo, "-lag-file", undated)...)...); code != 1 || strings.Contains(errOut, "<nil>") {
		t.Errorf("undated lag file: exit %d, want 1 without <nil>:\n%s", code, errOut)
	}
}

// TestHarborUsernameFromEnvironment: -rpo logs in to Harbor as $HARBOR_USERNAME. Not
// parallel: it sets the environment.
func TestHarborUsernameFromEnvironment(t *testing.T) {
	t.Setenv("HARBOR_PASSWORD", harborSecret)
	t.Setenv("HARBOR_USERNAME", "someone-else")
	w := newWorld(t)
	rpo := []string{"-rpo", "1h", "-projects", "library", "-namespace", "acr-ns", "-dry-run"}
	if code, out, errOut := cli(t, w.solutionA(rpo...)...); code != 1 || !strings.Contains(errOut, "replication lag") {
		t.Errorf("as someone-else: exit %d, want 1 (Harbor refuses the login):\n%s\n%s", code, out, errOut)
	}
	t.Setenv("HARBOR_USERNAME", "admin")
	if code, out, errOut := cli(t, w.solutionA(rpo...)...); code != 0 {
		t.Errorf("as admin: exit %d, want 0:\n%s\n%s", code, out, errOut)
	}
}

// TestPlanCommand: plan prints the failover plan (and saves it with -out) and writes
// nothing, as apply -dry-run does; apply -plan then applies the saved plan.
func TestPlanCommand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.harborDown.Store(true)
	args := w.solutionA()
	args[0] = "plan"
	i := slices.Index(args, "-verify-timeout")
	args = slices.Delete(args, i, i+4) // plan verifies nothing
	planFile := filepath.Join(w.dir, "plan.json")
	code, out, errOut := cli(t, append(args, "-journal", w.journal(), "-out", planFile)...)
	if code != exitOK || !strings.Contains(out, "CNAME "+acrDomain) || !strings.Contains(out, "dry run: nothing was written") {
		t.Fatalf("plan: exit %d, want 0 with the plan:\n%s\n%s", code, out, errOut)
	}
	if w.pz.CallCount("UpdateZoneRecord") != 0 || exists(w.journal()) || !exists(planFile) {
		t.Fatalf("plan wrote: %d updates, journal exists %v, plan saved %v", w.pz.CallCount("UpdateZoneRecord"), exists(w.journal()), exists(planFile))
	}
	if code, out, errOut := cli(t, w.solutionA("-plan", planFile, "-journal", w.journal(), "-yes")...); code != exitOK || w.pzRecord(t, w.recB.ID).Value != acrDomain {
		t.Errorf("apply -plan: exit %d, want 0 and the record switched:\n%s\n%s", code, out, errOut)
	}
}
