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
