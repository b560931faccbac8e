package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/internal/flock"
)

// jsonDoc fails the test unless stdout is exactly one JSON document.
func jsonDoc(t *testing.T, stdout string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not a JSON document: %v\n%q", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON document:\n%s", stdout)
	}
	return doc
}

// TestAttackReverseJournalUnusable: a -journal that is missing (a typo) or a directory is
// refused, nothing written; it never falls back silently to the derived map the operator
// asked not to use. Not parallel: it sets the environment.
func TestAttackReverseJournalUnusable(t *testing.T) {
	w := newRevWorld(t)
	w.push(t, "nginx", "library/nginx:1", "acr-ns/nginx:1")
	w.push(t, "outage", "", "acr-ns/nginx:outage")
	before := w.harborTags("library/nginx")
	for name, path := range map[string]string{
		"missing":   filepath.Join(w.dir, "jounral.jsonl"),
		"directory": w.dir,
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := cli(t, w.reverseArgs("-journal", path, "-yes")...)
			if code == exitOK || strings.Contains(out+errOut, "name map: derived") {
				t.Errorf("-journal %s: exit %d, want a refusal, not the derived map:\n%s\n%s", name, code, out, errOut)
			}
			if !strings.Contains(errOut, path) {
				t.Errorf("-journal %s: stderr does not name the file:\n%s", name, errOut)
			}
			if got := w.harborTags("library/nginx"); !cmp.Equal(got, before) {
				t.Errorf("-journal %s wrote into Harbor: %v, was %v", name, got, before)
			}
		})
	}
}

// TestAttackReverseJournalTampered: a journal whose recorded name map was edited after
// it was written is refused (exit 3, failover.ErrTamperedJournal), never used; with
// -json stdout is still one JSON document. Not parallel: it sets the environment.
func TestAttackReverseJournalTampered(t *testing.T) {
	w := newRevWorld(t)
	w.push(t, "nginx", "library/a/nginx:1", "acr-ns/nginx:1")
	w.push(t, "outage", "", "acr-ns/nginx:outage")
	recordNameMap(t, w.journal(), map[string]string{"library/a/nginx": "acr-ns/nginx"})
	if _, err := os.Stat(failover.PlanKeyFile(w.journal())); err != nil {
		t.Skipf("the journal has no key beside it (%v): a MAC cannot be checked", err)
	}
	b, err := os.ReadFile(w.journal())
	if err != nil {
		t.Fatal(err)
	}
	forged := bytes.ReplaceAll(b, []byte(`"library/a/nginx"`), []byte(`"library/evil"`))
	if bytes.Equal(forged, b) {
		t.Fatalf("the journal does not hold the name map:\n%s", b)
	}
	if err := os.WriteFile(w.journal(), forged, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		stage  string // the path part of the ACR EE request that interrupts
		asJSON bool
	}{{"/blobs/", false}, {"/blobs/", true}, {"/manifests/", false}, {"/manifests/", true}} {
		asJSON := tc.asJSON
		args := w.reverseArgs("-journal", w.journal(), "-yes")
		if asJSON {
			args = append(args, "-json")
		}
		code, out, errOut := cli(t, args...)
		if code != exitRefused || strings.Contains(out+errOut, "library/evil") {
			t.Errorf("tampered journal (json %v): exit %d, want 3 and the forged map unused:\n%s\n%s", asJSON, code, out, errOut)
		}
		if asJSON {
			jsonDoc(t, out)
		}
	}
	if repos := w.hb.Repositories(); len(repos) != 1 {
		t.Errorf("Harbor's repositories after the refusal: %v, want library/a/nginx only", repos)
	}
}

// TestAttackReverseJournalFailedBack: a journal whose failover was failed back already
// holds no name map to invert; the command says so truthfully rather than "its failover
// recorded no name map". Not parallel: it sets the environment.
func TestAttackReverseJournalFailedBack(t *testing.T) {
	w := newRevWorld(t)
	w.push(t, "nginx", "library/nginx:1", "acr-ns/nginx:1")
	recordNameMap(t, w.journal(), map[string]string{"library/nginx": "acr-ns/nginx"})
	j, err := failover.OpenFileJournal(w.journal())
	if err != nil {
		t.Fatal(err)
	}
	e := failover.JournalEntry{PlanID: "p2", Kind: failover.KindFailback, Target: "zone/@", FQDN: zoneName, RecordID: "r1", Name: "@",
		From: failover.Value{Type: "CNAME", Value: acrDomain, TTL: 60}, To: failover.Value{Type: "A", Value: harborIP, TTL: 60},
		At: time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC), Outcome: failover.OutcomeWritten}
	if err := j.Append(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	j.Close()
	code, out, errOut := cli(t, w.reverseArgs("-journal", w.journal(), "-dry-run")...)
	if strings.Contains(out+errOut, "its failover recorded no name map") {
		t.Errorf("failed-back journal: exit %d, says its failover recorded no map (it did, and was failed back):\n%s\n%s", code, out, errOut)
	}
}

// TestAttackReverseJSONEveryFailure: with -json stdout is one JSON document whether the
// run is refused before planning (an ambiguous recorded map), fails planning (ACR EE's
// registry unreachable), or is refused after it (no -yes). Not parallel: it sets the
// environment.
func TestAttackReverseJSONEveryFailure(t *testing.T) {
	w := newRevWorld(t)
	w.push(t, "nginx", "library/a/nginx:1", "acr-ns/nginx:1")
	w.push(t, "outage", "", "acr-ns/nginx:outage")
	ambiguous := filepath.Join(w.dir, "ambiguous.jsonl")
	recordNameMap(t, ambiguous, map[string]string{"library/a/nginx": "acr-ns/nginx", "library/b/nginx": "acr-ns/nginx"})
	tests := map[string]struct {
		args []string
		code int
	}{
		"ambiguous map": {w.reverseArgs("-json", "-yes", "-journal", ambiguous), exitRefused},
		"no -yes":       {w.reverseArgs("-json", "-flatten", "-1"), exitRefused},
		"unreachable":   {append(w.reverseArgs("-json", "-yes"), "-harbor", "https://127.0.0.1:1"), exitFailed},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := cli(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d:\n%s\n%s", code, tc.code, out, errOut)
			}
			jsonDoc(t, out)
		})
	}
}

// TestAttackReverseSecretsNeverEchoed: a password in -harbor's URL, or Harbor's password
// file ending in CRLF, or $HARBOR_PASSWORD_FILE naming a missing file: none of it shows
// in what the command prints. Not parallel: it sets the environment.
func TestAttackReverseSecretsNeverEchoed(t *testing.T) {
	w := newRevWorld(t)
	crlf := filepath.Join(w.dir, "pw-crlf")
	if err := os.WriteFile(crlf, []byte(harborSecret+"\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("userinfo in -harbor", func(t *testing.T) {
		code, out, errOut := cli(t, append(w.reverseArgs("-dry-run"), "-harbor", "https://admin:"+harborSecret+"@127.0.0.1:1")...)
		if code != exitUsage {
			t.Errorf("exit %d, want 2:\n%s\n%s", code, out, errOut)
		}
	})
	t.Run("CRLF password file", func(t *testing.T) {
		t.Setenv("HARBOR_PASSWORD", "")
		code, out, errOut := cli(t, w.reverseArgs("-dry-run", "-harbor-password-file", crlf)...)
		if code != exitOK {
			t.Errorf("exit %d, want 0 (CRLF trimmed):\n%s\n%s", code, out, errOut)
		}
	})
	t.Run("missing _FILE", func(t *testing.T) {
		t.Setenv("HARBOR_PASSWORD", "")
		t.Setenv("HARBOR_PASSWORD_FILE", filepath.Join(w.dir, "nope"))
		code, out, errOut := cli(t, w.reverseArgs("-dry-run")...)
		if code != exitUsage || !strings.Contains(errOut, "HARBOR_PASSWORD_FILE") {
			t.Errorf("exit %d, want 2 naming the variable:\n%s\n%s", code, out, errOut)
		}
	})
}

// TestAttackReverseInterruptedApply: SIGTERM (a cancelled context) while reverse -yes
// copies: exit 1, a line saying the run was interrupted, never that the replication was
// applied and verified; with -json one JSON document. Not parallel: it sets the
// environment.
func TestAttackReverseInterruptedApply(t *testing.T) {
	w := newRevWorld(t)
	w.push(t, "nginx", "library/nginx:1", "acr-ns/nginx:1")
	w.push(t, "outage", "", "acr-ns/nginx:outage")
	for _, tc := range []struct {
		stage  string // the path part of the ACR EE request that interrupts
		asJSON bool
	}{{"/blobs/", false}, {"/blobs/", true}, {"/manifests/", false}, {"/manifests/", true}} {
		asJSON := tc.asJSON
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		runCtx, interrupt := context.WithCancel(ctx)
		acr := quietTLS(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, tc.stage) {
				interrupt() // the copy (blobs) or the planning (manifests) has started
			}
			w.emu.Registry().ServeHTTP(rw, r)
		}))
		defer acr.Close()
		args := append(w.reverseArgs("-yes"), "-acr", acr.URL)
		if asJSON {
			args = append(args, "-json")
		}
		var out, errOut bytes.Buffer
		code := run(runCtx, args, &out, &errOut)
		if code != exitFailed || strings.Contains(out.String()+errOut.String(), "applied and verified") ||
			!strings.Contains(errOut.String(), "interrupted") {
			t.Errorf("%s, json %v: exit %d, want 1 and a line saying interrupted, no success claimed:\n%s\n%s", tc.stage, asJSON, code, out.String(), errOut.String())
		}
		if asJSON {
			jsonDoc(t, out.String())
		}
	}
}

// TestAttackReverseJournalLocked: a journal another process holds locked (a writer hung
// mid-append) must not hang reverse past SIGTERM: the read gives way to the interruption
// and the run exits 1 saying so. Not parallel: it sets the environment.
func TestAttackReverseJournalLocked(t *testing.T) {
	w := newRevWorld(t)
	w.push(t, "nginx", "library/nginx:1", "acr-ns/nginx:1")
	recordNameMap(t, w.journal(), map[string]string{"library/nginx": "acr-ns/nginx"})
	f, err := os.OpenFile(w.journal(), os.O_RDWR, 0)
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
	cancel() // SIGTERM, already received while the journal is locked
	type result struct {
		code     int
		out, err string
	}
	done := make(chan result, 1)
	go func() {
		var out, errOut bytes.Buffer
		code := run(ctx, w.reverseArgs("-journal", w.journal(), "-yes"), &out, &errOut)
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
		t.Fatal("reverse hung on a locked journal past its interruption")
	}
}

// TestAttackReverseJournalTwoTargets: a journal shared by two failed-over records whose
// failovers recorded different name maps does not say which one reverse should invert:
// refused (exit 3), nothing written, rather than the last one taken whatever its target.
// Not parallel: it sets the environment.
func TestAttackReverseJournalTwoTargets(t *testing.T) {
	w := newRevWorld(t)
	w.push(t, "nginx", "library/a/nginx:1", "acr-ns/nginx:1")
	w.push(t, "outage", "", "acr-ns/nginx:outage")
	recordNameMap(t, w.journal(), map[string]string{"library/a/nginx": "acr-ns/nginx"})
	j, err := failover.OpenFileJournal(w.journal())
	if err != nil {
		t.Fatal(err)
	}
	e := failover.JournalEntry{PlanID: "p9", Kind: failover.KindFailover, Target: "other-zone/@", FQDN: "other.example", RecordID: "r9", Name: "@",
		From: failover.Value{Type: "A", Value: harborIP, TTL: 60}, To: failover.Value{Type: "CNAME", Value: acrDomain, TTL: 60},
		At: time.Date(2026, 12, 6, 7, 30, 0, 0, time.UTC), Outcome: failover.OutcomeWritten,
		NameMap: map[string]string{"library/z/nginx": "acr-ns/nginx"}}
	if err := j.Append(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	j.Close()
	before := w.harborTags("library/a/nginx")
	code, out, errOut := cli(t, w.reverseArgs("-journal", w.journal(), "-yes")...)
	if code != exitRefused {
		t.Errorf("two targets, two maps: exit %d, want 3:\n%s\n%s", code, out, errOut)
	}
	if got := w.harborTags("library/a/nginx"); !cmp.Equal(got, before) || len(w.harborTags("library/z/nginx")) != 0 {
		t.Errorf("the run wrote into Harbor: %v, was %v; library/z/nginx %v", got, before, w.harborTags("library/z/nginx"))
	}
}
