package privatezone_test

import (
	"context"
	"errors"
	"testing"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/dns/privatezone"
	"github.com/regdr/regdr/internal/aliyun"
	"github.com/regdr/regdr/internal/dnsprovider/dnsprovidertest"
)

// PrivateZone's real error codes come out as the dns sentinels. Each code is injected
// over HTTP with the status the product answers, and the remote code stays reachable.
func TestRealErrorCodes(t *testing.T) {
	t.Parallel()
	pz := dnstest.NewPrivateZone()
	z := pz.AddZone("example.com", "vpc-1")
	r, err := pz.AddRecord(z.ID, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1", TTL: 60})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(pz.Start(t))
	cfg.Retry.Attempts = 1 // one injected answer is the whole story
	p, err := privatezone.New(ctx(t), cfg, "example.com", "vpc-1")
	if err != nil {
		t.Fatal(err)
	}
	change := dns.Change{Record: r, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2"}
	calls := map[string]func(context.Context) error{
		"DescribeZoneInfo":    func(c context.Context) error { _, err := p.Zone(c); return err },
		"DescribeZoneRecords": func(c context.Context) error { _, err := p.Records(c, "@"); return err },
		"UpdateZoneRecord":    func(c context.Context) error { _, err := p.Apply(c, change); return err },
		"AddZoneRecord": func(c context.Context) error {
			_, err := p.AddRecord(c, dns.Record{Name: "new", Type: "A", Value: "10.0.0.9"})
			return err
		},
		"SetZoneRecordStatus": func(c context.Context) error { return p.SetRecordStatus(c, r.ID, true) },
	}
	dnsprovidertest.CheckCodes(t, pz.FailNext, calls, []dnsprovidertest.CodeCase{
		// DescribeZoneInfo API reference, "Error codes": 400 Zone.Invalid.Id "Zone id is
		// invalid."; the pvtz 2018-01-01 API metadata also lists Zone.Invalid.UserId and
		// Zone.NotExists; terraform-provider-alicloud (alicloud/service_alicloud_pvtz.go)
		// reads all three and ZoneVpc.NotExists.VpcId as "zone not found".
		{Action: "DescribeZoneInfo", Code: "Zone.Invalid.Id", Status: 400, Want: dns.ErrNotFound},
		{Action: "DescribeZoneInfo", Code: "Zone.Invalid.UserId", Status: 400, Want: dns.ErrNotFound}, // was ErrInvalidArgument only
		{Action: "DescribeZoneRecords", Code: "Zone.NotExists", Status: 400, Want: dns.ErrNotFound},
		{Action: "DescribeZoneRecords", Code: "Zone.Invalid.Id", Status: 400, Want: dns.ErrNotFound},
		{Action: "AddZoneRecord", Code: "ZoneVpc.NotExists.VpcId", Status: 400, Want: dns.ErrNotFound},
		// Throttling.User "Request was denied due to user flow control." (terraform-
		// provider-alicloud alicloud/errors.go PvtzThrottlingUser; Alibaba Cloud EDAS help
		// doc-detail/98807 quotes the message).
		{Action: "DescribeZoneRecords", Code: "Throttling.User", Status: 400, Want: dns.ErrThrottled},
		{Action: "UpdateZoneRecord", Code: "Throttling.User", Status: 400, Want: dns.ErrThrottled},
		// System.Busy: retried like throttling by terraform-provider-alicloud
		// (alicloud/errors.go PvtzSystemBusy): a temporary server error, no longer a
		// refused argument.
		{Action: "DescribeZoneRecords", Code: "System.Busy", Status: 400, Want: aliyun.ErrServer},
		// Forbidden.RAM with HTTP 403, "User not authorized to operate on the specified
		// resource, or this API doesn't support RAM." (as public clients log it); NoPermission;
		// IllegalUser "The user is illegal." (pvtz API metadata, DescribeZoneInfo).
		{Action: "UpdateZoneRecord", Code: "Forbidden.RAM", Status: 403, Want: dns.ErrUnauthorized},
		{Action: "SetZoneRecordStatus", Code: "NoPermission", Status: 403, Want: dns.ErrUnauthorized},
		{Action: "DescribeZoneInfo", Code: "IllegalUser", Status: 400, Want: dns.ErrUnauthorized}, // was ErrInvalidArgument only
		// Record.Invalid.Conflict (terraform-provider-alicloud alicloud/errors.go
		// RecordInvalidConflict) for a record with no identical twin: refused.
		{Action: "AddZoneRecord", Code: "Record.Invalid.Conflict", Status: 400, Want: dns.ErrInvalidRecord},
		// Unconfirmed record-level codes, kept: see notFoundCode.
		{Action: "UpdateZoneRecord", Code: "Record.Invalid.Id", Status: 400, Want: dns.ErrNotFound},
		{Action: "SetZoneRecordStatus", Code: "Record.Invalid.Id", Status: 400, Want: dns.ErrNotFound},
	})
	if got, _ := pz.Record(r.ID); got.Value != "10.0.0.1" {
		t.Errorf("record changed by refused calls: %v", got)
	}
}

// System.Busy is retried: a single one does not fail the call.
func TestSystemBusyRetried(t *testing.T) {
	t.Parallel()
	pz := dnstest.NewPrivateZone()
	z := pz.AddZone("example.com", "vpc-1")
	if _, err := pz.AddRecord(z.ID, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	p, err := privatezone.New(ctx(t), config(pz.Start(t)), "example.com", "vpc-1")
	if err != nil {
		t.Fatal(err)
	}
	pz.FailNext("DescribeZoneRecords", 1, 400, "System.Busy")
	if recs, err := p.Records(ctx(t), "@"); err != nil || len(recs) != 1 {
		t.Errorf("Records after one System.Busy = %v, %v, want the record", recs, err)
	}
}

// AddZoneRecord answers Record.Invalid.Conflict for a record that already exists; AddRecord
// returns the existing one, as the Alidns provider does with DomainRecordDuplicate. A CNAME
// clash keeps failing.
func TestAddRecordExisting(t *testing.T) {
	t.Parallel()
	pz := dnstest.NewPrivateZone()
	z := pz.AddZone("example.com", "vpc-1")
	existing, err := pz.AddRecord(z.ID, dns.Record{Name: "www", Type: "A", Value: "10.0.0.1", TTL: 30})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pz.AddRecord(z.ID, dns.Record{Name: "c", Type: "CNAME", Value: "a.example.com"}); err != nil {
		t.Fatal(err)
	}
	p, err := privatezone.New(ctx(t), config(pz.Start(t)), "example.com", "vpc-1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.AddRecord(ctx(t), dns.Record{Name: "www", Type: "A", Value: "10.0.0.1"})
	if err != nil || got.ID != existing.ID || got.TTL != 30 {
		t.Errorf("AddRecord(existing) = %v, %v, want %v", got, err, existing)
	}
	calls := pz.Calls()
	if len(calls) < 2 || calls[len(calls)-2] != "AddZoneRecord Record.Invalid.Conflict" {
		t.Errorf("calls = %v, want the conflict answered then a read", calls)
	}
	_, err = p.AddRecord(ctx(t), dns.Record{Name: "c", Type: "A", Value: "10.0.0.2"})
	var ae *alicloud.Error
	if !errors.Is(err, dns.ErrInvalidRecord) || !errors.As(err, &ae) || ae.Code != "Record.Invalid.Conflict" {
		t.Errorf("AddRecord(next to a CNAME) = %v, want ErrInvalidRecord with Record.Invalid.Conflict", err)
	}
	if n := len(pz.Records(z.ID)); n != 2 {
		t.Errorf("%d records, want 2", n)
	}
}
