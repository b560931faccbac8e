package dnstest_test

import (
	"context"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	pvtz "github.com/alibabacloud-go/pvtz-20180101/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
)

func pvtzClient(t *testing.T, endpoint, secret string) *pvtz.Client {
	t.Helper()
	c, err := pvtz.NewClient(&openapi.Config{
		Endpoint:        tea.String(endpoint),
		Protocol:        tea.String("HTTP"),
		RegionId:        tea.String("cn-hangzhou"),
		AccessKeyId:     tea.String(dnstest.AccessKeyID),
		AccessKeySecret: tea.String(secret),
		NoProxy:         tea.String("*"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The raw SDK decodes the emulator's answers into its own types: Zones.Zone[],
// BindVpcs.Vpc[], Records.Record[] and the pagination fields.
func TestPrivateZoneWireShapes(t *testing.T) {
	t.Parallel()
	pz := dnstest.NewPrivateZone(dnstest.WithMaxPageSize(2))
	z := pz.AddZone("cross-region.registry.io", "vpc-bbbbb")
	for _, v := range []string{"10.0.0.1", "10.0.0.2", "10.0.0.3"} {
		if _, err := pz.AddRecord(z.ID, dns.Record{Name: "@", Type: "A", Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	c := pvtzClient(t, pz.Start(t), dnstest.AccessKeySecret)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rt := &dara.RuntimeOptions{}

	zs, err := c.DescribeZonesWithContext(ctx, &pvtz.DescribeZonesRequest{Keyword: tea.String("cross-region.registry.io"), SearchMode: tea.String("EXACT")}, rt)
	if err != nil {
		t.Fatal(err)
	}
	if len(zs.Body.Zones.Zone) != 1 || tea.StringValue(zs.Body.Zones.Zone[0].ZoneId) != z.ID || tea.Int32Value(zs.Body.TotalItems) != 1 {
		t.Errorf("DescribeZones body = %v", zs.Body)
	}
	info, err := c.DescribeZoneInfoWithContext(ctx, &pvtz.DescribeZoneInfoRequest{ZoneId: tea.String(z.ID)}, rt)
	if err != nil {
		t.Fatal(err)
	}
	if v := info.Body.BindVpcs.Vpc; len(v) != 1 || tea.StringValue(v[0].VpcId) != "vpc-bbbbb" {
		t.Errorf("BindVpcs = %v", info.Body.BindVpcs)
	}
	recs, err := c.DescribeZoneRecordsWithContext(ctx, &pvtz.DescribeZoneRecordsRequest{ZoneId: tea.String(z.ID), PageNumber: tea.Int32(2), PageSize: tea.Int32(2)}, rt)
	if err != nil {
		t.Fatal(err)
	}
	b := recs.Body
	got := []any{tea.Int32Value(b.PageNumber), tea.Int32Value(b.PageSize), tea.Int32Value(b.TotalItems), tea.Int32Value(b.TotalPages), len(b.Records.Record), tea.StringValue(b.Records.Record[0].Value), tea.Int32Value(b.Records.Record[0].Ttl)}
	want := []any{int32(2), int32(2), int32(3), int32(2), 1, "10.0.0.3", int32(60)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DescribeZoneRecords page 2 (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"DescribeZones", "DescribeZoneInfo", "DescribeZoneRecords"}, pz.Calls()); diff != "" {
		t.Errorf("Calls (-want +got):\n%s", diff)
	}
}

// A request signed with the wrong secret is refused and changes nothing.
func TestEmulatorVerifiesSignatures(t *testing.T) {
	t.Parallel()
	pz := dnstest.NewPrivateZone()
	z := pz.AddZone("example.com", "vpc-1")
	c := pvtzClient(t, pz.Start(t), "not-the-secret")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.AddZoneRecordWithContext(ctx, &pvtz.AddZoneRecordRequest{ZoneId: tea.String(z.ID), Rr: tea.String("@"), Type: tea.String("A"), Value: tea.String("10.0.0.1")}, &dara.RuntimeOptions{})
	if err == nil {
		t.Fatal("AddZoneRecord with a wrong signature succeeded")
	}
	if n := len(pz.Records(z.ID)); n != 0 {
		t.Errorf("%d records written by a refused call", n)
	}
}
