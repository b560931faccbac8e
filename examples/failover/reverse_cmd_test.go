package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/internal/testutil"
)

// revWorld is the world with what a reverse replication needs: the ACR EE namespace
// acr-ns, and servers of Harbor and of ACR EE's registry the test pushes through (the
// program talks to the world's TLS ones).
type revWorld struct {
	*world
	fx                  *testutil.Fixture
	pushHarbor, pushACR string
}

func newRevWorld(t *testing.T) *revWorld {
	t.Helper()
	t.Setenv("HARBOR_PASSWORD", harborSecret)
	t.Setenv(envACRUser, "") // ACR EE's registry: temporary credentials (GetAuthorizationToken)
	w := &revWorld{world: newWorld(t), fx: testutil.NewFixture(5, 64)}
	if err := w.emu.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "acr-ns", AutoCreateRepo: true}); err != nil {
		t.Fatal(err)
	}
	if err := w.emu.SetPassword(acrtest.DefaultInstanceID, "pusher", "push-pw"); err != nil {
		t.Fatal(err)
	}
	hs, as := httptest.NewServer(w.hb), httptest.NewServer(w.emu.Registry())
	t.Cleanup(hs.Close)
	t.Cleanup(as.Close)
	w.pushHarbor, w.pushACR = hs.Listener.Addr().String(), as.Listener.Addr().String()
	return w
}

// push pushes the image called name to Harbor as harborRef and to ACR EE as acrRef (each
// unless empty) and returns its digest.
func (w *revWorld) push(t *testing.T, name, harborRef, acrRef string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	img := w.fx.Image(name, 0)
	if harborRef != "" {
		if err := testutil.PushAuth(ctx, w.pushHarbor, harborRef, img, &authn.Basic{Username: harbortest.DefaultAdmin, Password: harborSecret}); err != nil {
			t.Fatalf("pushing %s to Harbor: %v", harborRef, err)
		}
	}
	if acrRef != "" {
		if err := testutil.PushAuth(ctx, w.pushACR, acrRef, img, &authn.Basic{Username: "pusher", Password: "push-pw"}); err != nil {
			t.Fatalf("pushing %s to ACR EE: %v", acrRef, err)
		}
	}
	return testutil.Descriptor(img).Digest.String()
}

// reverseArgs is the reverse command against the world, Harbor's project library
// replicated into acr-ns.
func (w *revWorld) reverseArgs(extra ...string) []string {
	return append([]string{"reverse", "-region", "cn-hangzhou", "-acr-api", w.acrAPI, "-harbor", w.harborURL, "-acr", w.acrURL,
		"-ca-file", w.caFile, "-instance", acrtest.DefaultInstanceID, "-projects", "library", "-namespace", "acr-ns"}, extra...)
}

// harborTags is every tag Harbor holds in repo, with its digest.
func (w *revWorld) harborTags(repo string) map[string]string {
	out := map[string]string{}
	for _, a := range w.hb.Artifacts(repo) {
		for _, tag := range a.Tags {
			out[tag] = a.Digest
		}
	}
	return out
}

// recordNameMap journals a failover of target that recorded the forward name map m, as
// failover.Switcher.Apply does.
func recordNameMap(t *testing.T, path string, m map[string]string) {
	t.Helper()
	j, err := failover.OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	e := failover.JournalEntry{PlanID: "p1", Kind: failover.KindFailover, Target: "zone/@", FQDN: zoneName, RecordID: "r1", Name: "@",
		From: failover.Value{Type: "A", Value: harborIP, TTL: 60}, To: failover.Value{Type: "CNAME", Value: acrDomain, TTL: 60},
		At: time.Date(2026, 12, 6, 7, 0, 0, 0, time.UTC), Outcome: failover.OutcomeWritten, NameMap: m}
	if err := j.Append(context.Background(), e); err != nil {
		t.Fatal(err)
	}
}

// TestReverseCarriesOutagePushBack: the reverse command plans the copy of a tag pushed
// into ACR EE during the outage (the dry run and a run without -yes write nothing), -yes
// carries it back into the Harbor repository it maps back to, and a second run writes
// nothing. Not parallel: it sets the environment.
func TestReverseCarriesOutagePushBack(t *testing.T) {
	w := newRevWorld(t)
	w.push(t, "nginx", "library/nginx:1.25", "acr-ns/nginx:1.25")
	outage := w.push(t, "outage", "", "acr-ns/nginx:outage")
	before := w.harborTags("library/nginx")

	code, out, errOut := cli(t, w.reverseArgs("-dry-run")...)
	if code != exitOK {
		t.Fatalf("dry run: exit %d:\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"name map: derived — Harbor's projects flattened into acr-ns now (-flatten 1), inverted",
		"1 missing, 0 stale, 0 unmapped",
		"inverse name map (derived from the forward map):\n  acr-ns/nginx → library/nginx",
		"dry run: nothing was written",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if got := w.harborTags("library/nginx"); !cmp.Equal(got, before) {
		t.Errorf("the dry run wrote into Harbor: %v, was %v", got, before)
	}

	code, out, errOut = cli(t, w.reverseArgs("-dry-run", "-json")...)
	var doc struct {
		NameMap string `json:"name_map"`
		Plan    struct {
			Recorded bool              `json:"recorded"`
			Inverse  map[string]string `json:"inverse"`
		} `json:"plan"`
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal([]byte(out), &doc); code != exitOK || err != nil {
		t.Fatalf("-dry-run -json: exit %d, %v:\n%s\n%s", code, err, out, errOut)
	}
	jsontest.SnakeCase(t, json.RawMessage(out), ".plan.inverse", ".plan.sync.manifests")
	if doc.NameMap != "derived" || doc.Plan.Recorded || doc.Plan.Inverse["acr-ns/nginx"] != "library/nginx" || doc.Result != nil {
		t.Errorf("-json = %+v, want the derived map, acr-ns/nginx → library/nginx, no result", doc)
	}
	if !strings.Contains(errOut, "dry run: nothing was written") {
		t.Errorf("with -json the step lines belong on stderr:\n%s", errOut)
	}

	if code, out, errOut := cli(t, w.reverseArgs()...); code != exitRefused || !strings.Contains(errOut, "without -yes") {
		t.Errorf("without -yes: exit %d, want 3:\n%s\n%s", code, out, errOut)
	}
	if got := w.harborTags("library/nginx"); !cmp.Equal(got, before) {
		t.Errorf("the run without -yes wrote into Harbor: %v, was %v", got, before)
	}

	code, out, errOut = cli(t, w.reverseArgs("-yes")...)
	if code != exitOK || !strings.Contains(out, "reverse replication: 1 copied") || !strings.Contains(out, "reverse lag now complete") {
		t.Fatalf("-yes: exit %d, want 0 with the tag copied:\n%s\n%s", code, out, errOut)
	}
	after := w.harborTags("library/nginx")
	if after["outage"] != outage || after["1.25"] != before["1.25"] {
		t.Errorf("after -yes Harbor's library/nginx holds %v, want outage at %s and 1.25 as it was", after, outage)
	}

	code, out, errOut = cli(t, w.reverseArgs("-yes")...)
	if code != exitOK || !strings.Contains(out, "nothing to do") {
		t.Errorf("second -yes: exit %d, want 0 with nothing to do:\n%s\n%s", code, out, errOut)
	}
	if got := w.harborTags("library/nginx"); !cmp.Equal(got, after) {
		t.Errorf("the second run wrote into Harbor: %v, was %v", got, after)
	}
}

// TestReverseRecordedNameMap: with -journal the reverse command inverts the name map the
// failover recorded, exact where the map derived now is ambiguous (a Harbor repository
// created since flattens onto the same ACR EE repository: refused, exit 3, nothing
// written), and failback -reverse-check measures through the same recorded map: refused
// before the copy, clear after it. Not parallel: it sets the environment.
func TestReverseRecordedNameMap(t *testing.T) {
	w := newRevWorld(t)
	w.push(t, "nginx", "library/a/nginx:1", "acr-ns/nginx:1")
	// A planned failover (Harbor answering) records Harbor's name map: flatten all.
	fo := w.solutionA("-journal", w.journal(), "-reason", "maintenance", "-yes",
		"-rpo", "24h", "-projects", "library", "-namespace", "acr-ns", "-flatten", "-1")
	if code, out, errOut := cli(t, fo...); code != 0 || !strings.Contains(out, "name map: 1 Harbor repositories recorded for failback") {
		t.Fatalf("failover: exit %d, want 0 with the name map recorded:\n%s\n%s", code, out, errOut)
	}
	outage := w.push(t, "outage", "", "acr-ns/nginx:outage")
	w.push(t, "other", "library/b/nginx:2", "") // since the failover: also flattens to acr-ns/nginx
	before := w.harborTags("library/a/nginx")

	rev := w.reverseArgs("-flatten", "-1")
	if code, out, errOut := cli(t, append(rev, "-yes")...); code != exitRefused || !strings.Contains(errOut, "ambiguous inverse") {
		t.Errorf("derived map with two Harbor repositories on acr-ns/nginx: exit %d, want 3 (ambiguous):\n%s\n%s", code, out, errOut)
	}
	back := append(w.cmd("failback"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB, "-resolver", w.vpcResolver,
		"-journal", w.journal(), "-min-dwell", "0", "-reverse-check", "-instance", acrtest.DefaultInstanceID,
		"-projects", "library", "-namespace", "acr-ns", "-flatten", "-1")
	if code, out, errOut := cli(t, append(back, "-dry-run")...); code != exitRefused ||
		!strings.Contains(out, "1 missing, 0 stale, 0 unmapped") || !strings.Contains(out, "(inverse of the name map recorded at failover, 1 repositories)") {
		t.Errorf("failback before the copy: exit %d, want 3 with the outage tag missing through the recorded map:\n%s\n%s", code, out, errOut)
	}

	rev = append(rev, "-journal", w.journal())
	code, out, errOut := cli(t, append(rev, "-dry-run")...)
	if code != exitOK {
		t.Fatalf("recorded map dry run: exit %d:\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"name map: recorded at failover in " + w.journal() + ", 1 repositories (inverted)",
		"inverse name map (recorded):\n  acr-ns/nginx → library/a/nginx",
		"1 missing, 0 stale, 0 unmapped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("recorded map dry run lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = cli(t, append(rev, "-dry-run", "-json")...)
	if code != exitOK || !regexp.MustCompile(`"name_map": "recorded"`).MatchString(out) || !strings.Contains(out, `"recorded": true`) {
		t.Errorf("recorded map -json: exit %d, want name_map recorded:\n%s\n%s", code, out, errOut)
	}
	if got := w.harborTags("library/a/nginx"); !cmp.Equal(got, before) {
		t.Errorf("the dry runs wrote into Harbor: %v, was %v", got, before)
	}
	if code, out, errOut := cli(t, append(rev, "-yes")...); code != exitOK || !strings.Contains(out, "1 copied") {
		t.Fatalf("recorded map -yes: exit %d, want 0:\n%s\n%s", code, out, errOut)
	}
	if got := w.harborTags("library/a/nginx"); got["outage"] != outage {
		t.Errorf("Harbor's library/a/nginx holds %v, want outage at %s", got, outage)
	}
	if got := w.harborTags("library/b/nginx"); len(got) != 1 {
		t.Errorf("Harbor's library/b/nginx holds %v, want only its own tag", got)
	}
	if code, out, errOut := cli(t, append(back, "-dry-run")...); code != exitOK || !strings.Contains(out, "0 missing, 0 stale, 0 unmapped") {
		t.Errorf("failback after the copy: exit %d, want 0 with nothing missing:\n%s\n%s", code, out, errOut)
	}
}

// TestReverseAmbiguousRecordedMap: a recorded name map in which two Harbor repositories
// share one ACR EE repository cannot be inverted: refused, exit 3, nothing written.
// Not parallel: it sets the environment.
func TestReverseAmbiguousRecordedMap(t *testing.T) {
	w := newRevWorld(t)
	w.push(t, "nginx", "library/a/nginx:1", "acr-ns/nginx:1")
	w.push(t, "outage", "", "acr-ns/nginx:outage")
	recordNameMap(t, w.journal(), map[string]string{"library/a/nginx": "acr-ns/nginx", "library/b/nginx": "acr-ns/nginx"})
	before := w.harborTags("library/a/nginx")
	code, out, errOut := cli(t, w.reverseArgs("-journal", w.journal(), "-yes")...)
	if code != exitRefused || !strings.Contains(errOut, "ambiguous inverse") || !strings.Contains(errOut, `"library/a/nginx", "library/b/nginx" all map to "acr-ns/nginx"`) {
		t.Errorf("ambiguous recorded map: exit %d, want 3 naming the collision:\n%s\n%s", code, out, errOut)
	}
	if got := w.harborTags("library/a/nginx"); !cmp.Equal(got, before) || len(w.harborTags("library/b/nginx")) != 0 {
		t.Errorf("the refused run wrote into Harbor: %v, was %v", got, before)
	}
}

// TestReverseRefusals: a plan with an unmapped repository or a stale Harbor tag is
// printed and refused (exit 3) before any write; -overwrite copies over the stale tag.
// Not parallel: it sets the environment.
func TestReverseRefusals(t *testing.T) {
	w := newRevWorld(t)
	w.push(t, "nginx", "library/nginx:1.25", "acr-ns/nginx:1.25")
	w.push(t, "harbor-1.26", "library/nginx:1.26", "")
	acr126 := w.push(t, "acr-1.26", "", "acr-ns/nginx:1.26")
	before := w.harborTags("library/nginx")
	code, out, errOut := cli(t, w.reverseArgs("-yes")...)
	if code != exitRefused || !strings.Contains(out, "1 stale") || !strings.Contains(errOut, "harbor tag holds another digest") {
		t.Errorf("a stale Harbor tag: exit %d, want 3:\n%s\n%s", code, out, errOut)
	}
	if got := w.harborTags("library/nginx"); !cmp.Equal(got, before) {
		t.Errorf("the refused run wrote into Harbor: %v, was %v", got, before)
	}
	if code, out, errOut := cli(t, w.reverseArgs("-overwrite", "-yes")...); code != exitOK || w.harborTags("library/nginx")["1.26"] != acr126 {
		t.Errorf("-overwrite: exit %d, want 0 with 1.26 at ACR EE's digest:\n%s\n%s", code, out, errOut)
	}

	w.push(t, "brand-new", "", "acr-ns/brand-new:1")
	code, out, errOut = cli(t, w.reverseArgs("-yes")...)
	if code != exitRefused || !strings.Contains(out, "unmapped acr-ns/brand-new:1") || !strings.Contains(errOut, "map back to no Harbor repository") {
		t.Errorf("an unmapped repository: exit %d, want 3:\n%s\n%s", code, out, errOut)
	}
	if repos := w.hb.Repositories(); len(repos) != 1 {
		t.Errorf("Harbor's repositories after the refusal: %v, want library/nginx only", repos)
	}
}

// TestReverseUsage: reverse has its own flags — no DNS flag — and refuses bad ones
// (exit 2) before any request.
func TestReverseUsage(t *testing.T) {
	t.Parallel()
	code, out, errOut := cli(t, "reverse", "-h")
	if code != exitOK || out != "" {
		t.Errorf("reverse -h: exit %d, stdout %q; want 0 and the usage on stderr", code, out)
	}
	flagLine := func(name string) bool {
		return regexp.MustCompile(`(?m)^  -` + name + `( |$)`).MatchString(errOut)
	}
	for _, f := range []string{"harbor", "acr", "instance", "region", "projects", "namespace", "flatten", "journal", "overwrite",
		"dry-run", "yes", "json", "harbor-password-file", "registry-user", "registry-password-file", "access-key-secret-file", "ca-file"} {
		if !flagLine(f) {
			t.Errorf("reverse -h lacks -%s:\n%s", f, errOut)
		}
	}
	for _, f := range []string{"solution", "zone", "vpc", "primary", "resolver", "probes", "rpo", "plan", "out", "force", "reverse-check"} {
		if flagLine(f) {
			t.Errorf("reverse -h has -%s:\n%s", f, errOut)
		}
	}
	if _, _, errOut := cli(t, "-h"); !strings.Contains(errOut, "  reverse ") {
		t.Errorf("the top usage does not list reverse:\n%s", errOut)
	}

	ok := []string{"reverse", "-region", "cn-hangzhou", "-harbor", "https://harbor.example", "-acr", "https://acr.example",
		"-instance", "cri-x", "-projects", "library"}
	drop := func(flag string) []string {
		var out []string
		for i := 0; i < len(ok); i++ {
			if ok[i] == flag {
				i++
				continue
			}
			out = append(out, ok[i])
		}
		return out
	}
	tests := map[string][]string{
		"no harbor":           drop("-harbor"),
		"no acr":              drop("-acr"),
		"no instance":         drop("-instance"),
		"no region":           drop("-region"),
		"two projects":        append(drop("-projects"), "-projects", "a,b"),
		"dry run and yes":     append(slices.Clone(ok), "-dry-run", "-yes"),
		"flatten -2":          append(slices.Clone(ok), "-flatten", "-2"),
		"a DNS flag":          append(slices.Clone(ok), "-solution", "privatezone"),
		"extra argument":      append(slices.Clone(ok), "now"),
		"url with a password": append(drop("-acr"), "-acr", "https://u:hunter2@acr.example"),
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := cli(t, args...)
			if code != exitUsage || strings.Contains(errOut, "hunter2") {
				t.Errorf("run(%q) = %d, want 2 (and no password echoed):\n%s", args, code, errOut)
			}
		})
	}
}

// TestFailbackAmbiguousRecordedMap: a failover that recorded a name map in which two
// Harbor repositories share one ACR EE repository (flatten-all over nested repositories)
// leaves failback -reverse-check and the reverse command refusing alike (exit 3,
// nothing written): neither guesses where ACR EE's tags belong. Not parallel: it sets
// the environment.
func TestFailbackAmbiguousRecordedMap(t *testing.T) {
	w := newRevWorld(t)
	w.push(t, "a", "library/a/nginx:1", "acr-ns/nginx:1")
	w.push(t, "b", "library/b/nginx:2", "")
	fo := w.solutionA("-journal", w.journal(), "-reason", "maintenance", "-yes", "-rpo", "24h", "-force",
		"-projects", "library", "-namespace", "acr-ns", "-flatten", "-1")
	if code, out, errOut := cli(t, fo...); code != 0 || !strings.Contains(out, "name map: 2 Harbor repositories recorded for failback") {
		t.Fatalf("failover: exit %d, want 0 with both repositories recorded:\n%s\n%s", code, out, errOut)
	}
	before := lines(t, w.journal())
	back := append(w.cmd("failback"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB, "-resolver", w.vpcResolver,
		"-journal", w.journal(), "-min-dwell", "0", "-reverse-check", "-instance", acrtest.DefaultInstanceID,
		"-projects", "library", "-namespace", "acr-ns", "-reason", "harbor recovered", "-yes")
	if code, out, errOut := cli(t, back...); code != exitRefused || !strings.Contains(errOut, "ambiguous inverse") {
		t.Errorf("failback -reverse-check: exit %d, want 3 (ambiguous inverse):\n%s\n%s", code, out, errOut)
	}
	if n := lines(t, w.journal()); n != before || w.pzRecord(t, w.recB.ID).Type != "CNAME" {
		t.Errorf("the refused failback wrote: journal %d entries (was %d)", n, before)
	}
	if code, out, errOut := cli(t, w.reverseArgs("-journal", w.journal(), "-yes")...); code != exitRefused || !strings.Contains(errOut, "ambiguous inverse") {
		t.Errorf("reverse: exit %d, want 3 (ambiguous inverse):\n%s\n%s", code, out, errOut)
	}
}

// crActions are the ACR OpenAPI actions acrtest serves.
var crActions = []string{"CreateInstanceCustomizedDomain", "CreateNamespace", "CreateRepoSyncRule", "GetAuthorizationToken",
	"GetInstance", "GetInstanceCustomizedDomain", "GetInstanceEndpoint", "GetInstanceVpcEndpoint", "GetNamespace",
	"GetRepoSyncTask", "GetRepository", "ListInstanceEndpoint", "ListNamespace", "ListRepoSyncRule", "ListRepoSyncTask",
	"ListRepoTag", "ListRepository", "UpdateInstanceCustomizedDomain", "UpdateNamespace"}

// calls counts the calls of each RAM action ("cr:Name", "pvtz:Name") the emulators saw.
func (w *world) calls() map[string]int {
	out := map[string]int{}
	for _, a := range crActions {
		if n := w.emu.CallCount(a); n > 0 {
			out["cr:"+a] = n
		}
	}
	for _, c := range w.pz.Calls() {
		out["pvtz:"+c]++
	}
	return out
}

// calledSince returns the RAM actions called since the counts before, sorted.
func (w *world) calledSince(before map[string]int) []string {
	var out []string
	for a, n := range w.calls() {
		if n > before[a] {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// TestRAMActions: the Alibaba Cloud API actions the reverse command, the drill and
// failback -reverse-check call are those README's "RAM permissions" table lists for them.
// Not parallel: it sets the environment.
func TestRAMActions(t *testing.T) {
	t.Run("reverse", func(t *testing.T) {
		w := newRevWorld(t)
		w.push(t, "nginx", "library/nginx:1.25", "acr-ns/nginx:1.25")
		w.push(t, "outage", "", "acr-ns/nginx:outage")
		before := w.calls()
		if code, out, errOut := cli(t, w.reverseArgs("-yes")...); code != exitOK {
			t.Fatalf("reverse -yes: exit %d:\n%s\n%s", code, out, errOut)
		}
		want := []string{"cr:GetAuthorizationToken", "cr:GetRepository", "cr:ListRepoTag", "cr:ListRepository"}
		if d := cmp.Diff(want, w.calledSince(before)); d != "" {
			t.Errorf("reverse -yes called (-want +got):\n%s", d)
		}
	})
	t.Run("failback -reverse-check", func(t *testing.T) {
		w := newRevWorld(t)
		w.push(t, "nginx", "library/nginx:1.25", "acr-ns/nginx:1.25")
		if code, out, errOut := cli(t, w.solutionA("-journal", w.journal(), "-reason", "maintenance", "-yes")...); code != exitOK {
			t.Fatalf("failover: exit %d:\n%s\n%s", code, out, errOut)
		}
		before := w.calls()
		back := append(w.cmd("failback"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB, "-resolver", w.vpcResolver,
			"-journal", w.journal(), "-min-dwell", "0", "-reverse-check", "-instance", acrtest.DefaultInstanceID,
			"-projects", "library", "-namespace", "acr-ns", "-yes")
		if code, out, errOut := cli(t, back...); code != exitOK {
			t.Fatalf("failback: exit %d:\n%s\n%s", code, out, errOut)
		}
		want := []string{"cr:GetRepository", "cr:ListRepoTag", "cr:ListRepository",
			"pvtz:DescribeZoneInfo", "pvtz:DescribeZoneRecords", "pvtz:DescribeZones", "pvtz:UpdateZoneRecord"}
		if d := cmp.Diff(want, w.calledSince(before)); d != "" {
			t.Errorf("failback -reverse-check called (-want +got):\n%s", d)
		}
	})
	t.Run("drill -rpo", func(t *testing.T) {
		w := newDrillWorld(t)
		before := w.calls()
		if code, out, errOut := cli(t, w.args(w.goodPort, "-rpo", "1h")...); code != exitOK {
			t.Fatalf("drill -rpo: exit %d:\n%s\n%s", code, out, errOut)
		}
		want := []string{"cr:GetInstanceEndpoint", "cr:GetRepository", "cr:ListRepoTag", "cr:ListRepository",
			"pvtz:DescribeZoneInfo", "pvtz:DescribeZoneRecords", "pvtz:DescribeZones"}
		if d := cmp.Diff(want, w.calledSince(before)); d != "" {
			t.Errorf("drill -rpo called (-want +got):\n%s", d)
		}
	})
}

// TestReverseSecretFiles: reverse reads Harbor's password from $HARBOR_PASSWORD_FILE and
// ACR EE's registry login from -registry-user and -registry-password-file (a mounted
// Secret), never prints them, and an unreadable secret file exits 2 before any request.
// Not parallel: it sets the environment.
func TestReverseSecretFiles(t *testing.T) {
	w := newRevWorld(t)
	w.push(t, "nginx", "library/nginx:1.25", "acr-ns/nginx:1.25")
	outage := w.push(t, "outage", "", "acr-ns/nginx:outage")
	harborFile, acrFile := filepath.Join(w.dir, "harbor-pw"), filepath.Join(w.dir, "acr-pw")
	for f, secret := range map[string]string{harborFile: harborSecret + "\n", acrFile: "push-pw\n"} {
		if err := os.WriteFile(f, []byte(secret), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HARBOR_PASSWORD", "")
	t.Setenv("HARBOR_PASSWORD_FILE", harborFile)
	before := w.calls()
	code, out, errOut := cli(t, w.reverseArgs("-registry-user", "pusher", "-registry-password-file", acrFile, "-yes")...)
	if code != exitOK || w.harborTags("library/nginx")["outage"] != outage {
		t.Fatalf("secrets from files: exit %d, want 0 with the tag carried back:\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "push-pw") {
		t.Errorf("the registry password was printed:\n%s\n%s", out, errOut)
	}
	if slices.Contains(w.calledSince(before), "cr:GetAuthorizationToken") {
		t.Error("with -registry-user the registry login still asked GetAuthorizationToken")
	}
	if code, _, errOut := cli(t, w.reverseArgs("-registry-user", "pusher", "-registry-password-file", filepath.Join(w.dir, "nope"), "-dry-run")...); code != exitUsage || !strings.Contains(errOut, "-registry-password-file") {
		t.Errorf("an unreadable -registry-password-file: exit %d, want 2:\n%s", code, errOut)
	}
}
