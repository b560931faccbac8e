package dnstest

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/regdr/regdr/dns"
)

// The emulators answer the products' real error codes (literals here, so a renamed
// constant cannot hide a change), each with HTTP 400 as the products do.
func TestRealErrorCodes(t *testing.T) {
	t.Parallel()
	pz := NewPrivateZone()
	z := pz.AddZone("example.com", "vpc-1")
	if _, err := pz.AddRecord(z.ID, dns.Record{Name: "www", Type: "A", Value: "10.0.0.1", TTL: 60}); err != nil {
		t.Fatal(err)
	}
	if _, err := pz.AddRecord(z.ID, dns.Record{Name: "c", Type: "CNAME", Value: "a.example.com", TTL: 60}); err != nil {
		t.Fatal(err)
	}
	ad := NewAlidns()
	ad.AddDomain("example.com")
	ar, err := ad.AddRecord("example.com", dns.Record{Name: "www", Type: "A", Value: "10.0.0.1", TTL: 600})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ad.AddRecord("example.com", dns.Record{Name: "c", Type: "CNAME", Value: "a.example.com", TTL: 600}); err != nil {
		t.Fatal(err)
	}
	pzActs, adActs := pz.actions(), ad.actions()
	for _, tc := range []struct {
		name    string
		actions map[string]func(url.Values) (any, *apiError)
		action  string
		kv      []string
		code    string
	}{
		// pvtz 2018-01-01 API reference, DescribeZoneInfo "Error codes": 400 Zone.Invalid.Id
		// "Zone id is invalid.".
		{"pvtz zone unknown (info)", nil, "DescribeZoneInfo", []string{"ZoneId", "nope"}, "Zone.Invalid.Id"},
		// pvtz API metadata (DescribeZoneInfo errorCodes) and terraform-provider-alicloud
		// alicloud/errors.go ZoneNotExists: 400 Zone.NotExists "Zone is not exists".
		{"pvtz zone unknown (records)", nil, "DescribeZoneRecords", []string{"ZoneId", "nope"}, "Zone.NotExists"},
		{"pvtz zone unknown (add)", nil, "AddZoneRecord", []string{"ZoneId", "nope", "Rr", "x", "Type", "A", "Value", "10.0.0.9"}, "Zone.NotExists"},
		// terraform-provider-alicloud alicloud/errors.go RecordInvalidConflict and
		// resource_alicloud_pvtz_zone_record.go: AddZoneRecord of an existing record.
		{"pvtz duplicate", nil, "AddZoneRecord", []string{"ZoneId", z.ID, "Rr", "www", "Type", "A", "Value", "10.0.0.1"}, "Record.Invalid.Conflict"},
		// Unconfirmed (no public source): a CNAME clash, an unknown record, a refused TTL.
		{"pvtz CNAME clash", nil, "AddZoneRecord", []string{"ZoneId", z.ID, "Rr", "c", "Type", "A", "Value", "10.0.0.2"}, "Record.Invalid.Conflict"},
		{"pvtz record unknown", nil, "SetZoneRecordStatus", []string{"RecordId", "999", "Status", "DISABLE"}, "Record.Invalid.Id"},
		// Alidns DescribeDomainInfo: HTTP 400 InvalidDomainName.NoExist "The specified domain
		// name does not exist." as public clients log it.
		{"alidns domain unknown", adActs, "DescribeDomainInfo", []string{"DomainName", "example.org"}, "InvalidDomainName.NoExist"},
		{"alidns domain unknown (records)", adActs, "DescribeDomainRecords", []string{"DomainName", "example.org"}, "InvalidDomainName.NoExist"},
		// Alidns UpdateDomainRecord error table (help-w.com/mix/1547615208_zh.html): 400
		// DomainRecordNotBelongToUser, DomainRecordDuplicate, DomainRecordConflict.
		{"alidns record unknown", adActs, "UpdateDomainRecord", []string{"RecordId", "999", "RR", "www", "Type", "A", "Value", "10.0.0.2"}, "DomainRecordNotBelongToUser"},
		{"alidns no-op update", adActs, "UpdateDomainRecord", []string{"RecordId", ar.ID, "RR", "www", "Type", "A", "Value", "10.0.0.1", "TTL", "600"}, "DomainRecordDuplicate"},
		// AddDomainRecord error table (help-w.com/microsoft/windows/1498112608.html).
		{"alidns duplicate", adActs, "AddDomainRecord", []string{"DomainName", "example.com", "RR", "www", "Type", "A", "Value", "10.0.0.1"}, "DomainRecordDuplicate"},
		{"alidns CNAME clash", adActs, "AddDomainRecord", []string{"DomainName", "example.com", "RR", "c", "Type", "A", "Value", "10.0.0.2"}, "DomainRecordConflict"},
	} {
		acts := tc.actions
		if acts == nil {
			acts = pzActs
		}
		_, aerr := call(t, acts, tc.action, tc.kv...)
		if aerr == nil || aerr.code != tc.code || aerr.status != http.StatusBadRequest {
			t.Errorf("%s: %s = %v, want HTTP 400 %s", tc.name, tc.action, aerr, tc.code)
		}
	}
}
