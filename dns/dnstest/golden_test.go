package dnstest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/internal/aliyuntest"
)

// signedCall is one v1-signed call to endpoint; it returns the status and body as sent.
func signedCall(t *testing.T, endpoint, version, action string, kv ...string) (int, []byte) {
	t.Helper()
	params := url.Values{
		"Action": {action}, "Version": {version}, "AccessKeyId": {dnstest.AccessKeyID}, "Format": {"JSON"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureVersion": {"1.0"}, "Timestamp": {"2026-01-01T00:00:00Z"},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		params.Set(kv[i], kv[i+1])
	}
	params.Set("SignatureNonce", "g-"+action+params.Encode())
	resp, err := http.Post("http://"+endpoint+"/?"+aliyuntest.SignV1("POST", params, dnstest.AccessKeySecret), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

type goldenCase struct {
	file        string // testdata/golden/<dir>/<action>.<file>.json; "" = <action>.json
	action      string
	params      []string
	notEmulated []string // documented fields dnstest does not answer, each with its reason
}

func checkGolden(t *testing.T, endpoint, version, dir string, cases []goldenCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.action+"/"+tc.file, func(t *testing.T) {
			file := tc.action
			if tc.file != "" {
				file += "." + tc.file
			}
			g, err := aliyuntest.LoadGolden(filepath.Join("testdata", "golden", dir, file+".json"))
			if err != nil {
				t.Fatal(err)
			}
			status, got := signedCall(t, endpoint, version, tc.action, tc.params...)
			if status != g.Status {
				t.Fatalf("%s answered %d %s, documented %d", tc.action, status, got, g.Status)
			}
			diff, err := aliyuntest.ShapeDiff(g.Response, got, tc.notEmulated...)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range diff {
				t.Errorf("%s: %s (documented: %s)", tc.action, d, g.Source)
			}
			if g.Status != 200 {
				var want, have struct{ Code, Message string }
				_ = json.Unmarshal(g.Response, &want)
				_ = json.Unmarshal(got, &have)
				if want.Code != have.Code {
					t.Errorf("%s: code %q, documented %q", tc.action, have.Code, want.Code)
				}
			}
		})
	}
}

// TestPrivateZoneGolden holds every action the PrivateZone emulator serves to the
// documented example answer (testdata/golden/pvtz, from shared/reference/alibaba/pvtz.md).
func TestPrivateZoneGolden(t *testing.T) {
	t.Parallel()
	pz := dnstest.NewPrivateZone()
	z := pz.AddZone("test.com", "vpc-golden")
	r, err := pz.AddRecord(z.ID, dns.Record{Name: "mail", Type: "MX", Value: "mx.test.com", Priority: 10, TTL: 60})
	if err != nil {
		t.Fatal(err)
	}
	ep := pz.Start(t)
	noZoneExtras := []string{
		"Zones.Zone[].ZoneTag", "Zones.Zone[].Remark", "Zones.Zone[].ResourceGroupId", "Zones.Zone[].DnsGroup",
		"Zones.Zone[].DnsGroupChanging", "Zones.Zone[].Creator", "Zones.Zone[].CreatorSubType",
		"Zones.Zone[].CreateTimestamp", "Zones.Zone[].UpdateTimestamp", "Zones.Zone[].ResourceTags",
	}
	checkGolden(t, ep, "2018-01-01", "pvtz", []goldenCase{
		{"", "DescribeZones", nil, noZoneExtras}, // tags, groups, creators and remarks are not emulated
		{"", "DescribeZoneInfo", []string{"ZoneId", z.ID}, []string{"ResourceGroupId", "Remark", "ZoneTag", "DnsGroup",
			"Creator", "CreatorType", "DnsGroupChanging", "CreateTime", "UpdateTime", "CreateTimestamp", "UpdateTimestamp",
			"BindVpcs.Vpc[].RegionName", "BindVpcs.Vpc[].VpcUserId"}}, // not emulated: zone metadata, VPC owner
		{"", "DescribeZoneRecords", []string{"ZoneId", z.ID}, []string{"Records.Record[].Remark"}}, // remarks are not emulated
		{"", "AddZoneRecord", []string{"ZoneId", z.ID, "Rr", "www", "Type", "A", "Value", "127.0.0.1"}, nil},
		{"", "UpdateZoneRecord", []string{"RecordId", r.ID, "Rr", "mail", "Type", "MX", "Value", "mx2.test.com", "Priority", "5", "Ttl", "60"}, nil},
		{"", "SetZoneRecordStatus", []string{"RecordId", r.ID, "Status", "DISABLE"}, nil},
		{"", "AddZone", []string{"ZoneName", "example.com"}, nil},
		{"", "BindZoneVpc", []string{"ZoneId", z.ID, "Vpcs.1.RegionId", "cn-hangzhou", "Vpcs.1.VpcId", "vpc-golden"}, nil},
		{"unknown", "DescribeZoneInfo", []string{"ZoneId", "nope"}, nil},
		{"unknown", "DescribeZoneRecords", []string{"ZoneId", "nope"}, nil},
	})
}

// TestAlidnsGolden holds every action the Alidns emulator serves to the documented example
// answer (testdata/golden/alidns, from shared/reference/alibaba/alidns.md; AddDomain from
// the SDK model).
func TestAlidnsGolden(t *testing.T) {
	t.Parallel()
	ad := dnstest.NewAlidns()
	ad.AddDomain("example.com")
	r, err := ad.AddRecord("example.com", dns.Record{Name: "www", Type: "MX", Value: "mail1.hichina.com", Priority: 5, TTL: 600})
	if err != nil {
		t.Fatal(err)
	}
	ep := ad.Start(t)
	checkGolden(t, ep, "2015-01-09", "alidns", []goldenCase{
		{"", "DescribeDomainInfo", []string{"DomainName", "example.com", "NeedDetailAttributes", "true"}, nil},
		{"", "DescribeDomainRecords", []string{"DomainName", "example.com"}, []string{"DomainRecords.Record[].Remark"}}, // remarks are not emulated
		{"", "DescribeSubDomainRecords", []string{"SubDomain", "www.example.com"}, []string{"DomainRecords.Record[].Remark"}},
		{"", "DescribeDomainRecordInfo", []string{"RecordId", r.ID}, []string{"Remark"}},
		{"", "AddDomainRecord", []string{"DomainName", "example.com", "RR", "@", "Type", "A", "Value", "192.0.2.254"}, nil},
		{"", "UpdateDomainRecord", []string{"RecordId", r.ID, "RR", "www", "Type", "MX", "Value", "mail2.hichina.com", "Priority", "5"}, nil},
		{"", "SetDomainRecordStatus", []string{"RecordId", r.ID, "Status", "Disable"}, nil},
		{"", "AddDomain", []string{"DomainName", "dns-example.top"}, nil},
		{"ttl", "AddDomainRecord", []string{"DomainName", "example.com", "RR", "low", "Type", "A", "Value", "192.0.2.1", "TTL", "300"}, nil},
		{"unchanged", "UpdateDomainRecord", []string{"RecordId", r.ID, "RR", "www", "Type", "MX", "Value", "mail2.hichina.com", "Priority", "5", "TTL", "600"}, nil},
	})
}
