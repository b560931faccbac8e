package alidns

import (
	"context"
	"fmt"
	"strings"

	alidns "github.com/alibabacloud-go/alidns-20150109/v5/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/internal/dnsprovider"
)

// MaxTTL is the largest TTL Alibaba Cloud DNS accepts; the smallest depends on the
// domain's edition (600 s for the free and personal ones, 60 s for Enterprise Standard,
// 1 s for Enterprise Ultimate; fact pack alidns.md "TTL limits per edition").
const MaxTTL = 86400

// ErrTTLBelowMinimum: the TTL is below the smallest the domain's edition allows. The
// provider learns the minimum from DescribeDomainInfo (MinTtl) and refuses such a TTL
// before any call; the API's own refusal (QuotaExceeded.TTL, HTTP 400) maps to it too.
// It matches dns.ErrInvalidRecord. Decision: refuse rather than silently store another
// TTL; a change without a TTL (dns.Change.TTL 0) keeps the record's, which is valid.
var ErrTTLBelowMinimum = fmt.Errorf("%w: TTL below the domain edition's minimum", dns.ErrInvalidRecord)

// validTTL checks a TTL (0 = the default or the record's own) against MaxTTL and the
// domain's minimum.
func (p *Provider) validTTL(ttl int) error {
	if ttl < 0 || ttl > MaxTTL {
		return fmt.Errorf("%w: TTL %d outside 1..%d", dns.ErrInvalidRecord, ttl, MaxTTL)
	}
	if ttl != 0 && ttl < p.minTTL {
		return p.ttlTooLow(ttl)
	}
	return nil
}

func (p *Provider) ttlTooLow(ttl int) error {
	ed := p.edition
	if ed == "" {
		ed = "unknown"
	}
	if p.minTTL == 0 {
		return fmt.Errorf("%w: TTL %d refused for domain %s (edition %s): raise the TTL or upgrade the edition",
			ErrTTLBelowMinimum, ttl, p.zone.Name, ed)
	}
	return fmt.Errorf("%w: TTL %d < %d s for domain %s (edition %s): use a TTL of at least %d s, leave it unset to keep the record's, or upgrade the edition",
		ErrTTLBelowMinimum, ttl, p.minTTL, p.zone.Name, ed, p.minTTL)
}

// record is the shape shared by DescribeDomainRecords and DescribeSubDomainRecords.
type record struct {
	id, rr, typ, value, status *string
	ttl, priority              *int64
}

func (r record) dns() dns.Record {
	return dnsprovider.Record(tea.StringValue(r.id), tea.StringValue(r.rr), tea.StringValue(r.typ), tea.StringValue(r.value),
		tea.StringValue(r.status), int(tea.Int64Value(r.ttl)), int(tea.Int64Value(r.priority)))
}

// Records returns the domain's records named exactly name ("" = every record), all
// pages. DescribeSubDomainRecords also answers deeper names; they are filtered out.
func (p *Provider) Records(ctx context.Context, name string) ([]dns.Record, error) {
	var out []dns.Record
	for page := int64(1); ; page++ {
		var got []record
		var total int64
		var err error
		if name == "" {
			got, total, err = p.domainRecords(ctx, page)
		} else {
			got, total, err = p.subDomainRecords(ctx, dns.FQDN(name, p.zone.Name), page)
		}
		if err != nil {
			return nil, fmt.Errorf("listing records %q of %s: %w", name, p.zone.Name, err)
		}
		for _, r := range got {
			rec := r.dns()
			if name == "" || strings.EqualFold(rec.Name, name) {
				out = append(out, rec)
			}
		}
		if len(got) == 0 || page*int64(p.listPageSize(name)) >= total {
			break
		}
	}
	return out, nil
}

// maxSubDomainPageSize is DescribeSubDomainRecords' largest PageSize (DescribeDomainRecords
// takes 500; fact pack alidns.md, DescribeSubDomainRecords).
const maxSubDomainPageSize = 100

// listPageSize is the page size of the list call Records makes for name ("" = every
// record, DescribeDomainRecords).
func (p *Provider) listPageSize(name string) int {
	if name == "" {
		return p.c.PageSize
	}
	return min(p.c.PageSize, maxSubDomainPageSize)
}

func (p *Provider) domainRecords(ctx context.Context, page int64) ([]record, int64, error) {
	req := &alidns.DescribeDomainRecordsRequest{
		DomainName: tea.String(p.zone.Name),
		PageNumber: tea.Int64(page),
		PageSize:   tea.Int64(int64(p.c.PageSize)),
	}
	resp, err := dnsprovider.Send(ctx, p.c, "DescribeDomainRecords", api.DescribeDomainRecordsWithContext, req)
	if err != nil || resp.Body == nil || resp.Body.DomainRecords == nil {
		return nil, 0, err
	}
	var out []record
	for _, r := range resp.Body.DomainRecords.Record {
		out = append(out, record{r.RecordId, r.RR, r.Type, r.Value, r.Status, r.TTL, r.Priority})
	}
	return out, tea.Int64Value(resp.Body.TotalCount), nil
}

func (p *Provider) subDomainRecords(ctx context.Context, fqdn string, page int64) ([]record, int64, error) {
	req := &alidns.DescribeSubDomainRecordsRequest{
		DomainName: tea.String(p.zone.Name),
		SubDomain:  tea.String(fqdn),
		PageNumber: tea.Int64(page),
		PageSize:   tea.Int64(int64(p.listPageSize(fqdn))),
	}
	resp, err := dnsprovider.Send(ctx, p.c, "DescribeSubDomainRecords", api.DescribeSubDomainRecordsWithContext, req)
	if err != nil || resp.Body == nil || resp.Body.DomainRecords == nil {
		return nil, 0, err
	}
	var out []record
	for _, r := range resp.Body.DomainRecords.Record {
		out = append(out, record{r.RecordId, r.RR, r.Type, r.Value, r.Status, r.TTL, r.Priority})
	}
	return out, tea.Int64Value(resp.Body.TotalCount), nil
}

// Apply changes one record by compare-and-swap: it re-reads the record, returns it as is
// when it already is the target, refuses with dns.ErrRecordChanged when it no longer holds
// c.ExpectValue, and otherwise updates it, always sending the TTL (the current one unless
// c.TTL is set: UpdateDomainRecord would reset it to 600). DomainRecordDuplicate — what
// the API answers when the update changes nothing — counts as success once a re-read
// confirms the record is the target.
func (p *Provider) Apply(ctx context.Context, c dns.Change) (dns.Record, error) {
	cur, target, done, err := dnsprovider.Plan(ctx, p.Records, c, p.validTTL)
	switch {
	case err != nil:
		return dns.Record{}, fmt.Errorf("applying %v: %w", c, err)
	case done:
		return cur, nil
	}
	req := &alidns.UpdateDomainRecordRequest{
		RecordId: tea.String(target.ID), RR: tea.String(target.Name), Type: tea.String(target.Type), Value: tea.String(target.Value),
		TTL: tea.Int64(int64(target.TTL)), Priority: mxPriority(target),
	}
	_, err = dnsprovider.Send(ctx, p.c, "UpdateDomainRecord", api.UpdateDomainRecordWithContext, req)
	if isDuplicate(err) {
		now, rerr := p.current(ctx, c)
		if rerr == nil && sameRecord(now, target) {
			return now, nil
		}
	}
	if dnsprovider.ErrorCode(err) == "QuotaExceeded.TTL" {
		err = fmt.Errorf("%w: %w", p.ttlTooLow(target.TTL), err)
	}
	if err != nil {
		return dns.Record{}, fmt.Errorf("applying %v: %w", c, err)
	}
	p.c.Log.InfoContext(ctx, "alidns record updated", "domain", p.zone.Name, "record", target.ID,
		"name", target.Name, "from", cur.Type+" "+cur.Value, "to", target.Type+" "+target.Value, "ttl", target.TTL)
	return target, nil
}

// current reads the record a change names.
func (p *Provider) current(ctx context.Context, c dns.Change) (dns.Record, error) {
	return dnsprovider.Current(ctx, p.Records, c)
}

// mxPriority is the priority to send for r: MX records only.
func mxPriority(r dns.Record) *int64 {
	if r.Type != dns.TypeMX {
		return nil
	}
	return tea.Int64(int64(r.Priority))
}

func sameRecord(a, b dns.Record) bool {
	return a.ID == b.ID && strings.EqualFold(a.Name, b.Name) && strings.EqualFold(a.Type, b.Type) &&
		dns.SameValue(a.Type, a.Value, b.Value) && a.TTL == b.TTL
}

// AddRecord creates a record in the domain and returns it with its new ID. A zero TTL
// means the product's default (600 s). Adding a record that already exists (same name,
// type and value) returns the existing one.
func (p *Provider) AddRecord(ctx context.Context, r dns.Record) (dns.Record, error) {
	r, err := dnsprovider.PrepareAdd(r, p.validTTL)
	if err != nil {
		return dns.Record{}, fmt.Errorf("adding %v: %w", r, err)
	}
	req := &alidns.AddDomainRecordRequest{
		DomainName: tea.String(p.zone.Name), RR: tea.String(r.Name), Type: tea.String(r.Type), Value: tea.String(r.Value),
		Priority: mxPriority(r),
	}
	if r.TTL != 0 {
		req.TTL = tea.Int64(int64(r.TTL))
	}
	resp, err := dnsprovider.Send(ctx, p.c, "AddDomainRecord", api.AddDomainRecordWithContext, req)
	id := ""
	switch {
	case isDuplicate(err):
	case dnsprovider.ErrorCode(err) == "QuotaExceeded.TTL":
		return dns.Record{}, fmt.Errorf("adding %v: %w: %w", r, p.ttlTooLow(r.TTL), err)
	case err != nil:
		return dns.Record{}, fmt.Errorf("adding %v: %w", r, err)
	case resp.Body == nil || resp.Body.RecordId == nil:
		return dns.Record{}, fmt.Errorf("adding %v: the response carries no record ID", r)
	default:
		id = tea.StringValue(resp.Body.RecordId)
		p.c.Log.InfoContext(ctx, "alidns record added", "domain", p.zone.Name, "record", id, "name", r.Name, "type", r.Type, "value", r.Value)
	}
	return dnsprovider.ReadBack(ctx, p.Records, r, id)
}

// SetRecordStatus enables or disables a record (SetDomainRecordStatus).
func (p *Provider) SetRecordStatus(ctx context.Context, id string, enabled bool) error {
	if id == "" {
		return fmt.Errorf("setting status of a record: %w: empty ID", dns.ErrInvalidRecord)
	}
	status := "Disable"
	if enabled {
		status = "Enable"
	}
	_, err := dnsprovider.Send(ctx, p.c, "SetDomainRecordStatus", api.SetDomainRecordStatusWithContext, &alidns.SetDomainRecordStatusRequest{RecordId: tea.String(id), Status: tea.String(status)})
	if err != nil {
		return fmt.Errorf("setting status of record %s to %s: %w", id, status, err)
	}
	p.c.Log.InfoContext(ctx, "alidns record status set", "domain", p.zone.Name, "record", id, "status", status)
	return nil
}
