package dnstest

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/dns"
)

// call runs one emulator action directly, without HTTP.
func call(t *testing.T, actions map[string]func(url.Values) (any, *apiError), action string, kv ...string) (map[string]any, *apiError) {
	t.Helper()
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	h, ok := actions[action]
	if !ok {
		t.Fatalf("no action %s", action)
	}
	out, aerr := h(q)
	if aerr != nil {
		return nil, aerr
	}
	return out.(map[string]any), nil
}

func TestPrivateZoneActions(t *testing.T) {
	t.Parallel()
	pz := NewPrivateZone()
	za := pz.AddZone("cross-region.registry.io", "vpc-aaaaa")
	zb := pz.AddZone("cross-region.registry.io", "vpc-bbbbb")
	pz.AddZone("registry.io.example", "vpc-bbbbb")
	r, err := pz.AddRecord(zb.ID, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1", TTL: 3600})
	if err != nil {
		t.Fatal(err)
	}
	acts := pz.actions()

	out, aerr := call(t, acts, "DescribeZones", "Keyword", "cross-region.registry.io", "SearchMode", "EXACT")
	if aerr != nil || out["TotalItems"] != 2 {
		t.Errorf("DescribeZones EXACT = %v, %v, want 2 zones", out, aerr)
	}
	out, _ = call(t, acts, "DescribeZones", "Keyword", "registry.io")
	if out["TotalItems"] != 3 {
		t.Errorf("DescribeZones LIKE = %v, want 3 zones", out["TotalItems"])
	}
	out, _ = call(t, acts, "DescribeZones", "QueryVpcId", "vpc-aaaaa")
	if zs := out["Zones"].(map[string]any)["Zone"].([]map[string]any); len(zs) != 1 || zs[0]["ZoneId"] != za.ID {
		t.Errorf("DescribeZones QueryVpcId = %v", zs)
	}
	out, _ = call(t, acts, "DescribeZoneInfo", "ZoneId", zb.ID)
	vpcs := out["BindVpcs"].(map[string]any)["Vpc"].([]map[string]any)
	if len(vpcs) != 1 || vpcs[0]["VpcId"] != "vpc-bbbbb" {
		t.Errorf("DescribeZoneInfo BindVpcs = %v", vpcs)
	}
	if _, aerr := call(t, acts, "DescribeZoneInfo", "ZoneId", "zone-nope"); aerr == nil || aerr.code != pvtzZoneInvalidID {
		t.Errorf("DescribeZoneInfo(unknown) = %v", aerr)
	}

	// UpdateZoneRecord without Ttl resets it to 60, as the product does.
	if _, aerr := call(t, acts, "UpdateZoneRecord", "RecordId", r.ID, "Rr", "@", "Type", "CNAME", "Value", "a.example.com"); aerr != nil {
		t.Fatal(aerr)
	}
	got, _ := pz.Record(r.ID)
	want := dns.Record{ID: r.ID, Name: "@", Type: "CNAME", Value: "a.example.com", TTL: 60, Status: dns.StatusEnabled}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after UpdateZoneRecord (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		kv   []string
		code string
	}{
		{[]string{"RecordId", r.ID, "Rr", "@", "Type", "A", "Value", "10.0.0.1", "Ttl", "600"}, pvtzInvalidTTL},
		{[]string{"RecordId", "1", "Rr", "@", "Type", "A", "Value", "10.0.0.1"}, pvtzRecordNotExists},
		{[]string{"RecordId", r.ID, "Rr", "@", "Type", "A", "Value", "nope"}, "InvalidParameter"},
		{[]string{"RecordId", r.ID, "Type", "A", "Value", "10.0.0.1"}, "MissingParameter"},
	} {
		if _, aerr := call(t, acts, "UpdateZoneRecord", tc.kv...); aerr == nil || aerr.code != tc.code {
			t.Errorf("UpdateZoneRecord(%v) = %v, want %s", tc.kv, aerr, tc.code)
		}
	}
	// A CNAME shares its name with nothing.
	if _, aerr := call(t, acts, "AddZoneRecord", "ZoneId", zb.ID, "Rr", "@", "Type", "A", "Value", "10.0.0.2"); aerr == nil || aerr.code != pvtzConflict {
		t.Errorf("AddZoneRecord next to a CNAME = %v, want %s", aerr, pvtzConflict)
	}
	out, aerr = call(t, acts, "AddZoneRecord", "ZoneId", zb.ID, "Rr", "www", "Type", "A", "Value", "10.0.0.2", "Ttl", "5")
	if aerr != nil || out["Success"] != true {
		t.Fatalf("AddZoneRecord = %v, %v", out, aerr)
	}
	if _, aerr := call(t, acts, "SetZoneRecordStatus", "RecordId", r.ID, "Status", "DISABLE"); aerr != nil {
		t.Fatal(aerr)
	}
	if got, _ := pz.Record(r.ID); got.Enabled() {
		t.Errorf("record still enabled after SetZoneRecordStatus: %v", got)
	}
}

func TestPrivateZonePagination(t *testing.T) {
	t.Parallel()
	pz := NewPrivateZone()
	z := pz.AddZone("example.com", "vpc-1")
	for i := range 7 {
		if _, err := pz.AddRecord(z.ID, dns.Record{Name: "h" + string(rune('a'+i)), Type: "A", Value: "10.0.0.1"}); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	for p := 1; p <= 3; p++ {
		out, aerr := call(t, pz.actions(), "DescribeZoneRecords", "ZoneId", z.ID, "PageSize", "3", "PageNumber", string(rune('0'+p)))
		if aerr != nil {
			t.Fatal(aerr)
		}
		if out["TotalItems"] != 7 || out["TotalPages"] != 3 {
			t.Errorf("page %d: TotalItems %v TotalPages %v", p, out["TotalItems"], out["TotalPages"])
		}
		for _, r := range out["Records"].(map[string]any)["Record"].([]map[string]any) {
			seen = append(seen, r["Rr"].(string))
		}
	}
	if diff := cmp.Diff([]string{"ha", "hb", "hc", "hd", "he", "hf", "hg"}, seen); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	if _, aerr := call(t, pz.actions(), "DescribeZoneRecords", "ZoneId", z.ID, "PageSize", "101"); aerr == nil {
		t.Error("PageSize 101 accepted")
	}
}

func TestAlidnsActions(t *testing.T) {
	t.Parallel()
	ad := NewAlidns()
	ad.AddDomain("example.com")
	r, err := ad.AddRecord("example.com", dns.Record{Name: "harbor", Type: "A", Value: "203.0.113.10", TTL: 1200})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ad.AddRecord("example.com", dns.Record{Name: "a.harbor", Type: "A", Value: "203.0.113.11"}); err != nil {
		t.Fatal(err)
	}
	acts := ad.actions()
	out, aerr := call(t, acts, "DescribeSubDomainRecords", "SubDomain", "harbor.example.com")
	if aerr != nil || out["TotalCount"] != 2 {
		t.Errorf("DescribeSubDomainRecords = %v, %v, want the name and the deeper one", out, aerr)
	}
	// An update that changes nothing is a duplicate.
	if _, aerr := call(t, acts, "UpdateDomainRecord", "RecordId", r.ID, "RR", "harbor", "Type", "A", "Value", "203.0.113.10", "TTL", "1200"); aerr == nil || aerr.code != alidnsDuplicate {
		t.Errorf("no-op UpdateDomainRecord = %v, want %s", aerr, alidnsDuplicate)
	}
	// Without TTL the update resets it to 600.
	if _, aerr := call(t, acts, "UpdateDomainRecord", "RecordId", r.ID, "RR", "harbor", "Type", "A", "Value", "47.0.0.1"); aerr != nil {
		t.Fatal(aerr)
	}
	if got, _ := ad.Record(r.ID); got.TTL != 600 || got.Value != "47.0.0.1" {
		t.Errorf("after UpdateDomainRecord: %v", got)
	}
	if _, aerr := call(t, acts, "UpdateDomainRecord", "RecordId", "42", "RR", "harbor", "Type", "A", "Value", "47.0.0.1"); aerr == nil || aerr.code != alidnsRecordNotExists {
		t.Errorf("UpdateDomainRecord(unknown) = %v", aerr)
	}
	if _, aerr := call(t, acts, "DescribeDomainInfo", "DomainName", "example.org"); aerr == nil || aerr.code != alidnsDomainNotExists {
		t.Errorf("DescribeDomainInfo(unknown) = %v", aerr)
	}
	out, _ = call(t, acts, "SetDomainRecordStatus", "RecordId", r.ID, "Status", "Disable")
	if out["Status"] != "Disable" {
		t.Errorf("SetDomainRecordStatus = %v", out)
	}
	out, _ = call(t, acts, "DescribeDomainRecords", "DomainName", "example.com", "KeyWord", "harbor", "SearchMode", "EXACT")
	recs := out["DomainRecords"].(map[string]any)["Record"].([]map[string]any)
	if len(recs) != 1 || recs[0]["Status"] != "Disable" {
		t.Errorf("DescribeDomainRecords EXACT = %v", recs)
	}
}
