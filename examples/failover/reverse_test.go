package main

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/internal/testutil"
)

// TestFailbackReverseCheck: failback -reverse-check refuses (exit 3, nothing written)
// while ACR EE holds a tag Harbor lacks — pushed during the outage — and -force -reason
// overrides it; with nothing extra in ACR EE it fails back.
func TestFailbackReverseCheck(t *testing.T) {
	t.Setenv("HARBOR_PASSWORD", harborSecret)
	w := newWorld(t)
	if err := w.emu.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "acr-ns", AutoCreateRepo: true}); err != nil {
		t.Fatal(err)
	}
	w.harborDown.Store(true)
	if code, out, errOut := cli(t, w.solutionA("-journal", w.journal(), "-reason", "harbor down", "-yes")...); code != 0 {
		t.Fatalf("failover exit %d:\n%s\n%s", code, out, errOut)
	}
	w.harborDown.Store(false)
	back := append(w.cmd("failback"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB,
		"-resolver", w.vpcResolver, "-journal", w.journal(), "-min-dwell", "0",
		"-reverse-check", "-instance", acrtest.DefaultInstanceID, "-projects", "library", "-namespace", "acr-ns")

	// Nothing pushed during the outage: the failback may go.
	if code, out, errOut := cli(t, append(back, "-dry-run")...); code != 0 || !strings.Contains(out, "reverse lag (ACR EE holds, Harbor lacks): 0 missing, 0 stale, 0 unmapped") {
		t.Errorf("nothing in ACR EE only: exit %d, want 0 with the reverse lag shown:\n%s\n%s", code, out, errOut)
	}

	planFile := filepath.Join(w.dir, "failback-plan.json")
	if code, out, errOut := cli(t, append(back, "-dry-run", "-out", planFile)...); code != 0 {
		t.Fatalf("saving a failback plan: exit %d:\n%s\n%s", code, out, errOut)
	}

	// A client pushes into ACR EE during the outage.
	if err := w.emu.SetPassword(acrtest.DefaultInstanceID, "pusher", "push-pw"); err != nil {
		t.Fatal(err)
	}
	push := httptest.NewServer(w.emu.Registry())
	t.Cleanup(push.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	img := testutil.NewFixture(3, 64).Image("outage", 0)
	if err := testutil.PushAuth(ctx, push.Listener.Addr().String(), "acr-ns/nginx:outage", img, &authn.Basic{Username: "pusher", Password: "push-pw"}); err != nil {
		t.Fatal(err)
	}
	before := lines(t, w.journal())
	code, out, errOut := cli(t, append(back, "-reason", "harbor recovered", "-yes")...)
	if code != exitRefused || !strings.Contains(errOut, "ACR EE holds artifacts Harbor lacks") || !strings.Contains(out, "1 unmapped") {
		t.Errorf("failback while ACR EE holds what Harbor lacks: exit %d, want 3:\n%s\n%s", code, out, errOut)
	}
	if n := lines(t, w.journal()); n != before || w.pzRecord(t, w.recB.ID).Type != "CNAME" {
		t.Errorf("the refused failback wrote: journal %d entries (was %d), record %+v", n, before, w.pzRecord(t, w.recB.ID))
	}
	// A failback plan saved before the push is held to the reverse lag measured now.
	if code, out, errOut := cli(t, append(back, "-plan", planFile, "-yes")...); code != exitRefused || !strings.Contains(errOut, "1 unmapped") {
		t.Errorf("a saved failback plan while ACR EE holds what Harbor lacks: exit %d, want 3:\n%s\n%s", code, out, errOut)
	}
	if n := lines(t, w.journal()); n != before {
		t.Errorf("the refused saved plan wrote: journal %d entries (was %d)", n, before)
	}
	// -force needs -reason, and applies only with -reverse-check.
	if code, _, errOut := cli(t, append(back, "-force", "-yes")...); code != exitUsage {
		t.Errorf("-force without -reason: exit %d, want 2:\n%s", code, errOut)
	}
	plain := append(w.cmd("failback"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB, "-journal", w.journal(), "-force", "-reason", "x")
	if code, _, errOut := cli(t, plain...); code != exitUsage || !strings.Contains(errOut, "-reverse-check") {
		t.Errorf("failback -force without -reverse-check: exit %d, want 2:\n%s", code, errOut)
	}
	if code, _, errOut := cli(t, append(w.cmd("failback"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB, "-journal", w.journal(), "-reverse-check")...); code != exitUsage || !strings.Contains(errOut, "-instance") {
		t.Errorf("-reverse-check without -instance: exit %d, want 2:\n%s", code, errOut)
	}
	code, out, errOut = cli(t, append(back, "-force", "-reason", "the outage tag is rebuilt by CI", "-yes")...)
	if code != 0 || !strings.Contains(out, "the outage tag is rebuilt by CI") {
		t.Errorf("forced failback: exit %d, want 0 with the reason in the plan:\n%s\n%s", code, out, errOut)
	}
	if got := w.pzRecord(t, w.recB.ID); got.Type != "A" || got.Value != harborIP {
		t.Errorf("after the forced failback the record is %+v, want A %s", got, harborIP)
	}
}

// TestWatchAutoFailbackReverseLag: watch -auto-failback records the name map Harbor last
// had with its failover, and then does not fail back while ACR EE holds a tag Harbor
// lacks — pushed during the outage: each round's failback is refused with ErrReverseLag,
// logged, and counted under reason="reverse_lag" — and fails back once the tag is copied
// to Harbor. Not parallel: it sets the environment.
func TestWatchAutoFailbackReverseLag(t *testing.T) {
	t.Setenv("HARBOR_PASSWORD", harborSecret)
	w := newWorld(t)
	if err := w.emu.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "acr-ns", AutoCreateRepo: true}); err != nil {
		t.Fatal(err)
	}
	if err := w.emu.SetPassword(acrtest.DefaultInstanceID, "pusher", "push-pw"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hpush := httptest.NewServer(w.hb)
	t.Cleanup(hpush.Close)
	apush := httptest.NewServer(w.emu.Registry())
	t.Cleanup(apush.Close)
	harborAuth := &authn.Basic{Username: harbortest.DefaultAdmin, Password: harborSecret}
	fx := testutil.NewFixture(3, 64)
	if err := testutil.PushAuth(ctx, hpush.Listener.Addr().String(), "library/nginx:1.25", fx.Image("nginx", 0), harborAuth); err != nil {
		t.Fatal(err)
	}

	d := startWatch(t, w.watchArgs("-journal", w.journal(), "-yes", "-auto-failback", "-hold-down", "30s", "-min-healthy", "2", "-min-dwell", "0",
		"-projects", "library", "-namespace", "acr-ns", "-metrics-addr", "127.0.0.1:0"))
	d.round()
	d.round() // Harbor up for 3 rounds: the name map is read
	w.harborDown.Store(true)
	d.round()
	d.round()
	d.round() // down 3 rounds: failed over, with the name map Harbor last had
	if got := w.pzRecord(t, w.recB.ID); got.Type != "CNAME" {
		t.Fatalf("not failed over: %+v\n%s", got, d.out.String())
	}
	if out := d.out.String(); !strings.Contains(out, "name map: 1 Harbor repositories recorded for failback") {
		t.Errorf("the failover plan does not record the name map:\n%s", out)
	}
	entries, err := failover.ReadJournalFile(w.journal())
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := failover.RecordedNameMap(entries); !ok || m["library/nginx"] != "acr-ns/nginx" {
		t.Errorf("RecordedNameMap(journal) = %v, %v; want library/nginx -> acr-ns/nginx", m, ok)
	}

	// A client pushes into ACR EE during the outage, by the name it knows.
	img := fx.Image("outage", 0)
	if err := testutil.PushAuth(ctx, apush.Listener.Addr().String(), "acr-ns/nginx:outage", img, &authn.Basic{Username: "pusher", Password: "push-pw"}); err != nil {
		t.Fatal(err)
	}
	w.harborDown.Store(false)
	for i := 0; i < 6 && !strings.Contains(d.out.String(), "refused: "); i++ {
		d.round()
	}
	d.round()
	d.round() // Harbor healthy, the hold-down long over: only the reverse lag holds it
	out := d.out.String()
	if got := w.pzRecord(t, w.recB.ID); got.Type != "CNAME" || strings.Contains(out, "applied failback") {
		t.Fatalf("failed back while ACR EE holds a tag Harbor lacks (record %+v):\n%s", got, out)
	}
	for _, want := range []string{
		"failback waits while ACR EE holds tags Harbor lacks",
		"reverse lag (ACR EE holds, Harbor lacks): 1 missing, 0 stale, 0 unmapped",
		"(inverse of the name map recorded at failover, 1 repositories)",
		"refused: planning failback: failover: ACR EE holds artifacts Harbor lacks",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if errOut := d.errOut.String(); !strings.Contains(errOut, `msg="monitor: switch refused" error="planning failback: failover: ACR EE holds artifacts Harbor lacks`) {
		t.Errorf("the refusal is not logged:\n%s", errOut)
	}
	if v, ok := scrape(t, d.metricsAddr()).value("regdr_failover_refused_total", "reason", "reverse_lag"); !ok || v < 1 {
		t.Errorf("regdr_failover_refused_total{reason=\"reverse_lag\"} = %v (found %v), want at least 1", v, ok)
	}
	if n := lines(t, w.journal()); n != 2 {
		t.Errorf("journal has %d entries, want the failover's 2 only", n)
	}

	// The tag is copied back to the Harbor repository it maps back to: failback goes.
	if err := testutil.PushAuth(ctx, hpush.Listener.Addr().String(), "library/nginx:outage", img, harborAuth); err != nil {
		t.Fatal(err)
	}
	d.round()
	if got := w.pzRecord(t, w.recB.ID); got != w.recB {
		t.Errorf("after the copy the record is %+v, want the original %+v:\n%s", got, w.recB, d.out.String())
	}
	code, out, errOut := d.stop()
	if code != 0 || !strings.Contains(out, "reverse lag (ACR EE holds, Harbor lacks): 0 missing, 0 stale, 0 unmapped") || !strings.Contains(out, "applied failback") {
		t.Errorf("exit %d, want 0 with the failback applied on an empty reverse lag:\n%s\n%s", code, out, errOut)
	}
	if n := lines(t, w.journal()); n != 4 {
		t.Errorf("journal has %d entries, want 4 (failover and failback, write-ahead)", n)
	}
}

// TestApplyRecordsNameMap: a failover applied with -rpo, Harbor answering (a planned
// switch), records Harbor's name map in the journal, and failback -reverse-check inverts
// that map. Not parallel: it sets the environment.
func TestApplyRecordsNameMap(t *testing.T) {
	t.Setenv("HARBOR_PASSWORD", harborSecret)
	w := newWorld(t)
	if err := w.emu.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "acr-ns", AutoCreateRepo: true}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	hpush := httptest.NewServer(w.hb)
	t.Cleanup(hpush.Close)
	if err := testutil.PushAuth(ctx, hpush.Listener.Addr().String(), "library/nginx:1.25", testutil.NewFixture(3, 64).Image("nginx", 0),
		&authn.Basic{Username: harbortest.DefaultAdmin, Password: harborSecret}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, w.solutionA("-journal", w.journal(), "-reason", "maintenance", "-yes",
		"-rpo", "24h", "-projects", "library", "-namespace", "acr-ns")...)
	if code != 0 || !strings.Contains(out, "name map: 1 Harbor repositories recorded for failback") {
		t.Fatalf("failover with -rpo: exit %d, want 0 with the name map recorded:\n%s\n%s", code, out, errOut)
	}
	entries, err := failover.ReadJournalFile(w.journal())
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := failover.RecordedNameMap(entries); !ok || len(m) != 1 || m["library/nginx"] != "acr-ns/nginx" {
		t.Errorf("RecordedNameMap(journal) = %v, %v; want library/nginx -> acr-ns/nginx", m, ok)
	}
	back := append(w.cmd("failback"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB,
		"-resolver", w.vpcResolver, "-journal", w.journal(), "-min-dwell", "0", "-dry-run",
		"-reverse-check", "-instance", acrtest.DefaultInstanceID, "-projects", "library", "-namespace", "acr-ns")
	if code, out, errOut := cli(t, back...); code != 0 || !strings.Contains(out, "0 missing, 0 stale, 0 unmapped, oldest 0s (inverse of the name map recorded at failover, 1 repositories)") {
		t.Errorf("failback -reverse-check: exit %d, want 0 inverting the recorded map:\n%s\n%s", code, out, errOut)
	}
}
