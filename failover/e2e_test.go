package failover

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
)

// switchable serves h until down is set, then answers 503 like a failing registry.
func switchable(h http.Handler, down *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// TestEndToEndFailoverOverHTTPAndDNS runs the runbook's solution (a) over loopback: Harbor
// (harbortest) and an ACR EE-shaped registry probed over TLS from two vantage points, the
// record in the PrivateZone emulator, the answer checked through the dnstest DNS server
// with a real resolver, the journal in a file, and the Harbor admin secret nowhere in what
// the package writes.
func TestEndToEndFailoverOverHTTPAndDNS(t *testing.T) {
	t.Parallel()
	const secret = "Adm1n-s3cr3t-do-not-log"
	hb := harbortest.New(harbortest.WithAdmin("admin", secret))
	t.Cleanup(func() { hb.Close() })
	var harborDown atomic.Bool
	harborSrv := httptest.NewTLSServer(switchable(spectest.Handler(t, hb), &harborDown)) // Harbor's API held to its swagger
	t.Cleanup(harborSrv.Close)
	acrSrv := httptest.NewTLSServer(registry(http.StatusUnauthorized, true))
	t.Cleanup(acrSrv.Close)

	w := newWireWorld(t)
	var vantages []Vantage
	for _, name := range []string{"cn-hangzhou", "cn-shanghai"} {
		p, err := NewProber(name, WithHTTPClient(harborSrv.Client()), WithProberClock(w.clock))
		if err != nil {
			t.Fatal(err)
		}
		vantages = append(vantages, p)
	}
	harbor, err := NewChecker(Endpoint{Name: "harbor", URL: harborSrv.URL}, vantages, HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	acr, err := NewChecker(Endpoint{Name: "acr-ee", URL: acrSrv.URL}, vantages, HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	journal, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { journal.Close() })
	var out bytes.Buffer // everything the package hands out, to search for the secret
	s := w.switcher(t, WithJournal(journal), WithAudit(func(e AuditEvent) {
		b, _ := json.Marshal(e)
		out.Write(b)
	}))
	mon, err := NewMonitor(MonitorConfig{Switcher: s, Primary: harbor, Secondary: acr, AutoApply: true,
		Failover: FailoverRequest{Reason: "harbor unreachable", Actor: "monitor"},
		OnEvent: func(e MonitorEvent) {
			b, _ := json.Marshal(e)
			out.Write(b)
			if e.Plan != nil {
				out.WriteString(e.Plan.String())
			}
			if e.Err != nil {
				out.WriteString(e.Err.Error())
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	round := func() []EventKind {
		var kinds []EventKind
		for _, e := range mon.Tick(ctx(t)) {
			kinds = append(kinds, e.Kind)
		}
		return kinds
	}
	for range 3 {
		round()
	}
	if h, a := harbor.Status(), acr.Status(); h.Health != HealthUp || a.Health != HealthUp {
		t.Fatalf("health after 3 rounds: harbor %s, acr %s; want both up (401 challenges)", h.Health, a.Health)
	}
	if got := lookup(t, w.resolver, zoneName); !slices.Equal(got, []string{harborIP}) {
		t.Fatalf("before: %v", got)
	}
	harborDown.Store(true)
	for i := range 3 {
		kinds := round()
		if i < 2 && len(kinds) != 1 {
			t.Fatalf("round %d with Harbor down: %v, want probing only", i+1, kinds)
		}
		if i == 2 && !slices.Equal(kinds, []EventKind{EventProbed, EventPlanned, EventApplied}) {
			t.Fatalf("third round with Harbor down: %v, want probed, planned, applied", kinds)
		}
	}
	if got := lookup(t, w.resolver, zoneName); !slices.Equal(got, []string{acrIP}) {
		t.Errorf("after failover %s resolves to %v, want %s", zoneName, got, acrIP)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(file, []byte("\n")); n != 2 {
		t.Errorf("journal file has %d lines, want 2 (intent and outcome)", n)
	}
	out.Write(file)
	if bytes.Contains(out.Bytes(), []byte(secret)) {
		t.Errorf("the Harbor admin secret leaked into plans, audit, events or journal")
	}
}
