package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/harbor/harbortest/spectest"
	"github.com/regdr/regdr/internal/jsontest"
	"github.com/regdr/regdr/internal/testutil"
)

// drillWorld is the world with library/nginx:1.25 in Harbor and, replicated, in ACR EE
// as acr-ns/nginx:1.25, ACR EE's registry served for the clients' name with a certificate
// covering it, and a DNS server whose upstream answers ACR EE's domain with loopback.
type drillWorld struct {
	*world
	digest   string
	resolver string
	goodPort string // ACR EE's registry with a certificate for the clients' name
	badPort  string // ACR EE's registry with httptest's certificate (127.0.0.1, example.com)
	caFile   string // trusts both certificates
}

func newDrillWorld(t *testing.T) *drillWorld {
	t.Helper()
	t.Setenv("HARBOR_PASSWORD", harborSecret)
	t.Setenv(envACRUser, "puller")
	t.Setenv(envACRPassword, "pull-pw")
	w := &drillWorld{world: newWorld(t)}
	if err := w.emu.AddNamespace(acrtest.DefaultInstanceID, acrtest.Namespace{Name: "acr-ns", AutoCreateRepo: true}); err != nil {
		t.Fatal(err)
	}
	if err := w.emu.SetPassword(acrtest.DefaultInstanceID, "puller", "pull-pw"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	img := testutil.NewFixture(5, 64).Image("nginx", 0)
	hpush := httptest.NewServer(spectest.Handler(t, w.hb))
	t.Cleanup(hpush.Close)
	if err := testutil.PushAuth(ctx, hpush.Listener.Addr().String(), "library/nginx:1.25", img, &authn.Basic{Username: harbortest.DefaultAdmin, Password: harborSecret}); err != nil {
		t.Fatal(err)
	}
	apush := httptest.NewServer(w.emu.Registry())
	t.Cleanup(apush.Close)
	if err := testutil.PushAuth(ctx, apush.Listener.Addr().String(), "acr-ns/nginx:1.25", img, &authn.Basic{Username: "puller", Password: "pull-pw"}); err != nil {
		t.Fatal(err)
	}
	w.digest = testutil.Descriptor(img).Digest.String()

	cert, certPEM := selfSigned(t, zoneName)
	good := httptest.NewUnstartedServer(w.emu.Registry())
	good.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	good.StartTLS()
	t.Cleanup(good.Close)
	_, w.goodPort, _ = net.SplitHostPort(good.Listener.Addr().String())
	_, w.badPort, _ = net.SplitHostPort(strings.TrimPrefix(w.acrURL, "https://"))
	base, err := os.ReadFile(w.world.caFile)
	if err != nil {
		t.Fatal(err)
	}
	w.caFile = filepath.Join(w.dir, "ca-drill.pem")
	if err := os.WriteFile(w.caFile, append(base, certPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	srv, err := dnstest.NewDNSServer(dnstest.WithPrivateZone(w.pz), dnstest.WithAlidns(w.ad),
		dnstest.WithUpstream(map[string][]string{acrDomain: {"127.0.0.1"}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if w.resolver, err = srv.ListenVPC(vpcB); err != nil {
		t.Fatal(err)
	}
	return w
}

// selfSigned is a certificate for name alone, and its PEM.
func selfSigned(t *testing.T, name string) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func (w *drillWorld) args(port string, extra ...string) []string {
	var a []string
	for i := 0; i < len(w.cmd("drill")); i++ {
		s := w.cmd("drill")[i]
		if s == "-verify-timeout" || s == "-verify-interval" { // drill verifies no write
			i++
			continue
		}
		a = append(a, s)
	}
	a = append(a, "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB, "-primary", harborIP,
		"-instance", acrtest.DefaultInstanceID, "-resolver", w.resolver, "-projects", "library", "-namespace", "acr-ns",
		"-journal", w.journal(), "-drill-port", port)
	for i, s := range a {
		if s == "-ca-file" {
			a[i+1] = w.caFile
		}
	}
	return append(a, extra...)
}

// noWrites fails t if the drill wrote a DNS record or the journal.
func (w *drillWorld) noWrites(t *testing.T) {
	t.Helper()
	for _, calls := range [][]string{w.pz.Calls(), w.ad.Calls()} {
		for _, c := range calls {
			if !strings.HasPrefix(c, "Describe") && !strings.HasPrefix(c, "List") && !strings.HasPrefix(c, "Get") {
				t.Errorf("the drill called %s", c)
			}
		}
	}
	if exists(w.journal()) || exists(failover.PlanKeyFile(w.journal())) {
		t.Errorf("the drill created the journal or its plan key")
	}
	if got := w.pzRecord(t, w.recB.ID); got != w.recB {
		t.Errorf("the record changed: %+v", got)
	}
}

func TestDrill(t *testing.T) {
	w := newDrillWorld(t)
	code, out, errOut := cli(t, w.args(w.goodPort)...)
	if code != exitOK || !strings.Contains(out, "drill passed: 1/1 samples verified; nothing was written") {
		t.Errorf("drill: exit %d, want 0:\n%s\n%s", code, out, errOut)
	}
	w.noWrites(t)

	code, out, errOut = cli(t, w.args(w.goodPort, "-json", "-sample-tags", "library/nginx:1.25")...)
	var rep failover.DrillReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitOK || !rep.Passed || rep.Verified != 1 {
		t.Errorf("drill -json: exit %d, %v, report %+v\n%s", code, err, rep, errOut)
	} else {
		jsontest.SnakeCase(t, json.RawMessage(out))
	}
	w.noWrites(t)

	// A certificate that does not cover the clients' name fails the drill, loudly.
	code, out, errOut = cli(t, w.args(w.badPort)...)
	if code != exitFailed || !strings.Contains(errOut, "drill FAILED") || !strings.Contains(out+errOut, zoneName) || !strings.Contains(out+errOut, "certificate") {
		t.Errorf("drill with a certificate not covering %s: exit %d, want 1:\n%s\n%s", zoneName, code, out, errOut)
	}
	w.noWrites(t)
}

// TestDrillDigestDiffers: a sample ACR EE holds at another digest than Harbor fails the drill.
func TestDrillDigestDiffers(t *testing.T) {
	w := newDrillWorld(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	apush := httptest.NewServer(w.emu.Registry())
	defer apush.Close()
	other := testutil.NewFixture(6, 64).Image("other", 0)
	if err := testutil.PushAuth(ctx, apush.Listener.Addr().String(), "acr-ns/nginx:1.25", other, &authn.Basic{Username: "puller", Password: "pull-pw"}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, w.args(w.goodPort)...)
	if code != exitFailed || !strings.Contains(errOut, "drill FAILED") || !strings.Contains(out+errOut, w.digest) {
		t.Errorf("drill with a differing digest: exit %d, want 1 naming Harbor's digest:\n%s\n%s", code, out, errOut)
	}
	if strings.Contains(out+errOut, "pull-pw") {
		t.Errorf("the registry password was printed")
	}
	w.noWrites(t)
}

func TestDrillBadFlags(t *testing.T) {
	t.Parallel()
	base := []string{"drill", "-solution", "privatezone", "-zone", zoneName, "-vpc", vpcB, "-region", "cn-hangzhou",
		"-primary", harborIP, "-instance", "cri-x", "-acr", "https://acr.example", "-harbor", "https://harbor.example"}
	for name, tc := range map[string]struct {
		extra []string
		want  string
	}{
		"no harbor":      {[]string{"-harbor", ""}, "-harbor"},
		"sample 0":       {[]string{"-sample", "0"}, "-sample 0"},
		"both samples":   {[]string{"-sample", "2", "-sample-tags", "library/a:1"}, "contradict"},
		"bad sample tag": {[]string{"-sample-tags", "nginx"}, "PROJECT/REPO:TAG"},
		"no yes":         {[]string{"-yes"}, "-yes"},
		"no out":         {[]string{"-out", "x"}, "-out"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := cli(t, append(slices.Clone(base), tc.extra...)...)
			if code != exitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want 2 mentioning %q:\n%s", code, tc.want, errOut)
			}
		})
	}
}
