package alidns_test

import (
	"context"
	"testing"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/alidns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/internal/dnsprovider/dnsprovidertest"
)

// Alidns's real error codes come out as the dns sentinels. Each code is injected over
// HTTP with the status the product answers, and the remote code stays reachable.
//
// Sources: the UpdateDomainRecord and AddDomainRecord API pages' error tables (copies at
// help-w.com/mix/1547615208_zh.html and help-w.com/microsoft/windows/1498112608.html, all
// HTTP 400): DomainRecordNotBelongToUser "The domain record does not belong to this user.",
// IncorrectDomainUser "The domain name does not belong to this user.",
// DomainRecordDuplicate, DomainRecordConflict. InvalidDomainName.NoExist (400) and
// Forbidden.RAM (403) as public clients log them.
func TestRealErrorCodes(t *testing.T) {
	t.Parallel()
	ad := dnstest.NewAlidns()
	ad.AddDomain("example.com")
	r, err := ad.AddRecord("example.com", dns.Record{Name: "harbor", Type: "A", Value: "203.0.113.10", TTL: 600})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(ad.Start(t))
	cfg.Retry.Attempts = 1
	p, err := alidns.New(ctx(t), cfg, "example.com")
	if err != nil {
		t.Fatal(err)
	}
	change := dns.Change{Record: r, ExpectValue: "203.0.113.10", NewValue: "47.0.0.1"}
	calls := map[string]func(context.Context) error{
		"DescribeDomainInfo":       func(c context.Context) error { _, err := alidns.New(c, cfg, "example.com"); return err },
		"DescribeDomainRecords":    func(c context.Context) error { _, err := p.Records(c, ""); return err },
		"DescribeSubDomainRecords": func(c context.Context) error { _, err := p.Records(c, "harbor"); return err },
		"UpdateDomainRecord":       func(c context.Context) error { _, err := p.Apply(c, change); return err },
		"AddDomainRecord": func(c context.Context) error {
			_, err := p.AddRecord(c, dns.Record{Name: "new", Type: "A", Value: "203.0.113.9"})
			return err
		},
		"SetDomainRecordStatus": func(c context.Context) error { return p.SetRecordStatus(c, r.ID, false) },
	}
	dnsprovidertest.CheckCodes(t, ad.FailNext, calls, []dnsprovidertest.CodeCase{
		{Action: "DescribeDomainInfo", Code: "InvalidDomainName.NoExist", Status: 400, Want: dns.ErrNoZone},
		{Action: "DescribeDomainInfo", Code: "IncorrectDomainUser", Status: 400, Want: dns.ErrNoZone}, // was ErrInvalidArgument only
		{Action: "DescribeDomainRecords", Code: "InvalidDomainName.NoExist", Status: 400, Want: dns.ErrNotFound},
		{Action: "AddDomainRecord", Code: "IncorrectDomainUser", Status: 400, Want: dns.ErrNotFound}, // was ErrInvalidArgument only
		{Action: "UpdateDomainRecord", Code: "DomainRecordNotBelongToUser", Status: 400, Want: dns.ErrNotFound},
		{Action: "SetDomainRecordStatus", Code: "DomainRecordNotBelongToUser", Status: 400, Want: dns.ErrNotFound},
		{Action: "UpdateDomainRecord", Code: "DomainRecordConflict", Status: 400, Want: dns.ErrInvalidRecord},
		{Action: "AddDomainRecord", Code: "DomainRecordConflict", Status: 400, Want: dns.ErrInvalidRecord},
		{Action: "DescribeSubDomainRecords", Code: "Throttling.User", Status: 400, Want: dns.ErrThrottled},
		{Action: "UpdateDomainRecord", Code: "Throttling", Status: 400, Want: dns.ErrThrottled},
		{Action: "UpdateDomainRecord", Code: "Forbidden.RAM", Status: 403, Want: dns.ErrUnauthorized},
		// IllegalUser "The user ID is illegal." / "not authorized" (Alidns
		// UpdateBatchDomainRecords, jp.alibabacloud.com/help/doc-detail/34321.htm).
		{Action: "SetDomainRecordStatus", Code: "IllegalUser", Status: 400, Want: dns.ErrUnauthorized}, // was ErrInvalidArgument only
		{Action: "DescribeDomainRecords", Code: "InvalidAccessKeyId.NotFound", Status: 404, Want: dns.ErrUnauthorized},
	})
	if got, _ := ad.Record(r.ID); got.Value != "203.0.113.10" || !got.Enabled() {
		t.Errorf("record changed by refused calls: %v", got)
	}
}
