package failover

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/internal/jsontest"
)

// TestJSONSnakeCase: plans, apply results, journal entries, audit events, monitor events
// and drill reports — everything failover writes — use snake_case keys only, at every
// depth. Every field is set so that omitempty hides none.
func TestJSONSnakeCase(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	v := Value{Type: "CNAME", Value: "acr.example.com", TTL: 60}
	force := &Force{Reason: "drill", Overrode: []string{"lag"}}
	entry := JournalEntry{PlanID: "p", Kind: KindFailover, Target: "t", ZoneID: "z", FQDN: "r.example.com", RecordID: "1",
		Name: "r", From: v, To: v, At: at, Reason: "r", Actor: "a", Force: force, Outcome: OutcomeIntent, Error: "e"}
	probe := ProbeResult{Endpoint: "harbor", Vantage: "v", At: at, Up: true, StatusCode: 200, Latency: time.Second, Error: "e"}
	health := &HealthStatus{Endpoint: "harbor", Health: HealthUp, Since: at, UpStreak: 1, DownStreak: 1, Threshold: 1, Quorum: 1,
		Vantages: []VantageStatus{{Vantage: "v", UpStreak: 1, DownStreak: 1, Last: probe}}}
	plan := &Plan{ID: "p", Kind: KindFailback, Reason: "r", Actor: "a", CreatedAt: at, ExpiresAt: at, Force: force,
		Changes: []RecordChange{{Target: "t", ZoneID: "z", Zone: "example.com", FQDN: "r.example.com", RecordID: "1", Name: "r",
			From: v, To: v, Observed: dns.Record{ID: "1", Name: "r", Type: "CNAME", Value: "x", TTL: 60, Status: "ENABLE", Priority: 1},
			Done: true, Restores: &entry}},
		Evidence: Evidence{ObservedAt: at, Primary: health, Secondary: health, RPO: time.Minute, LagError: "e",
			Lag:        &Lag{Missing: 1, Stale: 1, OldestMissing: time.Minute, CheckedAt: at},
			ReverseLag: &ReverseLag{Missing: 1, Stale: 1, Unmapped: 1, OldestMissing: time.Minute, CheckedAt: at}, ReverseLagError: "e"},
		Fingerprint: "f", Seal: "s"}
	result := &Result{PlanID: "p", Kind: KindFailover, Changes: []ChangeResult{{Target: "t", FQDN: "r.example.com", Written: true,
		WrittenAt: at, Record: dns.Record{Name: "r"}, Propagation: time.Minute, Verified: true, VerifiedAt: at, Error: "e"}}}
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"Plan", plan},
		{"Result", result},
		{"JournalEntry", entry},
		{"AuditEvent", AuditEvent{Time: at, PlanID: "p", Kind: KindFailover, Target: "t", FQDN: "f", RecordID: "1", From: v, To: v,
			Actor: "a", Reason: "r", Forced: true, Outcome: OutcomeWritten, Error: "e"}},
		{"MonitorEvent", MonitorEvent{Time: at, Kind: EventKind("planned"), Primary: *health, Secondary: *health, Plan: plan, Result: result}},
		{"ReverseLag", ReverseLag{Missing: 1, Stale: 1, Unmapped: 1, OldestMissing: time.Minute, CheckedAt: at}},
		{"DrillReport", &DrillReport{StartedAt: at, FinishedAt: at, Plan: plan, PlanError: "e", Sampled: 1, Verified: 1,
			Targets: []DrillTarget{{Target: "t", FQDN: "r.example.com", To: v, Addresses: []string{"127.0.0.1"}, TLSVerified: true,
				TLSError: "e", CertDNSNames: []string{"r.example.com"}, CertNotAfter: at,
				Samples: []DrillSampleResult{{Repo: "a/b", Tag: "v1", Expected: "sha256:1", Got: "sha256:1", OK: true, Error: "e"}}}},
			Lag: &Lag{Missing: 1, Stale: 1, OldestMissing: time.Minute, CheckedAt: at}, RPO: time.Minute, LagError: "e",
			RTO:    RTOEstimate{Detection: time.Minute, Threshold: 3, Interval: time.Second, Propagation: time.Minute, ApplyVerify: time.Second, Total: time.Hour},
			Passed: true}},
		{"DrillSample", DrillSample{Repo: "a/b", Tag: "v1", Digest: "sha256:1"}},
		{"Endpoint", Endpoint{Name: "harbor", URL: "https://127.0.0.1", InsecureSkipVerify: true, Timeout: time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) { jsontest.SnakeCase(t, tc.v) })
	}
}

// TestReadJournalPreviousVersion: a journal is durable state, so lines exactly as the
// first released layout wrote them — snake_case keys, no write-ahead outcome — still
// read, and such an entry counts as a written failover that failback can undo.
func TestReadJournalPreviousVersion(t *testing.T) {
	t.Parallel()
	const old = `{"plan_id":"failover-20260301T090000Z-1a2b3c","kind":"failover","target":"registry","zone_id":"Z1",` +
		`"fqdn":"registry.corp.example","record_id":"42","name":"registry",` +
		`"from":{"type":"CNAME","value":"harbor.corp.example","ttl":600},"to":{"type":"CNAME","value":"acr.corp.example","ttl":60},` +
		`"at":"2026-03-01T09:00:05Z","reason":"harbor down","actor":"oncall",` +
		`"force":{"reason":"drill","overrode":["lag"]}}` + "\n"
	entries, err := ReadJournal(strings.NewReader(old))
	if err != nil {
		t.Fatalf("ReadJournal(previous version) = %v", err)
	}
	want := []JournalEntry{{PlanID: "failover-20260301T090000Z-1a2b3c", Kind: KindFailover, Target: "registry", ZoneID: "Z1",
		FQDN: "registry.corp.example", RecordID: "42", Name: "registry",
		From: Value{Type: "CNAME", Value: "harbor.corp.example", TTL: 600}, To: Value{Type: "CNAME", Value: "acr.corp.example", TTL: 60},
		At: time.Date(2026, 3, 1, 9, 0, 5, 0, time.UTC), Reason: "harbor down", Actor: "oncall",
		Force: &Force{Reason: "drill", Overrode: []string{"lag"}}}}
	if diff := cmp.Diff(want, entries); diff != "" {
		t.Errorf("ReadJournal(previous version) mismatch (-want +got):\n%s", diff)
	}
	if e, ok := FailoverToUndo(entries, "registry"); !ok || e.PlanID != want[0].PlanID {
		t.Errorf("FailoverToUndo(previous version) = %+v, %v; want the failover entry", e, ok)
	}
}
