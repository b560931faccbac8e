package dnstest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	alidns "github.com/alibabacloud-go/alidns-20150109/v5/client"
	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	pvtz "github.com/alibabacloud-go/pvtz-20180101/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/internal/aliyun"
)

func alidnsClient(t *testing.T, endpoint string) *alidns.Client {
	t.Helper()
	c, err := alidns.NewClient(&openapi.Config{
		Endpoint: tea.String(endpoint), Protocol: tea.String("HTTP"), RegionId: tea.String("cn-hangzhou"),
		AccessKeyId: tea.String(dnstest.AccessKeyID), AccessKeySecret: tea.String(dnstest.AccessKeySecret), NoProxy: tea.String("*"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func sdkCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// sdkCode is the code and status of an SDK error.
func sdkCode(err error) (string, int) {
	var e *aliyun.Error
	if errors.As(aliyun.Convert("call", err), &e) {
		return e.Code, e.StatusCode
	}
	return "", 0
}

// A user's test seeds Alidns through the SDK: AddDomain, then records; the TTL floor of
// the free edition (600 s, reported as MinTtl) is enforced with QuotaExceeded.TTL (400);
// DescribeDomainRecordInfo reads one record back.
func TestAlidnsThroughSDK(t *testing.T) {
	t.Parallel()
	ad := dnstest.NewAlidns()
	c := alidnsClient(t, ad.Start(t))
	ctx, rt := sdkCtx(t), &dara.RuntimeOptions{}
	d, err := c.AddDomainWithContext(ctx, &alidns.AddDomainRequest{DomainName: tea.String("Example.COM")}, rt)
	if err != nil || tea.StringValue(d.Body.DomainName) != "example.com" || tea.StringValue(d.Body.DomainId) == "" {
		t.Fatalf("AddDomain = %v, %v", d, err)
	}
	if _, err := c.AddDomainWithContext(ctx, &alidns.AddDomainRequest{DomainName: tea.String("example.com")}, rt); err == nil {
		t.Error("AddDomain of an existing domain succeeded")
	}
	info, err := c.DescribeDomainInfoWithContext(ctx, &alidns.DescribeDomainInfoRequest{DomainName: tea.String("example.com"), NeedDetailAttributes: tea.Bool(true)}, rt)
	if err != nil || tea.StringValue(info.Body.VersionCode) != "mianfei" || tea.Int64Value(info.Body.MinTtl) != 600 {
		t.Errorf("DescribeDomainInfo = %v, %v; want the free edition with MinTtl 600", info, err)
	}

	add := func(rr string, ttl int64) (string, error) {
		r, err := c.AddDomainRecordWithContext(ctx, &alidns.AddDomainRecordRequest{DomainName: tea.String("example.com"),
			RR: tea.String(rr), Type: tea.String("A"), Value: tea.String("203.0.113.1"), TTL: tea.Int64(ttl)}, rt)
		if err != nil {
			return "", err
		}
		return tea.StringValue(r.Body.RecordId), nil
	}
	for _, tc := range []struct {
		edition string
		ttl     int64
		code    string
	}{
		{"", 300, "QuotaExceeded.TTL"},
		{"", 599, "QuotaExceeded.TTL"},
		{"", 600, ""},
		{"version_enterprise_basic", 60, ""},
		{"version_enterprise_basic", 59, "QuotaExceeded.TTL"},
		{"version_enterprise_advanced", 1, ""},
		{"version_enterprise_advanced", 86401, "InvalidParameter"},
	} {
		if tc.edition != "" {
			if err := ad.SetEdition("example.com", tc.edition); err != nil {
				t.Fatal(err)
			}
		}
		_, err := add("ttl"+strings.TrimPrefix(tc.edition, "version_")+"-"+time.Duration(tc.ttl).String(), tc.ttl)
		code, status := sdkCode(err)
		if code != tc.code || (tc.code != "" && status != 400) {
			t.Errorf("edition %q TTL %d: %v (%s %d), want %q with 400", tc.edition, tc.ttl, err, code, status, tc.code)
		}
	}
	if !strings.Contains(func() string {
		_ = ad.SetEdition("example.com", "mianfei")
		_, err := add("x", 300)
		return err.Error()
	}(), "range of 600 to 86400") {
		t.Error("QuotaExceeded.TTL message does not name the range")
	}

	id, err := c.AddDomainRecordWithContext(ctx, &alidns.AddDomainRecordRequest{DomainName: tea.String("example.com"),
		RR: tea.String("mail"), Type: tea.String("MX"), Value: tea.String("mx.example.net"), Priority: tea.Int64(5)}, rt)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.DescribeDomainRecordInfoWithContext(ctx, &alidns.DescribeDomainRecordInfoRequest{RecordId: id.Body.RecordId}, rt)
	if err != nil {
		t.Fatalf("DescribeDomainRecordInfo: %v", err)
	}
	b := got.Body
	if diff := cmp.Diff([]any{"mail", "MX", "mx.example.net", int64(600), int64(5), "Enable", "example.com", "default"},
		[]any{tea.StringValue(b.RR), tea.StringValue(b.Type), tea.StringValue(b.Value), tea.Int64Value(b.TTL), tea.Int64Value(b.Priority),
			tea.StringValue(b.Status), tea.StringValue(b.DomainName), tea.StringValue(b.Line)}); diff != "" {
		t.Errorf("DescribeDomainRecordInfo (-want +got):\n%s", diff)
	}
	_, err = c.DescribeDomainRecordInfoWithContext(ctx, &alidns.DescribeDomainRecordInfoRequest{RecordId: tea.String("1")}, rt)
	if code, status := sdkCode(err); code != "DomainRecordNotBelongToUser" || status != 400 {
		t.Errorf("DescribeDomainRecordInfo(unknown) = %v, want 400 DomainRecordNotBelongToUser", err)
	}
}

// DescribeDomainRecords: SearchMode LIKE/EXACT applies KeyWord only; RRKeyWord,
// TypeKeyWord and ValueKeyWord apply in ADVANCED or without a mode; newest first.
func TestAlidnsSearchModes(t *testing.T) {
	t.Parallel()
	ad := dnstest.NewAlidns()
	ad.AddDomain("example.com")
	for _, r := range []dns.Record{
		{Name: "harbor", Type: "A", Value: "203.0.113.1"},
		{Name: "harbor-dr", Type: "A", Value: "203.0.113.2"},
		{Name: "www", Type: "CNAME", Value: "harbor.example.com"},
		{Name: "mail", Type: "TXT", Value: "v=spf1 -all"},
	} {
		if _, err := ad.AddRecord("example.com", r); err != nil {
			t.Fatal(err)
		}
	}
	c := alidnsClient(t, ad.Start(t))
	for _, tc := range []struct {
		name string
		req  alidns.DescribeDomainRecordsRequest
		want []string
	}{
		{"no filter, newest first", alidns.DescribeDomainRecordsRequest{}, []string{"mail", "www", "harbor-dr", "harbor"}},
		{"Direction ASC", alidns.DescribeDomainRecordsRequest{Direction: tea.String("ASC")}, []string{"harbor", "harbor-dr", "www", "mail"}},
		{"KeyWord, no mode = LIKE on RR and value", alidns.DescribeDomainRecordsRequest{KeyWord: tea.String("harbor")}, []string{"www", "harbor-dr", "harbor"}},
		{"KeyWord EXACT", alidns.DescribeDomainRecordsRequest{KeyWord: tea.String("harbor"), SearchMode: tea.String("EXACT")}, []string{"harbor"}},
		{"EXACT ignores RRKeyWord", alidns.DescribeDomainRecordsRequest{RRKeyWord: tea.String("harbor"), SearchMode: tea.String("EXACT")}, []string{"mail", "www", "harbor-dr", "harbor"}},
		{"LIKE ignores TypeKeyWord", alidns.DescribeDomainRecordsRequest{KeyWord: tea.String("harbor"), TypeKeyWord: tea.String("A"), SearchMode: tea.String("LIKE")}, []string{"www", "harbor-dr", "harbor"}},
		{"RRKeyWord without a mode is fuzzy", alidns.DescribeDomainRecordsRequest{RRKeyWord: tea.String("HARB")}, []string{"harbor-dr", "harbor"}},
		{"ADVANCED ignores KeyWord", alidns.DescribeDomainRecordsRequest{KeyWord: tea.String("nothing"), TypeKeyWord: tea.String("cname"), SearchMode: tea.String("ADVANCED")}, []string{"www"}},
		{"ValueKeyWord", alidns.DescribeDomainRecordsRequest{ValueKeyWord: tea.String("spf"), SearchMode: tea.String("ADVANCED")}, []string{"mail"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req
			req.DomainName = tea.String("example.com")
			resp, err := c.DescribeDomainRecordsWithContext(sdkCtx(t), &req, &dara.RuntimeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range resp.Body.DomainRecords.Record {
				got = append(got, tea.StringValue(r.RR))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
		})
	}
}

// A user's test seeds PrivateZone through the SDK: AddZone, BindZoneVpc (which replaces
// the whole VPC list); DescribeZoneRecords with a Keyword and no SearchMode is EXACT.
func TestPrivateZoneThroughSDK(t *testing.T) {
	t.Parallel()
	pz := dnstest.NewPrivateZone()
	c := pvtzClient(t, pz.Start(t), dnstest.AccessKeySecret)
	ctx, rt := sdkCtx(t), &dara.RuntimeOptions{}
	z, err := c.AddZoneWithContext(ctx, &pvtz.AddZoneRequest{ZoneName: tea.String("registry.internal"), ProxyPattern: tea.String("ZONE")}, rt)
	if err != nil || !tea.BoolValue(z.Body.Success) || tea.StringValue(z.Body.ZoneName) != "registry.internal" {
		t.Fatalf("AddZone = %v, %v", z, err)
	}
	id := z.Body.ZoneId
	bind := func(vpcs ...string) error {
		req := &pvtz.BindZoneVpcRequest{ZoneId: id}
		for _, v := range vpcs {
			req.Vpcs = append(req.Vpcs, &pvtz.BindZoneVpcRequestVpcs{RegionId: tea.String("cn-hangzhou"), VpcId: tea.String(v)})
		}
		_, err := c.BindZoneVpcWithContext(ctx, req, rt)
		return err
	}
	bound := func() []string {
		info, err := c.DescribeZoneInfoWithContext(ctx, &pvtz.DescribeZoneInfoRequest{ZoneId: id}, rt)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, v := range info.Body.BindVpcs.Vpc {
			out = append(out, tea.StringValue(v.VpcId))
		}
		return out
	}
	if err := bind("vpc-a", "vpc-b"); err != nil {
		t.Fatal(err)
	}
	if got := bound(); !cmp.Equal(got, []string{"vpc-a", "vpc-b"}) {
		t.Errorf("after binding a, b: %v", got)
	}
	if err := bind("vpc-c"); err != nil {
		t.Fatal(err)
	}
	if got := bound(); !cmp.Equal(got, []string{"vpc-c"}) {
		t.Errorf("BindZoneVpc(c) left %v, want only vpc-c (it replaces the list)", got)
	}
	if err := bind(); err != nil || len(bound()) != 0 {
		t.Errorf("BindZoneVpc() = %v, left %v; want every VPC unbound", err, bound())
	}
	twin, err := c.AddZoneWithContext(ctx, &pvtz.AddZoneRequest{ZoneName: tea.String("registry.internal")}, rt)
	if err != nil {
		t.Fatal(err)
	}
	if err := bind("vpc-x"); err != nil {
		t.Fatal(err)
	}
	_, err = c.BindZoneVpcWithContext(ctx, &pvtz.BindZoneVpcRequest{ZoneId: twin.Body.ZoneId,
		Vpcs: []*pvtz.BindZoneVpcRequestVpcs{{RegionId: tea.String("cn-hangzhou"), VpcId: tea.String("vpc-x")}}}, rt)
	if code, status := sdkCode(err); code != "ZoneVpc.Zone.Repeated" || status != 400 {
		t.Errorf("binding a VPC to a second zone of the same name = %v, want 400 ZoneVpc.Zone.Repeated", err)
	}
	if got := pz.Zones(); len(got) != 2 || got[0].ID != tea.StringValue(id) {
		t.Errorf("Zones = %v", got)
	}

	for _, rr := range []string{"harbor", "harbor-dr", "a.harbor"} {
		if _, err := c.AddZoneRecordWithContext(ctx, &pvtz.AddZoneRecordRequest{ZoneId: id, Rr: tea.String(rr), Type: tea.String("A"), Value: tea.String("10.0.0.1")}, rt); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		mode *string
		want []string
	}{
		{nil, []string{"harbor"}},
		{tea.String("EXACT"), []string{"harbor"}},
		{tea.String("LIKE"), []string{"harbor", "harbor-dr", "a.harbor"}},
	} {
		resp, err := c.DescribeZoneRecordsWithContext(ctx, &pvtz.DescribeZoneRecordsRequest{ZoneId: id, Keyword: tea.String("HARBOR"), SearchMode: tc.mode}, rt)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range resp.Body.Records.Record {
			got = append(got, tea.StringValue(r.Rr))
		}
		if !cmp.Equal(got, tc.want) {
			t.Errorf("Keyword HARBOR, SearchMode %v = %v, want %v", tea.StringValue(tc.mode), got, tc.want)
		}
	}
}
