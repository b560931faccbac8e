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
	got := map[string][]dns.Record{}
	for _, name := range []string{"", "www"} {
		if got[name], err = p.Records(ctx(t), name); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string][]dns.Record{
		"":    {{ID: "9999985", Name: "www", Type: "MX", Value: "mail1.hichina.com", TTL: 600, Status: dns.StatusEnabled, Priority: 5}},
		"www": {{ID: "9999985", Name: "www", Type: "CNAME", Value: "example.net", TTL: 600, Status: dns.StatusEnabled, Priority: 2}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Records by name (-documented +parsed):\n%s", d)
	}
}
