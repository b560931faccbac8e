package alidns_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/alidns"
	"github.com/regdr/regdr/internal/aliyuntest"
)

// documented answers every action with its documented example from dnstest's
// testdata/golden/alidns (copied from shared/reference/alibaba/alidns.md, sources in each
// file), checking no signature: it stands for the real service's answers.
func documented(t *testing.T) string {
	return aliyuntest.StartDocumented(t, filepath.Join("..", "dnstest", "testdata", "golden", "alidns"))
}

// TestDocumentedAnswersParse: the provider binds to its domain and reads records from the
// documented example answers: RecordId a string, RR/TTL, Status Enable, TotalCount.
func TestDocumentedAnswersParse(t *testing.T) {
	t.Parallel()
	p, err := alidns.New(ctx(t), config(documented(t)), "example.com")
	if err != nil {
		t.Fatalf("New on the documented answers: %v", err)
	}
	z, err := p.Zone(ctx(t))
	if err != nil || z.ID != "00efd71a-770e-4255-b54e-6fe5659baffe" || z.Name != "example.com" {
		t.Errorf("Zone = %+v, %v", z, err)
	}
	all, err := p.Records(ctx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []dns.Record{{ID: "9999985", Name: "www", Type: "MX", Value: "mail1.hichina.com", TTL: 600, Status: dns.StatusEnabled, Priority: 5}}
	if d := cmp.Diff(want, all); d != "" {
		t.Errorf("Records(all) (-documented +parsed):\n%s", d)
	}
	www, err := p.Records(ctx(t), "www")
	if err != nil {
		t.Fatal(err)
	}
	want = []dns.Record{{ID: "9999985", Name: "www", Type: "CNAME", Value: "example.net", TTL: 600, Status: dns.StatusEnabled, Priority: 2}}
	if d := cmp.Diff(want, www); d != "" {
		t.Errorf("Records(www) (-documented +parsed):\n%s", d)
	}
}
