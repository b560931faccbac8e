package failover

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestJournalNameMapAdded: a name map added to a journal line that recorded none (a
// failover whose map could not be read) is tampering, as editing or removing one is.
func TestJournalNameMapAdded(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	at := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	if err := j.Append(ctx(t), JournalEntry{PlanID: "p1", Kind: KindFailover, Target: "t", At: at, Outcome: OutcomeWritten}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, edited := range map[string][]byte{
		"map added":               bytes.Replace(b, []byte(`"plan_id"`), []byte(`"name_map":{"library/x":"dr/x"},"plan_id"`), 1),
		"map added, other case":   bytes.Replace(b, []byte(`"plan_id"`), []byte(`"Name_Map":{"library/x":"dr/x"},"plan_id"`), 1),
		"map added after the MAC": bytes.Replace(b, []byte("}\n"), []byte(`,"name_map":{"library/x":"dr/x"}}`+"\n"), 1),
	} {
		t.Run(name, func(t *testing.T) {
			if bytes.Equal(edited, b) {
				t.Fatalf("the edit changed nothing in %s", b)
			}
			p := filepath.Join(t.TempDir(), "journal.jsonl")
			if err := os.WriteFile(p, edited, 0o600); err != nil {
				t.Fatal(err)
			}
			key, err := os.ReadFile(PlanKeyFile(path))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(PlanKeyFile(p), key, 0o600); err != nil {
				t.Fatal(err)
			}
			if got, err := ReadJournalFile(p); !errors.Is(err, ErrTamperedJournal) {
				t.Errorf("ReadJournalFile = %v, %v; want ErrTamperedJournal", got, err)
			}
		})
	}
}

// TestJournalNameMapHostileNames: a name map of many entries, and names holding
// newlines, control characters, invalid UTF-8, "..", quotes and a line separator, is
// journaled on one line, reads back as it reads, verifies, and never splits the line.
func TestJournalNameMapHostileNames(t *testing.T) {
	t.Parallel()
	big := map[string]string{}
	for i := range 20000 {
		big[fmt.Sprintf("library/team-%05d/%s", i, strings.Repeat("n", 40))] = fmt.Sprintf("dr/%05d", i)
	}
	for name, m := range map[string]map[string]string{
		"20000 repositories": big,
		"hostile names": {
			"library/a\nb":            "dr/a\r\n{\"mac\":\"x\"}",
			"../../etc/passwd":        "dr/..",
			"lib\x00rary/\x1b[31mred": "dr/\u2028sep",
			"bad\xffutf8":             "dr/\"quoted\"",
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
			at := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
			for _, o := range []string{OutcomeIntent, OutcomeWritten} {
				if err := j.Append(ctx(t), JournalEntry{PlanID: "p1", Kind: KindFailover, Target: "t", At: at, Outcome: o, NameMap: m}); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(b, []byte("\n")); n != 2 {
				t.Fatalf("journal holds %d lines, want 2", n)
			}
			entries, err := ReadJournalFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := RecordedNameMap(entries)
			if !ok || len(got) != len(m) {
				t.Fatalf("RecordedNameMap = %d entries, %v; want %d", len(got), ok, len(m))
			}
			// Reopening adopts the file (reads it whole, cuts no line).
			j2, err := OpenFileJournal(path)
			if err != nil {
				t.Fatal(err)
			}
			j2.Close()
		})
	}
}

// TestRecordedNameMapLatestFailover: failover (map A), failback, failover (map B):
// RecordedNameMap gives B, the map of the failover failback would undo now — and with
// two targets, the map of the one journaled last.
func TestRecordedNameMapLatestFailover(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	a := map[string]string{"library/web/nginx": "dr/nginx"}
	b := map[string]string{"team/nginx": "dr/nginx"}
	e := func(plan, target string, kind Kind, outcome string, m map[string]string, min int) JournalEntry {
		return JournalEntry{PlanID: plan, Kind: kind, Target: target, Outcome: outcome, NameMap: m, At: at.Add(time.Duration(min) * time.Minute)}
	}
	for _, tc := range []struct {
		name    string
		entries []JournalEntry
		want    map[string]string
	}{
		{"failover, failback, failover", []JournalEntry{
			e("p1", "t", KindFailover, OutcomeIntent, a, 1), e("p1", "t", KindFailover, OutcomeWritten, a, 2),
			e("p2", "t", KindFailback, OutcomeIntent, nil, 3), e("p2", "t", KindFailback, OutcomeWritten, nil, 4),
			e("p3", "t", KindFailover, OutcomeIntent, b, 5), e("p3", "t", KindFailover, OutcomeWritten, b, 6),
		}, b},
		{"second failover's write failed", []JournalEntry{
			e("p1", "t", KindFailover, OutcomeIntent, a, 1), e("p1", "t", KindFailover, OutcomeWritten, a, 2),
			e("p2", "t", KindFailback, OutcomeIntent, nil, 3), e("p2", "t", KindFailback, OutcomeWritten, nil, 4),
			e("p3", "t", KindFailover, OutcomeIntent, b, 5), e("p3", "t", KindFailover, OutcomeFailed, b, 6),
		}, nil},
		{"second failover crashed mid-write", []JournalEntry{
			e("p1", "t", KindFailover, OutcomeIntent, a, 1), e("p1", "t", KindFailover, OutcomeWritten, a, 2),
			e("p2", "t", KindFailback, OutcomeIntent, nil, 3), e("p2", "t", KindFailback, OutcomeWritten, nil, 4),
			e("p3", "t", KindFailover, OutcomeIntent, b, 5),
		}, b},
		{"failback crashed mid-write", []JournalEntry{
			e("p1", "t", KindFailover, OutcomeIntent, a, 1), e("p1", "t", KindFailover, OutcomeWritten, a, 2),
			e("p2", "t", KindFailback, OutcomeIntent, nil, 3),
		}, a},
		{"two targets, the later one's", []JournalEntry{
			e("p1", "t1", KindFailover, OutcomeIntent, a, 1), e("p1", "t1", KindFailover, OutcomeWritten, a, 2),
			e("p2", "t2", KindFailover, OutcomeIntent, b, 3), e("p2", "t2", KindFailover, OutcomeWritten, b, 4),
		}, b},
		{"two targets, the later one failed back", []JournalEntry{
			e("p1", "t1", KindFailover, OutcomeIntent, a, 1), e("p1", "t1", KindFailover, OutcomeWritten, a, 2),
			e("p2", "t2", KindFailover, OutcomeIntent, b, 3), e("p2", "t2", KindFailover, OutcomeWritten, b, 4),
			e("p3", "t2", KindFailback, OutcomeIntent, nil, 5), e("p3", "t2", KindFailback, OutcomeWritten, nil, 6),
		}, a},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := RecordedNameMap(tc.entries)
			if ok != (tc.want != nil) || !cmp.Equal(got, tc.want) {
				t.Errorf("RecordedNameMap = %v, %v; want %v", got, ok, tc.want)
			}
		})
	}
}

// TestPlanFailoverNameMapperHangs: a name map that cannot be read never holds a failover
// up — nor does one whose read never returns (Harbor black-holed, a mapper that ignores
// its context): past NameMapTimeout the plan is made, recording why no map, or the map a
// LastKnownNameMap remembered. The mapper never answers, so the outcome does not depend
// on the timeout's length.
func TestPlanFailoverNameMapperHangs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		remember bool
	}{{"plain mapper", false}, {"LastKnownNameMap", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			s := w.switcher(t)
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			hang := NameMapFunc(func(context.Context) (map[string]string, error) {
				<-release // ignores its context
				return nil, errors.New("too late")
			})
			req := failoverRequest()
			req.NameMap, req.NameMapTimeout = hang, time.Millisecond
			if tc.remember {
				l := &LastKnownNameMap{Mapper: hang}
				l.Seed(nestedMap)
				req.NameMap = l
			}
			type result struct {
				p   *Plan
				err error
			}
			done := make(chan result, 1)
			go func() {
				p, err := s.PlanFailover(ctx(t), req)
				done <- result{p, err}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("PlanFailover still waiting on a name map that never answers")
			}
			if r.err != nil {
				t.Fatal(r.err)
			}
			if tc.remember {
				if !cmp.Equal(r.p.NameMap, nestedMap) || r.p.Evidence.NameMapError != "" {
					t.Errorf("plan = map %v, error %q; want the remembered map", r.p.NameMap, r.p.Evidence.NameMapError)
				}
				return
			}
			if r.p.NameMap != nil || !strings.Contains(r.p.Evidence.NameMapError, "timed out after 1ms") {
				t.Errorf("plan = map %v, error %q; want none, timed out", r.p.NameMap, r.p.Evidence.NameMapError)
			}
		})
	}
	req := failoverRequest()
	req.NameMapTimeout = -time.Second
	if _, err := newWorld(t).switcher(t).PlanFailover(ctx(t), req); !errors.Is(err, ErrInvalid) {
		t.Errorf("PlanFailover(negative NameMapTimeout) = %v, want ErrInvalid", err)
	}
}

// errSecret is an error as a careless reader of Harbor might return it: its URL with
// user information and Harbor's (or a proxy's) body echoing the Authorization header.
var errSecret = errors.New(`listing https://admin:hunter2@harbor.example/api/v2.0/projects: 401: {"message":"bad header Authorization: Basic YWRtaW46aHVudGVyMg=="} token Bearer eyJhbGciOi.payload.sig`)

var secrets = []string{"hunter2", "YWRtaW46aHVudGVyMg", "eyJhbGciOi"}

func leaked(s string) []string {
	var out []string
	for _, x := range secrets {
		if strings.Contains(s, x) {
			out = append(out, x)
		}
	}
	return out
}

// TestPlanEvidenceHidesSecrets: a plan records why the lag, the reverse lag or the name
// map could not be read; a credential in that error — a URL's user information, an
// Authorization header's value echoed by a server — never reaches the plan's text or
// JSON.
func TestPlanEvidenceHidesSecrets(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.switcher(t)
	req := failoverRequest()
	req.NameMap = NameMapFunc(func(context.Context) (map[string]string, error) { return nil, errSecret })
	req.Lag = LagFunc(func(context.Context) (Lag, error) { return Lag{}, errSecret })
	req.Force, req.ForceReason = true, "lag unknown, drill"
	p, err := s.PlanFailover(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if p.Evidence.LagError == "" || p.Evidence.NameMapError == "" {
		t.Fatalf("evidence = %+v, want the lag and name map errors", p.Evidence)
	}
	if l := leaked(p.String() + string(mustJSON(t, p))); l != nil {
		t.Errorf("failover plan leaks %q:\n%s", l, p)
	}
	if _, err := s.Apply(ctx(t), p); err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(time.Hour)
	back, err := s.PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5), MinDwell: -1,
		ReverseLag: ReverseLagFunc(func(context.Context) (ReverseLag, error) { return ReverseLag{}, errSecret }),
		Force:      true, ForceReason: "reverse lag unknown"})
	if err != nil {
		t.Fatal(err)
	}
	if back.Evidence.ReverseLagError == "" {
		t.Fatalf("evidence = %+v, want the reverse lag error", back.Evidence)
	}
	if l := leaked(back.String() + string(mustJSON(t, back))); l != nil {
		t.Errorf("failback plan leaks %q:\n%s", l, back)
	}
}

// TestMonitorLogsHideSecrets: the monitor's JSON log never carries a credential an event
// brought in — a lag or name map refresh error, a vantage point's probe error, a refusal —
// nor do the events' errors handed to OnEvent (examples/failover watch prints them).
func TestMonitorLogsHideSecrets(t *testing.T) {
	t.Parallel()
	var out syncBuffer
	log := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w := newWorld(t)
	r := &monitorRig{w: w}
	harborUp := true
	vantage := ProbeFunc(func(_ context.Context, e Endpoint) ProbeResult {
		res := ProbeResult{Endpoint: e.Name, Vantage: "hz", Up: harborUp || e.Name != "harbor", At: w.clock.Now()}
		if !res.Up {
			res.Error = errSecret.Error()
		}
		return res
	})
	var err error
	var events []string
	cfg := MonitorConfig{Logger: log, AutoApply: true, OnEvent: func(e MonitorEvent) {
		if e.Err != nil {
			events = append(events, fmt.Sprint(e.Err))
		}
	}, Failover: FailoverRequest{
		Lag:     &LastKnownLag{Reporter: LagFunc(func(context.Context) (Lag, error) { return Lag{}, errSecret })},
		NameMap: &LastKnownNameMap{Mapper: NameMapFunc(func(context.Context) (map[string]string, error) { return nil, errSecret })},
	}}
	if cfg.Primary, err = NewChecker(Endpoint{Name: "harbor", URL: "https://harbor.example"}, []Vantage{vantage}, HealthPolicy{}); err != nil {
		t.Fatal(err)
	}
	if cfg.Secondary, err = NewChecker(Endpoint{Name: "acr-ee", URL: "https://" + acrDomain}, []Vantage{vantage}, HealthPolicy{}); err != nil {
		t.Fatal(err)
	}
	cfg.Switcher = w.switcher(t)
	if r.mon, err = NewMonitor(cfg); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		r.tick(t)
	}
	harborUp = false
	for range 4 {
		r.tick(t)
	}
	got := out.String()
	if !strings.Contains(got, "replication lag not refreshed") || !strings.Contains(got, "registry health changed") ||
		!strings.Contains(got, "switch refused") {
		t.Fatalf("log lacks the records attacked:\n%s", got)
	}
	if l := leaked(got); l != nil {
		t.Errorf("monitor log leaks %q:\n%s", l, got)
	}
	// OnEvent's consumers (watch prints each event's error, metrics reads its sentinel)
	// get the error scrubbed, its sentinel still found.
	if l := leaked(strings.Join(events, "\n")); l != nil {
		t.Errorf("MonitorEvent.Err leaks %q:\n%s", l, strings.Join(events, "\n"))
	}
}

// TestMonitorNameMapRefreshHangs: while Harbor is up the monitor refreshes the name map
// each round; a listing that never returns (Harbor's API wedged while /v2/ still answers,
// a mapper ignoring its context) must not stop the rounds — the probes that would see
// Harbor fall and fail over. Past NameMapTimeout the round goes on (a lag-error event),
// and no second read starts while the first still hangs.
func TestMonitorNameMapRefreshHangs(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	var calls atomic.Int64
	mapper := &LastKnownNameMap{Mapper: NameMapFunc(func(context.Context) (map[string]string, error) {
		calls.Add(1)
		<-release // ignores its context
		return nestedMap, nil
	})}
	mapper.Seed(nestedMap)
	r := newMonitorRig(t, MonitorConfig{AutoApply: true, Failover: FailoverRequest{NameMap: mapper, NameMapTimeout: time.Millisecond}})
	tick := func() []EventKind {
		done := make(chan []EventKind, 1)
		go func() { done <- r.tick(t) }()
		select {
		case k := <-done:
			return k
		case <-time.After(5 * time.Second):
			t.Fatal("a monitor round waits on a name map refresh that never returns")
			return nil
		}
	}
	for range 3 { // Harbor up: each round refreshes
		tick()
	}
	r.harbor.set(false)
	var kinds []EventKind
	for range 3 {
		kinds = tick()
	}
	if !slices.Contains(kinds, EventApplied) {
		t.Errorf("events once Harbor is down = %v, want the failover applied", kinds)
	}
	if n := calls.Load(); n != 2 { // the refresh that hangs, and the failover plan's read
		t.Errorf("the mapper was called %d times, want 2: a refresh hangs, no other starts meanwhile, and the plan reads once", n)
	}
}
