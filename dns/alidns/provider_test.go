package alidns_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/alidns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/internal/aliyuntest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	dnstest.TestProvider(t, func(t *testing.T) dnstest.Fixture {
		ad := dnstest.NewAlidns(dnstest.WithMaxPageSize(7))
		ad.AddDomain("example.com")
		p, err := alidns.New(ctx(t), config(ad.Start(t)), "example.com", alidns.WithPageSize(7))
		if err != nil {
			t.Fatal(err)
		}
		return dnstest.Fixture{
			Provider: p,
			Zone:     "example.com",
			Seed:     func(r dns.Record) (dns.Record, error) { return ad.AddRecord("example.com", r) },
			Get:      ad.Record,
			Set:      ad.SetRecord,
			TTLs:     [2]int{1200, 600},
			BadTTL:   90000,
		}
	})
}

func TestUnknownDomain(t *testing.T) {
	t.Parallel()
	ad := dnstest.NewAlidns()
	ad.AddDomain("example.com")
	_, err := alidns.New(ctx(t), config(ad.Start(t)), "example.org")
	var ae *alicloud.Error
	if !errors.Is(err, dns.ErrNoZone) || !errors.As(err, &ae) || ae.Code != "InvalidDomainName.NoExist" {
		t.Errorf("New(example.org) = %v, want ErrNoZone with the remote code", err)
	}
}

// Records of a name exclude the deeper names DescribeSubDomainRecords also answers.
func TestRecordsFiltersDeeperNames(t *testing.T) {
	t.Parallel()
	ad := dnstest.NewAlidns()
	ad.AddDomain("example.com")
	for _, r := range []dns.Record{
		{Name: "harbor", Type: "A", Value: "203.0.113.10"},
		{Name: "a.harbor", Type: "A", Value: "203.0.113.11"},
		{Name: "*.harbor", Type: "A", Value: "203.0.113.12"},
	} {
		if _, err := ad.AddRecord("example.com", r); err != nil {
			t.Fatal(err)
		}
	}
	p, err := alidns.New(ctx(t), config(ad.Start(t)), "example.com")
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Records(ctx(t), "harbor")
	if err != nil || len(got) != 1 || got[0].Value != "203.0.113.10" {
		t.Errorf("Records(harbor) = %v, %v, want the one record", got, err)
	}
	if n := ad.CallCount("DescribeSubDomainRecords"); n != 1 {
		t.Errorf("DescribeSubDomainRecords called %d times, want 1", n)
	}
}

// An update answered DomainRecordDuplicate is success only when a re-read shows the
// target; otherwise (a duplicate of another record) it is refused with its code.
func TestApplyDuplicate(t *testing.T) {
	t.Parallel()
	ad := dnstest.NewAlidns()
	ad.AddDomain("example.com")
	r, err := ad.AddRecord("example.com", dns.Record{Name: "harbor", Type: "A", Value: "203.0.113.10", TTL: 1200})
	if err != nil {
		t.Fatal(err)
	}
	p, err := alidns.New(ctx(t), config(ad.Start(t)), "example.com")
	if err != nil {
		t.Fatal(err)
	}
	ad.FailNext("UpdateDomainRecord", 1, 400, "DomainRecordDuplicate")
	_, err = p.Apply(ctx(t), dns.Change{Record: r, ExpectValue: "203.0.113.10", NewValue: "47.0.0.1"})
	var ae *alicloud.Error
	if !errors.As(err, &ae) || ae.Code != "DomainRecordDuplicate" {
		t.Errorf("Apply answered a duplicate while the record is unchanged = %v, want the DomainRecordDuplicate error", err)
	}
	// The TTL is always sent back: the update keeps 1200 rather than the API's 600.
	got, err := p.Apply(ctx(t), dns.Change{Record: r, ExpectValue: "203.0.113.10", NewValue: "47.0.0.1"})
	if err != nil || got.TTL != 1200 {
		t.Fatalf("Apply = %v, %v", got, err)
	}
	if now, _ := ad.Record(r.ID); now.TTL != 1200 || now.Value != "47.0.0.1" {
		t.Errorf("stored record = %v, want 47.0.0.1 with TTL 1200", now)
	}
}

// The free edition's TTL floor is 600 s (MinTtl from DescribeDomainInfo): the provider
// refuses a lower TTL before any write with ErrTTLBelowMinimum (a dns.ErrInvalidRecord),
// keeps the record's TTL when the change sets none, and maps the API's own
// QuotaExceeded.TTL to the same error when the floor moved under it.
func TestTTLBelowMinimum(t *testing.T) {
	t.Parallel()
	ad := dnstest.NewAlidns()
	ad.AddDomain("example.com")
	r, err := ad.AddRecord("example.com", dns.Record{Name: "harbor", Type: "A", Value: "203.0.113.1", TTL: 600})
	if err != nil {
		t.Fatal(err)
	}
	p, err := alidns.New(ctx(t), config(ad.Start(t)), "example.com")
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.AddRecord(ctx(t), dns.Record{Name: "new", Type: "A", Value: "203.0.113.2", TTL: 300})
	if !errors.Is(err, alidns.ErrTTLBelowMinimum) || !errors.Is(err, dns.ErrInvalidRecord) ||
		!strings.Contains(err.Error(), "at least 600") || !strings.Contains(err.Error(), "mianfei") {
		t.Errorf("AddRecord(TTL 300) = %v, want ErrTTLBelowMinimum naming the 600 s floor and the edition", err)
	}
	_, err = p.Apply(ctx(t), dns.Change{Record: r, ExpectValue: "203.0.113.1", NewValue: "203.0.113.9", TTL: 60})
	if !errors.Is(err, alidns.ErrTTLBelowMinimum) {
		t.Errorf("Apply(TTL 60) = %v, want ErrTTLBelowMinimum", err)
	}
	for _, c := range ad.Calls() {
		if c == "AddDomainRecord" || c == "UpdateDomainRecord" {
			t.Errorf("a refused TTL reached the API: %v", ad.Calls())
		}
	}
	got, err := p.Apply(ctx(t), dns.Change{Record: r, ExpectValue: "203.0.113.1", NewValue: "203.0.113.9"})
	if err != nil || got.TTL != 600 {
		t.Errorf("Apply without a TTL = %v, %v; want the record's 600 s kept", got, err)
	}

	// The provider read a 60 s floor; the domain is downgraded since: the API refuses.
	if err := ad.SetEdition("example.com", "version_enterprise_basic"); err != nil {
		t.Fatal(err)
	}
	p2, err := alidns.New(ctx(t), config(ad.Start(t)), "example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := ad.SetEdition("example.com", "mianfei"); err != nil {
		t.Fatal(err)
	}
	_, err = p2.AddRecord(ctx(t), dns.Record{Name: "new", Type: "A", Value: "203.0.113.2", TTL: 300})
	var ae *alicloud.Error
	if !errors.Is(err, alidns.ErrTTLBelowMinimum) || !errors.As(err, &ae) || ae.Code != "QuotaExceeded.TTL" {
		t.Errorf("AddRecord(TTL 300) after a downgrade = %v, want ErrTTLBelowMinimum with the API's QuotaExceeded.TTL", err)
	}
}

// DescribeSubDomainRecords takes PageSize 100 at most: a provider with a larger page size
// still reads one name's records, over several pages.
func TestSubDomainPageSize(t *testing.T) {
	t.Parallel()
	ad := dnstest.NewAlidns()
	ad.AddDomain("example.com")
	for i := range 105 {
		if _, err := ad.AddRecord("example.com", dns.Record{Name: "many", Type: "A", Value: fmt.Sprintf("203.0.113.%d", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := alidns.New(ctx(t), config(ad.Start(t)), "example.com", alidns.WithPageSize(500))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := p.Records(ctx(t), "many")
	if err != nil || len(recs) != 105 {
		t.Errorf("Records(many) = %d records, %v; want 105", len(recs), err)
	}
}

// TestOneLineEmulator: dnstest's Config serves the emulator and configures a provider in
// one line.
func TestOneLineEmulator(t *testing.T) {
	t.Parallel()
	a := dnstest.NewAlidns()
	a.AddDomain("example.com")
	if _, err := alidns.New(ctx(t), a.Config(t), "example.com"); err != nil {
		t.Fatalf("New on a.Config(t): %v", err)
	}
}

// config points a provider at an emulator; its retries do not sleep.
func config(endpoint string) alicloud.Config {
	return aliyuntest.Config(endpoint, dnstest.AccessKeyID, dnstest.AccessKeySecret)
}

func ctx(t *testing.T) context.Context { return aliyuntest.Context(t) }
