package dnstest

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/regdr/regdr/dns"
)

// PrivateZone error codes the emulator answers with, all HTTP 400 as the product's.
const (
	// pvtzZoneNotExists answers an unknown ZoneId on the record APIs: "Zone is not exists"
	// (pvtz 2018-01-01 API metadata, DescribeZoneInfo errorCodes; aliyun/terraform-
	// provider-alicloud alicloud/errors.go ZoneNotExists).
	pvtzZoneNotExists = "Zone.NotExists"
	// pvtzZoneInvalidID answers an unknown ZoneId on DescribeZoneInfo: the one error its
	// API reference documents, 400 "Zone id is invalid." (DescribeZoneInfo, "Error codes").
	pvtzZoneInvalidID = "Zone.Invalid.Id"
	// pvtzConflict answers a record identical to an existing one: terraform-provider-
	// alicloud handles AddZoneRecord's Record.Invalid.Conflict by looking that record up
	// (alicloud/errors.go RecordInvalidConflict, resource_alicloud_pvtz_zone_record.go).
	// The emulator also answers it for a CNAME clash: unconfirmed.
	pvtzConflict = "Record.Invalid.Conflict"
	// Unconfirmed: no public source names the codes for an unknown RecordId or a refused
	// TTL; these stay as they were.
	pvtzRecordNotExists = "Record.Invalid.Id"
	pvtzInvalidTTL      = "Record.Invalid.Ttl"
)

// pvtzDefaultTTL is what AddZoneRecord and UpdateZoneRecord store when Ttl is omitted.
const pvtzDefaultTTL = 60

func (p *PrivateZone) actions() map[string]func(url.Values) (any, *apiError) {
	return map[string]func(url.Values) (any, *apiError){
		"DescribeZones":       p.describeZones,
		"DescribeZoneInfo":    p.describeZoneInfo,
		"DescribeZoneRecords": p.describeZoneRecords,
		"AddZoneRecord":       p.addZoneRecord,
		"UpdateZoneRecord":    p.updateZoneRecord,
		"SetZoneRecordStatus": p.setZoneRecordStatus,
		"AddZone":             p.addZone,
		"BindZoneVpc":         p.bindZoneVpc,
	}
}

func (p *PrivateZone) describeZones(q url.Values) (any, *apiError) {
	number, size, aerr := pageParams(q, 20, p.maxPageSize)
	if aerr != nil {
		return nil, aerr
	}
	kw, exact := strings.ToLower(q.Get("Keyword")), strings.EqualFold(q.Get("SearchMode"), "EXACT")
	vpc := q.Get("QueryVpcId")
	s := p.store
	s.mu.Lock()
	var zones []map[string]any
	for _, z := range s.zones {
		if kw != "" && (exact && z.name != kw || !exact && !strings.Contains(z.name, kw)) {
			continue
		}
		if vpc != "" && !slices.Contains(z.vpcs, vpc) {
			continue
		}
		zones = append(zones, map[string]any{
			"ZoneId": z.id, "ZoneName": z.name, "RecordCount": len(z.records),
			"ZoneType": "AUTH_ZONE", "ProxyPattern": "ZONE", "IsPtr": false,
			"CreateTime": "2026-01-01T00:00Z", "UpdateTime": "2026-01-01T00:00Z",
		})
	}
	s.mu.Unlock()
	return map[string]any{
		"PageNumber": number, "PageSize": size, "TotalItems": len(zones), "TotalPages": totalPages(len(zones), size),
		"Zones": map[string]any{"Zone": orEmpty(page(zones, number, size))},
	}, nil
}

func (p *PrivateZone) describeZoneInfo(q url.Values) (any, *apiError) {
	if aerr := required(q, "ZoneId"); aerr != nil {
		return nil, aerr
	}
	s := p.store
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneLocked(q.Get("ZoneId"))
	if z == nil {
		return nil, badRequest(pvtzZoneInvalidID, "Zone id is invalid.")
	}
	vpcs := []map[string]any{}
	for _, v := range z.vpcs {
		vpcs = append(vpcs, map[string]any{"VpcId": v, "RegionId": "cn-hangzhou", "VpcName": v, "VpcType": "STANDARD"})
	}
	return map[string]any{
		"ZoneId": z.id, "ZoneName": z.name, "RecordCount": len(z.records), "ZoneType": "AUTH_ZONE",
		"ProxyPattern": "ZONE", "IsPtr": false, "SlaveDns": false,
		"BindVpcs": map[string]any{"Vpc": vpcs},
	}, nil
}

// pvtzTime is PrivateZone's CreateTime/UpdateTime: ISO-8601 UTC to the minute, no
// seconds (fact pack pvtz.md, "Times").
func pvtzTime(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04Z") }

func pvtzRecordJSON(z *zone, r dns.Record) map[string]any {
	st := z.stamps[r.ID]
	m := map[string]any{
		"RecordId": mustInt64(r.ID), "Rr": r.Name, "Type": r.Type, "Value": r.Value, "Ttl": r.TTL,
		"Status": r.Status, "Line": "default", "ZoneId": z.id, "Weight": 1,
		"CreateTime": pvtzTime(st[0]), "UpdateTime": pvtzTime(st[1]), "CreateTimestamp": st[0], "UpdateTimestamp": st[1],
	}
	if r.Type == dns.TypeMX {
		m["Priority"] = r.Priority
	}
	return m
}

func (p *PrivateZone) describeZoneRecords(q url.Values) (any, *apiError) {
	if aerr := required(q, "ZoneId"); aerr != nil {
		return nil, aerr
	}
	number, size, aerr := pageParams(q, 20, p.maxPageSize)
	if aerr != nil {
		return nil, aerr
	}
	// SearchMode defaults to EXACT here, unlike DescribeZones' LIKE (fact pack pvtz.md,
	// DescribeZoneRecords: API metadata).
	kw, exact := strings.ToLower(q.Get("Keyword")), !strings.EqualFold(q.Get("SearchMode"), "LIKE")
	s := p.store
	s.mu.Lock()
	z := s.zoneLocked(q.Get("ZoneId"))
	if z == nil {
		s.mu.Unlock()
		return nil, badRequest(pvtzZoneNotExists, "Zone is not exists")
	}
	var recs []map[string]any
	for _, r := range sortedRecords(z) {
		name := strings.ToLower(r.Name)
		if kw != "" && (exact && name != kw || !exact && !strings.Contains(name, kw)) {
			continue
		}
		recs = append(recs, pvtzRecordJSON(z, r))
	}
	s.mu.Unlock()
	return map[string]any{
		"PageNumber": number, "PageSize": size, "TotalItems": len(recs), "TotalPages": totalPages(len(recs), size),
		"Records": map[string]any{"Record": orEmpty(page(recs, number, size))},
	}, nil
}

// recordFromQuery reads Rr/Type/Value/Ttl/Priority; Ttl defaults to 60, as the product's.
func pvtzRecordFromQuery(q url.Values) (dns.Record, *apiError) {
	if aerr := required(q, "Rr", "Type", "Value"); aerr != nil {
		return dns.Record{}, aerr
	}
	ttl, aerr := intParam(q, "Ttl", pvtzDefaultTTL)
	if aerr != nil {
		return dns.Record{}, aerr
	}
	if !slices.Contains(PrivateZoneTTLs, ttl) {
		return dns.Record{}, badRequest(pvtzInvalidTTL, "Ttl %d is not one of %v.", ttl, PrivateZoneTTLs)
	}
	prio, aerr := intParam(q, "Priority", 0)
	if aerr != nil {
		return dns.Record{}, aerr
	}
	return dns.Record{Name: q.Get("Rr"), Type: strings.ToUpper(q.Get("Type")), Value: q.Get("Value"), TTL: ttl, Priority: prio}, nil
}

func (p *PrivateZone) addZoneRecord(q url.Values) (any, *apiError) {
	if aerr := required(q, "ZoneId"); aerr != nil {
		return nil, aerr
	}
	r, aerr := pvtzRecordFromQuery(q)
	if aerr != nil {
		return nil, aerr
	}
	s := p.store
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneLocked(q.Get("ZoneId"))
	if z == nil {
		return nil, badRequest(pvtzZoneNotExists, "Zone is not exists")
	}
	if aerr := checkRecord(z, r, pvtzConflict, pvtzConflict); aerr != nil {
		return nil, aerr
	}
	added := s.addRecordLocked(z, r)
	return map[string]any{"RecordId": mustInt64(added.ID), "Success": true}, nil
}

func (p *PrivateZone) updateZoneRecord(q url.Values) (any, *apiError) {
	if aerr := required(q, "RecordId"); aerr != nil {
		return nil, aerr
	}
	r, aerr := pvtzRecordFromQuery(q)
	if aerr != nil {
		return nil, aerr
	}
	s := p.store
	s.mu.Lock()
	defer s.mu.Unlock()
	z, cur := s.recordLocked(q.Get("RecordId"))
	if cur == nil {
		return nil, badRequest(pvtzRecordNotExists, "The record %s does not exist.", q.Get("RecordId"))
	}
	r.ID, r.Status = cur.ID, cur.Status
	if aerr := checkRecord(z, r, pvtzConflict, pvtzConflict); aerr != nil {
		return nil, aerr
	}
	*cur = r
	s.stampLocked(z, r.ID, false)
	return map[string]any{"RecordId": mustInt64(r.ID)}, nil
}

func (p *PrivateZone) setZoneRecordStatus(q url.Values) (any, *apiError) {
	if aerr := required(q, "RecordId", "Status"); aerr != nil {
		return nil, aerr
	}
	status := strings.ToUpper(q.Get("Status"))
	if status != dns.StatusEnabled && status != dns.StatusDisabled {
		return nil, badRequest("InvalidParameter", "Status %q is neither ENABLE nor DISABLE.", q.Get("Status"))
	}
	s := p.store
	s.mu.Lock()
	defer s.mu.Unlock()
	_, cur := s.recordLocked(q.Get("RecordId"))
	if cur == nil {
		return nil, badRequest(pvtzRecordNotExists, "The record %s does not exist.", q.Get("RecordId"))
	}
	cur.Status = status
	return map[string]any{"RecordId": mustInt64(cur.ID), "Status": status}, nil
}

// addZone creates a zone bound to no VPC (fact pack pvtz.md, AddZone). Zones of the same
// name may coexist, as in dnstest's seeding (whether the real service refuses a
// duplicate name in one account is unconfirmed).
func (p *PrivateZone) addZone(q url.Values) (any, *apiError) {
	if aerr := required(q, "ZoneName"); aerr != nil {
		return nil, aerr
	}
	name := strings.ToLower(strings.TrimSuffix(q.Get("ZoneName"), "."))
	if !dns.IsHostname(name) {
		// Zone.Invalid.Name is documented for DescribeZoneInfo; for AddZone unconfirmed.
		return nil, badRequest("Zone.Invalid.Name", "Zone name is invalid.")
	}
	switch pp := strings.ToUpper(q.Get("ProxyPattern")); pp {
	case "", "ZONE":
	case "RECORD":
		// Recursive proxy for names missing from the zone is not emulated.
		return nil, badRequest("InvalidParameter", "dnstest emulates ProxyPattern ZONE only.")
	default:
		return nil, badRequest("InvalidParameter", "The specified value parameter is not valid.")
	}
	z := p.store.addZone(name, nil)
	return map[string]any{"ZoneId": z.ID, "ZoneName": z.Name, "Success": true}, nil
}

// bindZoneVpc replaces the zone's whole VPC list with Vpcs.N.VpcId (none: unbind all),
// as the real call does (fact pack pvtz.md, BindZoneVpc). A VPC already bound to another
// zone of the same name answers ZoneVpc.Zone.Repeated (400, API metadata).
func (p *PrivateZone) bindZoneVpc(q url.Values) (any, *apiError) {
	if aerr := required(q, "ZoneId"); aerr != nil {
		return nil, aerr
	}
	var vpcs []string
	for i := 1; ; i++ {
		v := q.Get(fmt.Sprintf("Vpcs.%d.VpcId", i))
		if v == "" {
			break
		}
		if !slices.Contains(vpcs, v) {
			vpcs = append(vpcs, v)
		}
	}
	if len(vpcs) > 150 {
		return nil, badRequest("InvalidParameter", "The specified value parameter is not valid.")
	}
	s := p.store
	s.mu.Lock()
	defer s.mu.Unlock()
	z := s.zoneLocked(q.Get("ZoneId"))
	if z == nil {
		return nil, badRequest(pvtzZoneNotExists, "Zone is not exists")
	}
	for _, o := range s.zones {
		if o == z || o.name != z.name {
			continue
		}
		for _, v := range vpcs {
			if slices.Contains(o.vpcs, v) {
				return nil, badRequest("ZoneVpc.Zone.Repeated", "Vpc is bind to same zone name.")
			}
		}
	}
	z.vpcs = vpcs
	return map[string]any{}, nil
}
