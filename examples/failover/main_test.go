package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/replication/lag"
)

const (
	zoneName     = "cross-region.registry.io"
	vpcA, vpcB   = "vpc-aaaaa", "vpc-bbbbb"
	harborIP     = "10.0.0.1"
	harborPublic = "203.0.113.10"
	acrDomain    = "cri-dr-registry.cn-hangzhou.cr.aliyuncs.com"
	acrIP        = "47.0.0.1"
	acrVPCIP     = "192.168.0.10"
	// The AccessKey the default credential chain finds in the environment, and that every
	// emulator accepts. Its secret must never reach the command's output.
	keyID     = "LTAI-failover-cli"
	keySecret = "cli-SECRET-never-printed-31337"
	// Harbor's admin password, handed over in $HARBOR_PASSWORD for the lag check.
	harborSecret = "harbor-SECRET-never-printed-4242"
)

// TestMain hands the AccessKey to the credentials-go default chain through the
// environment, as an operator would; nothing of the machine's own configuration is read.
func TestMain(m *testing.M) {
	home, err := os.MkdirTemp("", "failover-home")
	if err != nil {
		panic(err)
	}
	for k, v := range map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": keyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": keySecret, "HOME": home} {
		os.Setenv(k, v)
	}
	for _, k := range []string{"ALIBABA_CLOUD_SECURITY_TOKEN", "ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_CREDENTIALS_FILE", "HARBOR_PASSWORD"} {
		os.Unsetenv(k)
	}
	// The signal test runs the real main in a child process of the test binary.
	if args := os.Getenv(mainArgsEnv); args != "" {
		var a []string
		if err := json.Unmarshal([]byte(args), &a); err != nil {
			panic(err)
		}
		os.Args = append([]string{"failover"}, a...)
		main()
	}
	code := m.Run()
	os.RemoveAll(home)
	os.Exit(code)
}

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

// quietTLS serves h over TLS without logging the handshakes the tests make fail on
// purpose. The caller closes it.
func quietTLS(h http.Handler) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	return s
}

// world is every cloud the command talks to, on loopback: PrivateZone with two zones named
// cross-region.registry.io (bound to different VPCs) and example.com, Alidns with
// example.com, the ACR OpenAPI and registry, Harbor, and a DNS server answering from the
// emulated zones for vpc-bbbbb and for the internet.
type world struct {
	pz                         *dnstest.PrivateZone
	ad                         *dnstest.Alidns
	pzAPI, adAPI, acrAPI       string
	recA, recB, vpcRec, pubRec dns.Record
	vpcResolver, pubResolver   string
	harborURL, acrURL, caFile  string
	harborDown, acrDown        atomic.Bool
	dir                        string
	emu                        *acrtest.Server // the ACR EE emulator, to push into
	hb                         *harbortest.Server
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{dir: t.TempDir()}
	w.pz = dnstest.NewPrivateZone(dnstest.WithAccessKey(keyID, keySecret))
	za := w.pz.AddZone(zoneName, vpcA)
	zb := w.pz.AddZone(zoneName, vpcB)
	zc := w.pz.AddZone("example.com", vpcB)
	w.recA = must(t)(w.pz.AddRecord(za.ID, dns.Record{Name: "@", Type: "A", Value: "10.9.9.9", TTL: 60}))
	w.recB = must(t)(w.pz.AddRecord(zb.ID, dns.Record{Name: "@", Type: "A", Value: harborIP, TTL: 60}))
	w.vpcRec = must(t)(w.pz.AddRecord(zc.ID, dns.Record{Name: "harbor", Type: "A", Value: harborPublic, TTL: 3600}))
	w.pzAPI = "http://" + w.pz.Start(t)

	w.ad = dnstest.NewAlidns(dnstest.WithAccessKey(keyID, keySecret))
	w.ad.AddDomain("example.com")
	w.pubRec = must(t)(w.ad.AddRecord("example.com", dns.Record{Name: "harbor", Type: "A", Value: harborPublic, TTL: 600}))
	w.adAPI = "http://" + w.ad.Start(t)

	emu := acrtest.New(acrtest.WithAccessKey(keyID, keySecret))
	w.emu = emu
	if err := emu.SetDomains(acrtest.DefaultInstanceID, acrtest.EndpointInternet, acrtest.Domain{Name: acrDomain, Type: acrtest.DomainSystem}); err != nil {
		t.Fatal(err)
	}
	if err := emu.SetLinkedVPCs(acrtest.DefaultInstanceID, acrtest.LinkedVPC{VPCID: vpcB, VSwitchID: "vsw-1", IP: acrVPCIP}); err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(emu.OpenAPI())
	t.Cleanup(api.Close)
	w.acrAPI = "http://" + api.Listener.Addr().String()
	reg := quietTLS(switchable(emu.Registry(), &w.acrDown))
	t.Cleanup(reg.Close)
	w.acrURL = reg.URL

	hb := harbortest.New(harbortest.WithAdmin("admin", harborSecret))
	w.hb = hb
	t.Cleanup(func() { hb.Close() })
	hs := quietTLS(switchable(spectest.Handler(t, hb), &w.harborDown)) // every API exchange held to Harbor's swagger
	t.Cleanup(hs.Close)
	w.harborURL = hs.URL
	// Both servers present httptest's certificate: trust it through -ca-file, so the
	// probes verify TLS for real.
	w.caFile = filepath.Join(w.dir, "ca.pem")
	if err := os.WriteFile(w.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	srv, err := dnstest.NewDNSServer(dnstest.WithPrivateZone(w.pz), dnstest.WithAlidns(w.ad),
		dnstest.WithUpstream(map[string][]string{acrDomain: {acrIP}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if w.vpcResolver, err = srv.ListenVPC(vpcB); err != nil {
		t.Fatal(err)
	}
	if w.pubResolver, err = srv.ListenPublic(); err != nil {
		t.Fatal(err)
	}
	return w
}

// common are the flags every run shares: where the clouds are, the registries, and probes
// that never wait.
func (w *world) common() []string {
	return []string{"-region", "cn-hangzhou", "-acr-api", w.acrAPI, "-pvtz-api", w.pzAPI, "-alidns-api", w.adAPI,
		"-harbor", w.harborURL, "-acr", w.acrURL, "-ca-file", w.caFile,
		"-probes", "5", "-probe-interval", "0", "-verify-timeout", "10s", "-verify-interval", "10ms"}
}

// cmd is a command with the common flags.
func (w *world) cmd(name string) []string { return append([]string{name}, w.common()...) }

// solutionA is the runbook's case (a) for failover: apply.
func (w *world) solutionA(extra ...string) []string {
	return append(append(w.cmd("apply"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB,
		"-primary", harborIP, "-instance", acrtest.DefaultInstanceID, "-resolver", w.vpcResolver), extra...)
}

func (w *world) journal() string { return filepath.Join(w.dir, "journal.jsonl") }

func (w *world) pzRecord(t *testing.T, id string) dns.Record {
	t.Helper()
	r, ok := w.pz.Record(id)
	if !ok {
		t.Fatalf("record %s vanished", id)
	}
	return r
}

// cli runs the command and fails the test if the AccessKey secret shows up anywhere in
// what it printed.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code = run(ctx, args, &out, &errOut)
	for _, s := range []string{out.String(), errOut.String()} {
		if strings.Contains(s, keySecret) || strings.Contains(s, harborSecret) {
			t.Errorf("a secret was printed:\n%s", s)
		}
	}
	return code, out.String(), errOut.String()
}

func lookup(t *testing.T, server, fqdn, typ string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := failover.DNSLookup(ctx, server, fqdn, typ)
	if err != nil {
		t.Fatalf("DNSLookup(%s, %s %s): %v", server, fqdn, typ, err)
	}
	return got
}

func must(t *testing.T) func(dns.Record, error) dns.Record {
	return func(r dns.Record, err error) dns.Record {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func lines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

func TestDryRunAndNoConfirmationWriteNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.harborDown.Store(true)

	code, out, errOut := cli(t, w.solutionA("-dry-run", "-journal", w.journal())...)
	if code != 0 {
		t.Fatalf("dry run exit %d:\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"bound to " + vpcB, "probe 5/5 harbor " + w.harborURL + ": down (HTTP 503)", "health acr-ee: up",
		"health harbor: down", "CNAME " + acrDomain, "dry run: nothing was written",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = cli(t, w.solutionA("-dry-run", "-json")...)
	if code != 0 {
		t.Fatalf("dry run -json exit %d: %s", code, errOut)
	}
	var plan failover.Plan
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatalf("-json output is not a plan: %v\n%s", err, out)
	}
	jsontest.SnakeCase(t, json.RawMessage(out))
	if len(plan.Changes) != 1 || plan.Changes[0].FQDN != zoneName || plan.Changes[0].RecordID != w.recB.ID ||
		plan.Changes[0].To != (failover.Value{Type: "CNAME", Value: acrDomain, TTL: 60}) {
		t.Errorf("planned changes = %+v, want %s record %s -> CNAME %s ttl 60", plan.Changes, zoneName, w.recB.ID, acrDomain)
	}
	if !strings.Contains(errOut, "probe 1/5") {
		t.Errorf("with -json the step lines belong on stderr:\n%s", errOut)
	}

	code, out, errOut = cli(t, w.solutionA("-journal", w.journal(), "-reason", "harbor down")...)
	if code != 3 || !strings.Contains(errOut, "without -yes") || !strings.Contains(out, "CNAME "+acrDomain) {
		t.Errorf("without -yes: exit %d, want 3 with the plan printed and a refusal:\n%s\n%s", code, out, errOut)
	}
	if n := w.pz.CallCount("UpdateZoneRecord"); n != 0 {
		t.Errorf("UpdateZoneRecord called %d times without -yes", n)
	}
	if got := w.pzRecord(t, w.recB.ID); got != w.recB {
		t.Errorf("record = %+v, want untouched %+v", got, w.recB)
	}
	if exists(w.journal()) {
		t.Error("the journal file was created by a run that wrote nothing")
	}
}

// TestPrivateZoneFailoverAndFailback is the runbook's solution (a) end to end: fail over
// while Harbor is down, see the CNAME through the VPC's DNS server, then fail back to the
// exact previous record once Harbor is healthy again.
func TestPrivateZoneFailoverAndFailback(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.harborDown.Store(true)

	code, out, errOut := cli(t, w.solutionA("-journal", w.journal(), "-reason", "harbor down", "-yes")...)
	if code != 0 {
		t.Fatalf("failover exit %d:\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"wrote " + zoneName + " record " + w.recB.ID, "verified " + zoneName + " through " + w.vpcResolver, "journal " + w.journal()} {
		if !strings.Contains(out, want) {
			t.Errorf("failover output lacks %q:\n%s", want, out)
		}
	}
	if got, want := w.pzRecord(t, w.recB.ID), (dns.Record{ID: w.recB.ID, Name: "@", Type: "CNAME", Value: acrDomain, TTL: 60, Status: w.recB.Status}); got != want {
		t.Errorf("after failover the record is %+v, want %+v", got, want)
	}
	if got := w.pzRecord(t, w.recA.ID); got != w.recA {
		t.Errorf("the zone bound to %s was changed: %+v", vpcA, got)
	}
	if got := lookup(t, w.vpcResolver, zoneName, "CNAME"); !slices.Equal(got, []string{acrDomain}) {
		t.Errorf("%s CNAME through the VPC resolver = %v, want %s", zoneName, got, acrDomain)
	}
	if n := lines(t, w.journal()); n != 2 {
		t.Errorf("journal has %d entries, want 2 (intent and outcome)", n)
	}

	// Running it again changes nothing.
	if code, out, errOut := cli(t, w.solutionA("-journal", w.journal(), "-yes")...); code != 0 || !strings.Contains(out, "nothing to do") {
		t.Errorf("second failover exit %d, want 0 with nothing to do:\n%s\n%s", code, out, errOut)
	}

	back := append(w.cmd("failback"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB,
		"-resolver", w.vpcResolver, "-journal", w.journal(), "-reason", "harbor recovered")
	if code, _, errOut := cli(t, append(back, "-yes")...); code != exitRefused || !strings.Contains(errOut, "primary registry has not been healthy") {
		t.Errorf("failback while Harbor is down: exit %d, want 3 (primary unhealthy):\n%s", code, errOut)
	}
	w.harborDown.Store(false)
	if code, out, errOut := cli(t, append(back, "-min-dwell", "0", "-dry-run")...); code != 0 || !strings.Contains(out, "-> A "+harborIP+" ttl 60") {
		t.Errorf("failback dry run: exit %d, want 0 with the restore planned:\n%s\n%s", code, out, errOut)
	}
	if n := lines(t, w.journal()); n != 2 || w.pzRecord(t, w.recB.ID).Type != "CNAME" {
		t.Errorf("the failback dry run wrote: journal has %d entries", n)
	}
	if code, _, errOut := cli(t, append(back, "-yes")...); code != exitRefused || !strings.Contains(errOut, "minimum dwell") {
		t.Errorf("failback right after failover: exit %d, want 3 (minimum dwell):\n%s", code, errOut)
	}
	code, out, errOut = cli(t, append(back, "-min-dwell", "0", "-yes")...)
	if code != 0 {
		t.Fatalf("failback exit %d:\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "CNAME "+acrDomain+" ttl 60 -> A "+harborIP+" ttl 60") {
		t.Errorf("failback output does not show the restore:\n%s", out)
	}
	if diff := cmp.Diff(w.recB, w.pzRecord(t, w.recB.ID)); diff != "" {
		t.Errorf("after failback the record differs from the original (-want +got):\n%s", diff)
	}
	if got := lookup(t, w.vpcResolver, zoneName, "A"); !slices.Equal(got, []string{harborIP}) {
		t.Errorf("%s A through the VPC resolver = %v, want %s", zoneName, got, harborIP)
	}
	if n := lines(t, w.journal()); n != 4 {
		t.Errorf("journal has %d entries, want 4 (two writes, write-ahead)", n)
	}
	if code, _, errOut := cli(t, append(back, "-min-dwell", "0", "-yes")...); code != exitRefused || !strings.Contains(errOut, "no failover in the journal") {
		t.Errorf("second failback: exit %d, want 3 (nothing to fail back):\n%s", code, errOut)
	}
}

// TestSolutions plans and applies the runbook's solutions (b) and (c) through the real
// providers, and checks the answer through the DNS server the clients use.
func TestSolutions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     func(w *world) []string
		mode     []string // failover only
		resolver func(w *world) string
		record   func(w *world) dns.Record
		want     failover.Value
	}{
		{"b public CNAME", func(w *world) []string {
			return []string{"-solution", "public", "-zone", "example.com", "-record", "harbor", "-resolver", w.pubResolver}
		}, []string{"-type", "CNAME"}, func(w *world) string { return w.pubResolver }, func(w *world) dns.Record {
			r, _ := w.ad.Record(w.pubRec.ID)
			return r
		}, failover.Value{Type: "CNAME", Value: acrDomain, TTL: 600}},
		{"b public A", func(w *world) []string {
			return []string{"-solution", "public", "-zone", "example.com", "-record", "harbor", "-resolver", w.pubResolver}
		}, []string{"-type", "A"}, func(w *world) string { return w.pubResolver }, func(w *world) dns.Record {
			r, _ := w.ad.Record(w.pubRec.ID)
			return r
		}, failover.Value{Type: "A", Value: acrIP, TTL: 600}},
		{"c VPC IP", func(w *world) []string {
			return []string{"-solution", "vpc", "-zone", "example.com", "-vpc", vpcB, "-record", "harbor", "-resolver", w.vpcResolver}
		}, nil, func(w *world) string { return w.vpcResolver }, func(w *world) dns.Record {
			r, _ := w.pz.Record(w.vpcRec.ID)
			return r
		}, failover.Value{Type: "A", Value: acrVPCIP, TTL: 3600}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.harborDown.Store(true)
			args := append(append(append(w.cmd("apply"), tt.args(w)...), tt.mode...), "-primary", harborPublic, "-instance", acrtest.DefaultInstanceID, "-journal", w.journal())
			before := tt.record(w)
			code, out, errOut := cli(t, append(args, "-dry-run")...)
			if code != 0 || !strings.Contains(out, tt.want.String()) {
				t.Fatalf("dry run exit %d, want 0 with a plan to %s:\n%s\n%s", code, tt.want, out, errOut)
			}
			if got := tt.record(w); got != before {
				t.Fatalf("the dry run changed the record: %+v", got)
			}
			code, out, errOut = cli(t, append(args, "-yes")...)
			if code != 0 {
				t.Fatalf("failover exit %d:\n%s\n%s", code, out, errOut)
			}
			got := tt.record(w)
			if v := (failover.Value{Type: got.Type, Value: got.Value, TTL: got.TTL}); v != tt.want || got.ID != before.ID {
				t.Errorf("record after failover = %+v, want %s (same ID %s)", got, tt.want, before.ID)
			}
			if got := lookup(t, tt.resolver(w), "harbor.example.com", tt.want.Type); !slices.Equal(got, []string{tt.want.Value}) {
				t.Errorf("harbor.example.com %s = %v, want %s", tt.want.Type, got, tt.want.Value)
			}
			w.harborDown.Store(false)
			back := append(append(w.cmd("failback"), tt.args(w)...), "-min-dwell", "0", "-journal", w.journal(), "-yes")
			if code, out, errOut := cli(t, back...); code != 0 {
				t.Fatalf("failback exit %d:\n%s\n%s", code, out, errOut)
			}
			if diff := cmp.Diff(before, tt.record(w)); diff != "" {
				t.Errorf("after failback (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecondaryUnhealthyRefuses(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.harborDown.Store(true)
	w.acrDown.Store(true)
	code, out, errOut := cli(t, w.solutionA("-journal", w.journal(), "-yes")...)
	if code != exitRefused || !strings.Contains(errOut, "secondary registry is not healthy") {
		t.Errorf("failover to a down ACR EE: exit %d, want 3 (secondary unhealthy):\n%s\n%s", code, out, errOut)
	}
	if n := w.pz.CallCount("UpdateZoneRecord"); n != 0 || w.pzRecord(t, w.recB.ID) != w.recB || exists(w.journal()) {
		t.Errorf("a refused failover wrote something: %d updates, journal exists %v", n, exists(w.journal()))
	}
	w.acrDown.Store(false)
	// TLS is verified: without the CA the registries are down, unless told not to verify.
	noCA := w.solutionA("-dry-run")
	i := slices.Index(noCA, "-ca-file")
	noCA = slices.Delete(noCA, i, i+2)
	if code, out, errOut := cli(t, noCA...); code != exitRefused || !strings.Contains(out, "certificate") || !strings.Contains(errOut, "secondary registry is not healthy") {
		t.Errorf("ACR EE with an untrusted certificate: exit %d, want 3:\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := cli(t, append(noCA, "-acr-insecure", "-harbor-insecure")...); code != 0 {
		t.Errorf("-acr-insecure: exit %d, want 0:\n%s\n%s", code, out, errOut)
	}
	// Too few probes to decide is not "up" either.
	if code, _, errOut := cli(t, w.solutionA("-journal", w.journal(), "-yes", "-probes", "2", "-threshold", "2", "-acr", "https://127.0.0.1:1")...); code != exitRefused || !strings.Contains(errOut, "secondary registry is not healthy") {
		t.Errorf("failover to an unreachable ACR EE: exit %d, want 3:\n%s", code, errOut)
	}
}

// TestSavedPlan reviews a plan, then applies exactly it — and refuses it once somebody
// edited the record by hand in between.
func TestSavedPlan(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.harborDown.Store(true)
	planFile := filepath.Join(w.dir, "plan.json")
	if code, out, errOut := cli(t, w.solutionA("-dry-run", "-out", planFile, "-journal", w.journal())...); code != 0 || !strings.Contains(out, "plan saved to "+planFile) {
		t.Fatalf("dry run -out exit %d:\n%s\n%s", code, out, errOut)
	}
	hand := w.recB
	hand.Value = "10.0.0.2"
	if err := w.pz.SetRecord(hand); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, w.solutionA("-plan", planFile, "-journal", w.journal(), "-yes")...)
	if code != exitRefused || !strings.Contains(errOut, "stale plan") {
		t.Errorf("applying a plan whose record changed: exit %d, want 3 (stale plan):\n%s\n%s", code, out, errOut)
	}
	if got := w.pzRecord(t, w.recB.ID); got != hand || w.pz.CallCount("UpdateZoneRecord") != 0 {
		t.Errorf("a stale plan was written: record %+v", got)
	}
	if exists(w.journal()) {
		t.Error("a refused apply left a journal file behind")
	}

	if err := w.pz.SetRecord(w.recB); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := cli(t, w.solutionA("-plan", planFile, "-journal", w.journal())...); code != 3 || !strings.Contains(errOut, "without -yes") {
		t.Errorf("saved plan without -yes: exit %d, want 3 (refused):\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := cli(t, w.solutionA("-plan", planFile, "-journal", w.journal(), "-yes")...); code != 0 || !strings.Contains(out, "read from "+planFile) {
		t.Fatalf("saved plan exit %d:\n%s\n%s", code, out, errOut)
	}
	if got := w.pzRecord(t, w.recB.ID); got.Type != "CNAME" || got.Value != acrDomain {
		t.Errorf("after the saved plan the record is %+v", got)
	}
	back := append(w.cmd("failback"), "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB, "-journal", w.journal(), "-plan", planFile, "-yes")
	if code, _, errOut := cli(t, back...); code != 1 || !strings.Contains(errOut, "is a failover plan") {
		t.Errorf("a failover plan with -failback: exit %d, want 1:\n%s", code, errOut)
	}
}

// TestRPO reads the replication lag from Harbor's API (as admin, the password in
// $HARBOR_PASSWORD) and ACR EE: with Harbor down it cannot be read, and only -force with a
// reason goes ahead (recorded in the plan). Not parallel: it sets the environment.
func TestRPO(t *testing.T) {
	t.Setenv("HARBOR_PASSWORD", harborSecret)
	w := newWorld(t)
	rpo := []string{"-rpo", "1h", "-projects", "library", "-namespace", "acr-ns"}
	code, out, errOut := cli(t, w.solutionA(append(rpo, "-dry-run")...)...)
	if code != 0 || !strings.Contains(out, "replication lag: 0 missing, 0 stale") {
		t.Errorf("lag of an empty Harbor: exit %d, want 0 with the lag shown:\n%s\n%s", code, out, errOut)
	}
	w.harborDown.Store(true)
	if code, _, errOut := cli(t, w.solutionA(append(rpo, "-dry-run")...)...); code != 1 || !strings.Contains(errOut, "replication lag") {
		t.Errorf("lag unreadable: exit %d, want 1:\n%s", code, errOut)
	}
	// A lag report measured while Harbor was up (examples/verify -json on a schedule)
	// stands in for the unreadable lag, aged, within -lag-max-age.
	lagFile := func(age time.Duration) string {
		b, err := json.Marshal(lag.Report{CheckedAt: time.Now().Add(-age), Expected: 3, Present: 3})
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(t.TempDir(), "lag.json")
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	code, out, errOut = cli(t, w.solutionA(append(rpo, "-dry-run", "-lag-file", lagFile(10*time.Minute))...)...)
	if code != 0 || !strings.Contains(out, "before the plan") || !strings.Contains(errOut+out, "last known replication lag") {
		t.Errorf("lag from a 10-minute-old report, RPO 1h: exit %d, want 0 with the aged lag in the plan:\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := cli(t, w.solutionA(append(rpo, "-dry-run", "-lag-file", lagFile(50*time.Minute), "-rpo", "30m")...)...); code != exitRefused || !strings.Contains(errOut, "replication lag") {
		t.Errorf("a report 50 minutes old, RPO 30m: exit %d, want 3 (the lag has aged past the RPO):\n%s", code, errOut)
	}
	if code, _, errOut := cli(t, w.solutionA(append(rpo, "-dry-run", "-lag-file", lagFile(2*time.Hour))...)...); code != 1 || !strings.Contains(errOut, "more than 1h0m0s") {
		t.Errorf("a report 2 hours old: exit %d, want 1 (older than -lag-max-age):\n%s", code, errOut)
	}
	code, out, errOut = cli(t, w.solutionA(append(rpo, "-force", "-reason", "harbor is gone", "-journal", w.journal(), "-yes")...)...)
	if code != 0 || !strings.Contains(out, "harbor is gone") {
		t.Errorf("forced failover: exit %d, want 0 with the force reason in the plan:\n%s\n%s", code, out, errOut)
	}
}

func TestBadFlags(t *testing.T) {
	t.Parallel()
	flags := []string{"-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB, "-region", "cn-hangzhou",
		"-primary", harborIP, "-instance", "cri-x", "-acr", "https://acr.example"}
	a := append([]string{"apply"}, flags...)
	fb := []string{"failback", "-solution", "public", "-zone", "z", "-region", "r", "-harbor", "h.example"}
	tests := map[string][]string{
		"none":                 {},
		"unknown command":      append([]string{"drill"}, flags...),
		"flags before command": append(slices.Clone(flags), "apply"),
		"old -failback flag":   append([]string{"-failback"}, flags...),
		"unknown flag":         append(slices.Clone(a), "-nope"),
		"unknown solution":     {"apply", "-solution", "dns", "-zone", "z", "-region", "r"},
		"no zone":              {"apply", "-solution", "public", "-region", "r"},
		"privatezone no vpc":   {"apply", "-solution", "privatezone", "-zone", "z", "-region", "r"},
		"bad type":             append(slices.Clone(a), "-type", "MX"),
		"type not public":      append(slices.Clone(a), "-type", "A"),
		"no acr url":           {"apply", "-solution", "public", "-zone", "z", "-region", "r", "-primary", "1.2.3.4", "-instance", "i"},
		"no primary":           {"apply", "-solution", "public", "-zone", "z", "-region", "r", "-instance", "i", "-acr", "a.example"},
		"yes without journal":  append(slices.Clone(a), "-yes"),
		"dry run and yes":      append(slices.Clone(a), "-dry-run", "-yes", "-journal", "j"),
		"force without reason": append(slices.Clone(a), "-force", "-rpo", "1h"),
		"force without rpo":    append(slices.Clone(a), "-force", "-reason", "r"),
		"lag file without rpo": append(slices.Clone(a), "-lag-file", "lag.json"),
		"zero lag max age":     append(slices.Clone(a), "-rpo", "1h", "-lag-max-age", "0"),
		"public with vpc":      {"apply", "-solution", "public", "-zone", "z", "-vpc", "v", "-region", "r", "-primary", "1.2.3.4", "-instance", "i", "-acr", "a.example"},
		"plain http api":       append(slices.Clone(a), "-pvtz-api", "http://pvtz.aliyuncs.com"),
		"url with password":    append(slices.Clone(a), "-harbor", "https://admin:hunter2@harbor.example"),
		"threshold > probes":   append(slices.Clone(a), "-probes", "2"),
		"bad resolver":         append(slices.Clone(a), "-resolver", "10.0.0.1"),
		"failback no journal":  fb,
		"failback no harbor":   {"failback", "-solution", "public", "-zone", "z", "-region", "r", "-journal", "j"},
		"failback primary":     append(slices.Clone(fb), "-journal", "j", "-primary", "1.2.3.4"),
		"failback rpo":         append(slices.Clone(fb), "-journal", "j", "-rpo", "1h"),
		"failback min-healthy": append(slices.Clone(fb), "-journal", "j", "-probes", "3"),
		"plan yes":             append([]string{"plan"}, append(slices.Clone(flags), "-yes")...),
		"plan with -plan":      append([]string{"plan"}, append(slices.Clone(flags), "-journal", "j", "-plan", "plan.json")...),
		"extra argument":       append(slices.Clone(a), "now"),
		"out without journal":  append(slices.Clone(a), "-dry-run", "-out", "plan.json"),
		"plan without journal": append(slices.Clone(a), "-plan", "plan.json"),
		"out is the journal":   append(slices.Clone(a), "-dry-run", "-journal", "j.jsonl", "-out", "./j.jsonl"),
		"primary 999.1.1.1":    {"apply", "-solution", "public", "-zone", "z", "-region", "r", "-instance", "i", "-acr", "a.example", "-primary", "999.1.1.1"},
		"primary CNAME:1.2.3":  {"apply", "-solution", "public", "-zone", "z", "-region", "r", "-instance", "i", "-acr", "a.example", "-primary", "CNAME:1.2.3"},
	}
	for name, args := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := cli(t, args...)
			if code != exitUsage {
				t.Errorf("run(%q) = %d, want 2:\n%s", args, code, errOut)
			}
			if strings.Contains(errOut, "hunter2") {
				t.Errorf("a password from a URL was echoed:\n%s", errOut)
			}
		})
	}
}

// TestHelp: -h lists the commands and the exit statuses, and each command's -h its own
// flags only; both exit 0.
func TestHelp(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		args          []string
		want, notWant []string
	}{
		"top":      {args: []string{"-h"}, want: []string{"plan", "apply", "failback", "drill", "watch", "Exit status", "3 refused"}, notWant: []string{"-solution"}},
		"help":     {args: []string{"help"}, want: []string{"apply", "watch"}},
		"plan":     {args: []string{"plan", "-h"}, want: []string{"-solution", "-primary", "-rpo", "-out", "Exit status"}, notWant: []string{"-yes", "-interval", "-min-dwell", "-plan"}},
		"apply":    {args: []string{"apply", "-h"}, want: []string{"-solution", "-primary", "-yes", "-plan", "-dry-run", "-access-key-secret-file"}, notWant: []string{"-interval", "-min-healthy", "-failback"}},
		"failback": {args: []string{"failback", "-h"}, want: []string{"-solution", "-min-dwell", "-yes", "-plan", "-reverse-check", "-force"}, notWant: []string{"-primary", "-rpo", "-interval"}},
		"drill":    {args: []string{"drill", "-h"}, want: []string{"-sample", "-sample-tags", "-ca-file", "-registry-user", "-registry-password-file", "-json", "-rpo"}, notWant: []string{"-yes", "-plan", "-out", "-force", "-dry-run"}},
		"watch":    {args: []string{"watch", "-h"}, want: []string{"-interval", "-hold-down", "-auto-failback", "-rpo", "-yes"}, notWant: []string{"-probes", "-plan", "-out", "-json", "-force", "-dry-run"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := cli(t, tc.args...)
			if code != exitOK || out != "" {
				t.Errorf("run(%q) = %d with stdout %q, want 0 and the usage on stderr", tc.args, code, out)
			}
			// "-name" is a flag's own line in the defaults; anything else, text.
			has := func(s string) bool {
				if strings.HasPrefix(s, "-") {
					return regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(s) + `( |$)`).MatchString(errOut)
				}
				return strings.Contains(errOut, s)
			}
			for _, s := range tc.want {
				if !has(s) {
					t.Errorf("run(%q): usage lacks %q:\n%s", tc.args, s, errOut)
				}
			}
			for _, s := range tc.notWant {
				if has(s) {
					t.Errorf("run(%q): usage has %q:\n%s", tc.args, s, errOut)
				}
			}
		})
	}
}

// TestCredentialsRefusedNotPrinted: when the cloud refuses the AccessKey from the
// environment the command fails, and neither the error nor anything else carries the
// secret (cli checks every run for it).
func TestCredentialsRefusedNotPrinted(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	other := dnstest.NewPrivateZone(dnstest.WithAccessKey("LTAI-someone-else", "another-secret"))
	other.AddZone(zoneName, vpcB)
	args := w.solutionA("-dry-run")
	i := slices.Index(args, "-pvtz-api")
	args[i+1] = "http://" + other.Start(t)
	code, out, errOut := cli(t, args...)
	if code != 1 || !strings.Contains(errOut, zoneName) {
		t.Errorf("refused credentials: exit %d, want 1:\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "another-secret") {
		t.Error("a secret was printed")
	}
}
