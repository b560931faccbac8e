package failover

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/regdr/regdr/dns"
)

const (
	drillDigestApp  = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	drillDigestBase = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	drillToken      = "Bearer drill-t0ken"
	// drillManifestApp is served without a digest header; its digest is its SHA-256.
	drillManifestApp       = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}`
	drillManifestAppDigest = "sha256:b22c7289dd3b4785a3795c90e15d16bd66bd29b444b8974fe29ed0443ce50405"
)

// drillCert returns a self-signed certificate for names and a pool that trusts it.
func drillCert(t *testing.T, names ...string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// drillRegistry is ACR EE on 127.0.0.1 serving manifests' digests under a certificate
// for certNames; every request advances clk by a second (the pull's measured time). It
// answers only requests addressed to the clients' name, and with token set only those
// carrying it.
func drillRegistry(t *testing.T, w *world, digests map[string]string, token string, certNames ...string) (*httptest.Server, *x509.CertPool, string) {
	t.Helper()
	cert, pool := drillCert(t, certNames...)
	var port string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.clock.Advance(time.Second)
		if r.Host != net.JoinHostPort(zoneName, port) {
			http.Error(rw, "wrong host "+r.Host, http.StatusMisdirectedRequest)
			return
		}
		if token != "" && r.Header.Get("Authorization") != token {
			rw.Header().Set("WWW-Authenticate", `Bearer realm="x"`)
			http.Error(rw, "unauthorized", http.StatusUnauthorized)
			return
		}
		repoTag, ok := strings.CutPrefix(r.URL.Path, "/v2/")
		repo, tag, ok2 := strings.Cut(repoTag, "/manifests/")
		d, ok3 := digests[repo+":"+tag]
		if !ok || !ok2 || !ok3 {
			http.NotFound(rw, r)
			return
		}
		if body, ok := strings.CutPrefix(d, "body:"); ok {
			// No digest header: the manifest itself, whose SHA-256 is its digest.
			rw.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			if r.Method == http.MethodGet {
				io.WriteString(rw, body)
			}
			return
		}
		rw.Header().Set("Docker-Content-Digest", d)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes are the point
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	return srv, pool, port
}

// TestDrill: a drill plans the failover, connects through the clients' name to the
// address the plan would write (loopback), checks the certificate for that name and the
// samples' digests — and writes nothing: no DNS write, no journal entry, no audit event,
// and its plan cannot be applied. A certificate not covering the name, a digest that
// differs, a refused plan or a missing credential fail it with ErrDrillFailed.
func TestDrill(t *testing.T) {
	t.Parallel()
	samples := []DrillSample{{Repo: "team/app", Tag: "v1", Digest: drillDigestApp}, {Repo: "library/base", Tag: "3.20", Digest: drillDigestBase}}
	served := map[string]string{"team/app:v1": drillDigestApp, "library/base:3.20": drillDigestBase}
	for _, tc := range []struct {
		name       string
		certNames  []string
		served     map[string]string
		aRecord    bool // the target's secondary is an A record at 127.0.0.1, not a CNAME
		token      string
		auth       bool
		secondary  HealthStatus
		wantErr    []error
		wantOK     int
		wantTLS    bool
		lag        *Lag          // the forward lag reported, with an RPO of a minute
		samples    []DrillSample // nil: samples
		extraPulls int           // requests beyond one HEAD per sample
	}{
		{name: "passes", certNames: []string{zoneName}, served: served, secondary: healthy("acr", 3), wantOK: 2, wantTLS: true},
		{name: "A record", certNames: []string{zoneName}, served: served, aRecord: true, secondary: healthy("acr", 3), wantOK: 2, wantTLS: true},
		{name: "credentials added", certNames: []string{zoneName}, served: served, token: drillToken, auth: true,
			secondary: healthy("acr", 3), wantOK: 2, wantTLS: true},
		{name: "anonymous refused", certNames: []string{zoneName}, served: served, token: drillToken,
			secondary: healthy("acr", 3), wantErr: []error{ErrDrillFailed}, wantTLS: true},
		{name: "certificate for another name", certNames: []string{acrDomain}, served: served, secondary: healthy("acr", 3),
			wantErr: []error{ErrDrillFailed, x509.HostnameError{}}},
		{name: "digest differs", certNames: []string{zoneName}, served: map[string]string{"team/app:v1": drillDigestApp, "library/base:3.20": drillDigestApp},
			secondary: healthy("acr", 3), wantErr: []error{ErrDrillFailed, ErrDigestMismatch}, wantOK: 1, wantTLS: true},
		{name: "lag within RPO", certNames: []string{zoneName}, served: served, secondary: healthy("acr", 3), wantOK: 2, wantTLS: true,
			lag: &Lag{Missing: 1, OldestMissing: 30 * time.Second}},
		{name: "lag exceeds RPO", certNames: []string{zoneName}, served: served, secondary: healthy("acr", 3), wantOK: 2, wantTLS: true,
			lag: &Lag{Missing: 3, Stale: 1, OldestMissing: 5 * time.Minute}, wantErr: []error{ErrDrillFailed, ErrLagExceedsRPO}},
		{name: "no digest header", certNames: []string{zoneName}, served: map[string]string{"team/app:v1": "body:" + drillManifestApp,
			"library/base:3.20": drillDigestBase}, secondary: healthy("acr", 3), wantOK: 2, wantTLS: true, extraPulls: 1,
			samples: []DrillSample{{Repo: "team/app", Tag: "v1", Digest: drillManifestAppDigest}, samples[1]}},
		{name: "plan refused", certNames: []string{zoneName}, served: served, secondary: down("acr", 3),
			wantErr: []error{ErrDrillFailed, ErrSecondaryUnhealthy}, wantOK: 2, wantTLS: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			if tc.aRecord {
				w.target.Secondary = Value{Type: dns.TypeA, Value: "127.0.0.1"}
			}
			s := w.switcher(t)
			_, pool, port := drillRegistry(t, w, tc.served, tc.token, tc.certNames...)
			var resolved []string
			req := DrillRequest{
				Failover:  FailoverRequest{Reason: "drill", Secondary: tc.secondary},
				Samples:   samples,
				RootCAs:   pool,
				Port:      port,
				Threshold: 3,
				Interval:  10 * time.Second,
				Resolve: func(_ context.Context, host string) ([]string, error) {
					resolved = append(resolved, host)
					if host != acrDomain {
						return nil, fmt.Errorf("no such host %s", host)
					}
					return []string{"127.0.0.1"}, nil
				},
			}
			if tc.samples != nil {
				req.Samples = tc.samples
			}
			if tc.lag != nil {
				req.Failover.Lag = LagFunc(func(context.Context) (Lag, error) { return *tc.lag, nil })
				req.Failover.RPO = time.Minute
			}
			if tc.auth {
				req.Auth = func(next http.RoundTripper) http.RoundTripper {
					return roundTripFunc(func(r *http.Request) (*http.Response, error) {
						r = r.Clone(r.Context())
						r.Header.Set("Authorization", drillToken)
						return next.RoundTrip(r)
					})
				}
			}
			r, err := s.Drill(ctx(t), req)
			for _, want := range tc.wantErr {
				if want == (x509.HostnameError{}) {
					var he x509.HostnameError
					if !errors.As(err, &he) {
						t.Errorf("Drill() = %v; want an x509.HostnameError", err)
					}
					continue
				}
				if !errors.Is(err, want) {
					t.Errorf("Drill() = %v; want %v", err, want)
				}
			}
			if len(tc.wantErr) == 0 && err != nil {
				t.Fatalf("Drill() = %v; want nil", err)
			}
			if r == nil {
				t.Fatal("Drill() returned no report")
			}
			if r.Passed != (len(tc.wantErr) == 0) {
				t.Errorf("Passed = %v; want %v", r.Passed, len(tc.wantErr) == 0)
			}
			// Nothing written anywhere.
			if n := w.provider.Writes(); n != 0 {
				t.Errorf("DNS writes = %d; want 0", n)
			}
			if got := w.current(t); got.Value != harborIP {
				t.Errorf("record = %s; want it untouched at %s", got.Value, harborIP)
			}
			if es, _ := w.journal.Entries(ctx(t)); len(es) != 0 {
				t.Errorf("journal = %v; want empty", es)
			}
			if ev := w.audit.all(); len(ev) != 0 {
				t.Errorf("audit = %v; want none", ev)
			}
			if len(r.Targets) != 1 {
				t.Fatalf("targets = %+v; want one", r.Targets)
			}
			dt := r.Targets[0]
			if dt.FQDN != zoneName || dt.TLSVerified != tc.wantTLS {
				t.Errorf("target = %s, tls verified %v (%s); want %s, %v", dt.FQDN, dt.TLSVerified, dt.TLSError, zoneName, tc.wantTLS)
			}
			if !tc.wantTLS && !strings.Contains(dt.TLSError, zoneName) {
				t.Errorf("TLSError = %q; want it to name %s", dt.TLSError, zoneName)
			}
			if tc.aRecord != (len(resolved) == 0) {
				t.Errorf("resolved %v; a CNAME's target and only it is resolved", resolved)
			}
			if r.Verified != tc.wantOK || r.Sampled != len(samples) {
				t.Errorf("verified %d/%d; want %d/%d", r.Verified, r.Sampled, tc.wantOK, len(samples))
			}
			if diff := cmp.Diff(tc.lag, r.Lag); diff != "" {
				t.Errorf("lag mismatch (-want +got):\n%s", diff)
			}
			if tc.lag != nil && (r.RPO != time.Minute || !strings.Contains(r.String(), "(RPO 1m0s)")) {
				t.Errorf("RPO = %v; want 1m0s in the report:\n%s", r.RPO, r)
			}
			if errors.Is(err, ErrLagExceedsRPO) {
				if r.Plan != nil || !strings.Contains(r.PlanError, "exceeds RPO") {
					t.Errorf("plan = %v, error %q; want refused over the RPO", r.Plan, r.PlanError)
				}
			} else if tc.secondary.Health == HealthUp {
				wantTo := w.target.Secondary
				wantTo.TTL = 60
				if r.Plan == nil || !r.Plan.HasChanges() || r.Plan.Changes[0].To != wantTo {
					t.Fatalf("plan = %v; want the switch to the secondary", r.Plan)
				}
				// The would-be plan is sealed under the drill's own key: it cannot be applied.
				if _, err := s.Apply(ctx(t), r.Plan); !errors.Is(err, ErrTamperedPlan) {
					t.Errorf("Apply(drill plan) = %v; want ErrTamperedPlan", err)
				}
				if n := w.provider.Writes(); n != 0 {
					t.Errorf("DNS writes after applying the drill plan = %d; want 0", n)
				}
			} else if r.Plan != nil || !strings.Contains(r.PlanError, "not healthy") {
				t.Errorf("plan = %v, error %q; want refused", r.Plan, r.PlanError)
			}
			pulls := time.Duration(0)
			if tc.wantTLS {
				pulls = time.Duration(len(samples)+tc.extraPulls) * time.Second // one HEAD each (and a GET without a digest header), a second per request
			}
			wantRTO := RTOEstimate{Detection: 30 * time.Second, Threshold: 3, Interval: 10 * time.Second,
				Propagation: 60 * time.Second, ApplyVerify: pulls}
			wantRTO.Total = wantRTO.Detection + wantRTO.Propagation + wantRTO.ApplyVerify
			if diff := cmp.Diff(wantRTO, r.RTO); diff != "" {
				t.Errorf("RTO mismatch (-want +got):\n%s", diff)
			}
			text := r.String()
			t.Logf("report:\n%s\nerror: %v", text, err)
			for _, want := range []string{"nothing was written", fmt.Sprintf("%d/%d samples verified", r.Verified, r.Sampled), "RTO estimate"} {
				if !strings.Contains(text, want) {
					t.Errorf("String() lacks %q:\n%s", want, text)
				}
			}
			if strings.Contains(text, "drill-t0ken") || strings.Contains(fmt.Sprint(err), "drill-t0ken") {
				t.Errorf("the credential leaked:\n%s\n%v", text, err)
			}
		})
	}
}

// TestDrillInvalid: a drill without samples, or with an incomplete one, is refused
// before any I/O.
func TestDrillInvalid(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.switcher(t)
	for _, tc := range []struct {
		name string
		req  DrillRequest
	}{
		{"no samples", DrillRequest{}},
		{"no digest", DrillRequest{Samples: []DrillSample{{Repo: "a", Tag: "b"}}}},
		{"repository escapes the path", DrillRequest{Samples: []DrillSample{{Repo: "a/../../v2/x", Tag: "b", Digest: drillDigestApp}}}},
		{"tag with a query", DrillRequest{Samples: []DrillSample{{Repo: "a", Tag: "b?x=1", Digest: drillDigestApp}}}},
		{"digest not a digest", DrillRequest{Samples: []DrillSample{{Repo: "a", Tag: "b", Digest: "latest"}}}},
		{"negative interval", DrillRequest{Samples: []DrillSample{{Repo: "a", Tag: "b", Digest: drillDigestApp}}, Interval: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r, err := s.Drill(ctx(t), tc.req); !errors.Is(err, ErrInvalid) || r != nil {
				t.Errorf("Drill() = %v, %v; want ErrInvalid", r, err)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestDrillWritesNoFile: a switcher journaling to a file keeps its plan key next to the
// journal and creates it on first use; a drill plans without it, so the directory stays
// empty — no journal file, no key file.
func TestDrillWritesNoFile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dir := t.TempDir()
	fj, err := OpenFileJournal(filepath.Join(dir, "journal"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSwitcher([]Target{w.target}, WithClock(w.clock), WithJournal(fj), WithLookup(w.lookup))
	if err != nil {
		t.Fatal(err)
	}
	_, pool, port := drillRegistry(t, w, map[string]string{"team/app:v1": drillDigestApp}, "", zoneName)
	r, err := s.Drill(ctx(t), DrillRequest{Failover: FailoverRequest{Secondary: healthy("acr", 3)}, RootCAs: pool, Port: port,
		Samples: []DrillSample{{Repo: "team/app", Tag: "v1", Digest: drillDigestApp}},
		Resolve: func(context.Context, string) ([]string, error) { return []string{"127.0.0.1"}, nil }})
	if err != nil || !r.Passed {
		t.Fatalf("Drill() = %v; want it to pass:\n%s", err, r)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("files after the drill: %v; want none", files)
	}
	if n := w.provider.Writes(); n != 0 {
		t.Errorf("DNS writes = %d; want 0", n)
	}
}
