package privatezone_test

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/privatezone"
	"github.com/regdr/regdr/internal/aliyuntest"
)

// documented answers every action with its documented example from dnstest's
// testdata/golden/<dir> (copied from shared/reference/alibaba, sources in each file),
// checking no signature: it stands for the real service's answers.
func documented(t *testing.T, dir string) string {
	return aliyuntest.StartDocumented(t, filepath.Join("..", "dnstest", "testdata", "golden", dir))
}

// TestDocumentedAnswersParse: the provider finds its zone and reads its records from
// the documented example answers (not only from what dnstest writes): RecordId an int64
// above 2^31, Rr/Ttl field names, Status ENABLE, totals as TotalItems.
func TestDocumentedAnswersParse(t *testing.T) {
	t.Parallel()
	p, err := privatezone.New(ctx(t), config(documented(t, "pvtz")), "test.com", "daily-vpc-id")
	if err != nil {
		t.Fatalf("New on the documented answers: %v", err)
	}
	if p.ZoneID() != "6d83e3b31aa60ca4aaa7161f1b6baa95" {
		t.Errorf("zone ID = %q, want the documented DescribeZones one", p.ZoneID())
	}
	recs, err := p.Records(ctx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []dns.Record{{ID: "2469595025", Name: "www", Type: "A", Value: "127.0.0.1", TTL: 60, Status: dns.StatusEnabled, Priority: 10}}
	if d := cmp.Diff(want, recs); d != "" {
		t.Errorf("Records (-documented +parsed):\n%s", d)
	}
}
