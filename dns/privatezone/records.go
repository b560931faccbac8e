package privatezone

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	pvtz "github.com/alibabacloud-go/pvtz-20180101/v2/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/internal/dnsprovider"
)

// TTLs are the TTLs PrivateZone accepts, in seconds.
var TTLs = []int{5, 30, 60, 3600, 43200, 86400}

// validTTL checks a TTL against the product's list; 0 means "the default".
func validTTL(ttl int) error {
	if ttl != 0 && !slices.Contains(TTLs, ttl) {
		return fmt.Errorf("%w: PrivateZone accepts TTLs %v, not %d", dns.ErrInvalidRecord, TTLs, ttl)
	}
	return nil
}

// Records returns the zone's records named exactly name ("" = every record), all pages.
func (p *Provider) Records(ctx context.Context, name string) ([]dns.Record, error) {
	var out []dns.Record
	for page := int32(1); ; page++ {
		req := &pvtz.DescribeZoneRecordsRequest{
			ZoneId:     tea.String(p.zone.ID),
			PageNumber: tea.Int32(page),
			PageSize:   tea.Int32(int32(p.c.PageSize)),
		}
		if name != "" {
			req.Keyword, req.SearchMode = tea.String(name), tea.String("EXACT")
		}
		resp, err := dnsprovider.Send(ctx, p.c, "DescribeZoneRecords", api.DescribeZoneRecordsWithContext, req)
		if err != nil {
			return nil, fmt.Errorf("listing records %q of zone %s: %w", name, p.zone.ID, err)
		}
		b := resp.Body
		if b == nil || b.Records == nil || len(b.Records.Record) == 0 {
			break
		}
		for _, r := range b.Records.Record {
			rec := fromSDK(r)
			if name == "" || strings.EqualFold(rec.Name, name) {
				out = append(out, rec)
			}
		}
		if int(page)*p.c.PageSize >= int(tea.Int32Value(b.TotalItems)) {
			break
		}
	}
	return out, nil
}

func fromSDK(r *pvtz.DescribeZoneRecordsResponseBodyRecordsRecord) dns.Record {
	return dnsprovider.Record(strconv.FormatInt(tea.Int64Value(r.RecordId), 10), tea.StringValue(r.Rr), tea.StringValue(r.Type),
		tea.StringValue(r.Value), tea.StringValue(r.Status), int(tea.Int32Value(r.Ttl)), int(tea.Int32Value(r.Priority)))
}

// recordID parses a PrivateZone record ID (an integer).
func recordID(id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%w: %q is not a PrivateZone record ID", dns.ErrInvalidRecord, id)
	}
	return n, nil
}

// Apply changes one record by compare-and-swap: it re-reads the record, returns it as is
// when it already is the target, refuses with dns.ErrRecordChanged when it no longer holds
// c.ExpectValue, and otherwise updates it, sending the current TTL back unless c.TTL is
// set (UpdateZoneRecord would otherwise reset it).
func (p *Provider) Apply(ctx context.Context, c dns.Change) (dns.Record, error) {
	if _, err := recordID(c.Record.ID); err != nil && c.Record.ID != "" {
		return dns.Record{}, fmt.Errorf("applying %v: %w", c, err)
	}
	cur, target, done, err := dnsprovider.Plan(ctx, p.Records, c, validTTL)
	if err != nil || done {
		return cur, wrapApply(c, err)
	}
	if err := validTTL(target.TTL); err != nil { // the record's own TTL, sent back
		return dns.Record{}, wrapApply(c, err)
	}
	id, _ := recordID(target.ID)
	req := &pvtz.UpdateZoneRecordRequest{RecordId: tea.Int64(id), Rr: tea.String(target.Name), Type: tea.String(target.Type),
		Value: tea.String(target.Value), Ttl: tea.Int32(int32(target.TTL)), Priority: mxPriority(target)}
	_, err = dnsprovider.Send(ctx, p.c, "UpdateZoneRecord", api.UpdateZoneRecordWithContext, req)
	if err != nil {
		return dns.Record{}, fmt.Errorf("applying %v: %w", c, err)
	}
	p.c.Log.InfoContext(ctx, "privatezone record updated", "zone", p.zone.ID, "record", target.ID,
		"name", target.Name, "from", cur.Type+" "+cur.Value, "to", target.Type+" "+target.Value, "ttl", target.TTL)
	return target, nil
}

// mxPriority is the priority to send for r: MX records only.
func mxPriority(r dns.Record) *int32 {
	if r.Type != dns.TypeMX {
		return nil
	}
	return tea.Int32(int32(r.Priority))
}

func wrapApply(c dns.Change, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("applying %v: %w", c, err)
}

// AddRecord creates a record in the zone and returns it with its new ID. A zero TTL
// means the product's default (60 s). Adding a record that already exists (same name,
// type and value: AddZoneRecord answers Record.Invalid.Conflict) returns the existing one.
func (p *Provider) AddRecord(ctx context.Context, r dns.Record) (dns.Record, error) {
	r, err := dnsprovider.PrepareAdd(r, validTTL)
	if err != nil {
		return dns.Record{}, fmt.Errorf("adding %v: %w", r, err)
	}
	req := &pvtz.AddZoneRecordRequest{ZoneId: tea.String(p.zone.ID), Rr: tea.String(r.Name), Type: tea.String(r.Type),
		Value: tea.String(r.Value), Priority: mxPriority(r)}
	if r.TTL != 0 {
		req.Ttl = tea.Int32(int32(r.TTL))
	}
	resp, err := dnsprovider.Send(ctx, p.c, "AddZoneRecord", api.AddZoneRecordWithContext, req)
	if dnsprovider.ErrorCode(err) == conflictCode {
		// An identical record already exists: return it, as Alidns's provider does. A
		// record that only clashes with a neighbour keeps the error.
		if recs, rerr := p.Records(ctx, r.Name); rerr == nil {
			if got, ok := dnsprovider.Same(recs, r); ok {
				return got, nil
			}
		}
	}
	if err != nil {
		return dns.Record{}, fmt.Errorf("adding %v: %w", r, err)
	}
	if resp.Body == nil || resp.Body.RecordId == nil {
		return dns.Record{}, fmt.Errorf("adding %v: the response carries no record ID", r)
	}
	id := strconv.FormatInt(tea.Int64Value(resp.Body.RecordId), 10)
	p.c.Log.InfoContext(ctx, "privatezone record added", "zone", p.zone.ID, "record", id, "name", r.Name, "type", r.Type, "value", r.Value)
	return dnsprovider.ReadBack(ctx, p.Records, r, id)
}

// SetRecordStatus enables or disables a record (SetZoneRecordStatus).
func (p *Provider) SetRecordStatus(ctx context.Context, id string, enabled bool) error {
	n, err := recordID(id)
	if err != nil {
		return fmt.Errorf("setting status of record %s: %w", id, err)
	}
	status := dns.StatusDisabled
	if enabled {
		status = dns.StatusEnabled
	}
	_, err = dnsprovider.Send(ctx, p.c, "SetZoneRecordStatus", api.SetZoneRecordStatusWithContext, &pvtz.SetZoneRecordStatusRequest{RecordId: tea.Int64(n), Status: tea.String(status)})
	if err != nil {
		return fmt.Errorf("setting status of record %s to %s: %w", id, status, err)
	}
	p.c.Log.InfoContext(ctx, "privatezone record status set", "zone", p.zone.ID, "record", id, "status", status)
	return nil
}
