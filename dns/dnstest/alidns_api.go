package dnstest

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/regdr/regdr/dns"
)

// Alidns error codes the emulator answers with, all HTTP 400 as the product's. Sources:
// the UpdateDomainRecord and AddDomainRecord API pages' error tables (copies at
// help-w.com/mix/1547615208_zh.html and help-w.com/microsoft/windows/1498112608.html);
// InvalidDomainName.NoExist with its message as public clients log it ("HTTP Status: 400
// Error:InvalidDomainName.NoExist The specified domain name does not exist.").
const (
	alidnsDomainNotExists = "InvalidDomainName.NoExist"
	alidnsRecordNotExists = "DomainRecordNotBelongToUser" // "The domain record does not belong to this user."
	alidnsDuplicate       = "DomainRecordDuplicate"       // "The domain record is duplicated."
	alidnsConflict        = "DomainRecordConflict"        // "The domain record is conflict with other records."
	// alidnsTTLBelowMin answers a TTL below the edition's minimum, HTTP 400 (fact pack
	// alidns.md, "TTL limits per edition": jeessy2/ddns-go#280, #1717; terraform-provider-
	// alicloud#640), with the message users quote.
	alidnsTTLBelowMin = "QuotaExceeded.TTL"
)

// alidnsMinTTL is the smallest TTL per edition (DescribeDomainInfo VersionCode), fact pack
// alidns.md "TTL limits per edition" (help doc 29806; the product's 版本对比 page). Some
// localized pages list other tiers; the real service reports MinTtl, which dnstest
// answers from this table.
var alidnsMinTTL = map[string]int{
	"mianfei":                     600,
	"version_personal":            600,
	"version_enterprise_basic":    60,
	"version_enterprise_advanced": 1,
}

// alidnsMaxTTL is the largest TTL of every edition.
const alidnsMaxTTL = 86400

// alidnsDefaultTTL is what AddDomainRecord and UpdateDomainRecord store when TTL is omitted.
const alidnsDefaultTTL = 600

func (a *Alidns) actions() map[string]func(url.Values) (any, *apiError) {
	return map[string]func(url.Values) (any, *apiError){
		"DescribeDomainInfo":       a.describeDomainInfo,
		"DescribeDomainRecords":    a.describeDomainRecords,
		"DescribeSubDomainRecords": a.describeSubDomainRecords,
		"AddDomainRecord":          a.addDomainRecord,
		"UpdateDomainRecord":       a.updateDomainRecord,
		"SetDomainRecordStatus":    a.setDomainRecordStatus,
		"DescribeDomainRecordInfo": a.describeDomainRecordInfo,
		"AddDomain":                a.addDomain,
	}
}

// domainLocked finds a domain by name; a.store.mu must be held.
func (a *Alidns) domainLocked(name string) (*zone, *apiError) {
	z := a.store.zoneByNameLocked(name)
	if z == nil {
		return nil, badRequest(alidnsDomainNotExists, "The specified domain name does not exist. Refresh the page and try again.")
	}
	return z, nil
}

func edition(z *zone) string {
	if z.edition == "" {
		return "mianfei"
	}
	return z.edition
}

// alidnsGroupID and alidnsGroupName are the default domain group's. GroupId is a string
// (fact pack alidns.md, DescribeDomainInfo); the default group's real ID is unconfirmed.
const alidnsGroupID, alidnsGroupName = "1", "default"

func (a *Alidns) describeDomainInfo(q url.Values) (any, *apiError) {
	if aerr := required(q, "DomainName"); aerr != nil {
		return nil, aerr
	}
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	z, aerr := a.domainLocked(q.Get("DomainName"))
	if aerr != nil {
		return nil, aerr
	}
	ed := edition(z)
	var ttls []string
	for _, t := range []int{1, 5, 10, 60, 120, 300, 600, 1800, 3600, 43200, 86400} {
		if t >= alidnsMinTTL[ed] {
			ttls = append(ttls, strconv.Itoa(t))
		}
	}
	// Shapes as the fact pack's alidns.md (DescribeDomainInfo, API metadata responseDemo):
	// GroupId a string, MinTtl a number, list elements one value each, CreateTime minute
	// precision. Values (server names, the free edition's VersionName) are unconfirmed.
	out := map[string]any{
		"DomainId": z.id, "DomainName": z.name, "PunyCode": z.name, "AliDomain": false,
		"GroupId": alidnsGroupID, "GroupName": alidnsGroupName, "InstanceId": "dnstest-" + ed,
		"VersionCode": ed, "VersionName": ed, "AvailableTtls": map[string]any{"AvailableTtl": ttls},
		"DnsServers":  map[string]any{"DnsServer": []string{"dns1.hichina.com", "dns2.hichina.com"}},
		"InBlackHole": false, "InClean": false, "SubDomain": false, "Remark": "", "ResourceGroupId": "rg-dnstest",
		"CreateTime": "2026-01-01T00:00Z", "DomainLoggingSwitchStatus": "CLOSE",
	}
	if strings.EqualFold(q.Get("NeedDetailAttributes"), "true") {
		out["MinTtl"] = alidnsMinTTL[ed]
		out["LineType"] = "region_province"
		out["RegionLines"] = false
		out["SlaveDns"] = false
		out["RecordLines"] = map[string]any{"RecordLine": []map[string]any{
			{"LineCode": "default", "LineName": "default", "LineDisplayName": "default", "FatherCode": ""}}}
		out["RecordLineTreeJson"] = `{"default":{}}`
	}
	return out, nil
}

// addDomain adds a domain, as the console or the SDK's AddDomain does. Answer shape: the
// alidns-20150109 SDK's AddDomainResponseBody (not in the fact pack); a domain already
// added answers InvalidDomainName.Duplicate (alidns.md error list; its use here is
// unconfirmed).
func (a *Alidns) addDomain(q url.Values) (any, *apiError) {
	if aerr := required(q, "DomainName"); aerr != nil {
		return nil, aerr
	}
	name := strings.ToLower(strings.TrimSuffix(q.Get("DomainName"), "."))
	if !dns.IsHostname(name) || !strings.Contains(name, ".") {
		return nil, badRequest("InvalidDomainName.Format", "The domain name format is invalid.")
	}
	a.store.mu.Lock()
	dup := a.store.zoneByNameLocked(name) != nil
	a.store.mu.Unlock()
	if dup {
		return nil, badRequest("InvalidDomainName.Duplicate", "The domain name already exists.")
	}
	z := a.store.addZone(name, nil)
	return map[string]any{"DomainId": z.ID, "DomainName": z.Name, "GroupId": alidnsGroupID, "GroupName": alidnsGroupName,
		"DnsServers": map[string]any{"DnsServer": []string{"dns1.hichina.com", "dns2.hichina.com"}}}, nil
}

// alidnsStatus is how Alidns spells a status: Enable / Disable (fact pack alidns.md).
func alidnsStatus(s string) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}

func alidnsRecordJSON(z *zone, r dns.Record, stamps bool) map[string]any {
	m := map[string]any{
		"RecordId": r.ID, "RR": r.Name, "Type": r.Type, "Value": r.Value, "TTL": r.TTL,
		"Status": alidnsStatus(r.Status), "Line": "default", "Locked": false, "DomainName": z.name, "Weight": 1,
	}
	if r.Type == dns.TypeMX {
		m["Priority"] = r.Priority
	}
	if stamps {
		// DescribeDomainRecords only; DescribeSubDomainRecords items have no times (alidns.md).
		st := z.stamps[r.ID]
		m["CreateTimestamp"], m["UpdateTimestamp"] = st[0], st[1]
	}
	return m
}

func (a *Alidns) describeDomainRecordInfo(q url.Values) (any, *apiError) {
	if aerr := required(q, "RecordId"); aerr != nil {
		return nil, aerr
	}
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	z, r := a.store.recordLocked(q.Get("RecordId"))
	if r == nil {
		// DomainRecordNotBelongToUser or InvalidRR.NoExist: which one the service sends
		// today is unconfirmed (alidns.md, DescribeDomainRecordInfo).
		return nil, badRequest(alidnsRecordNotExists, "The domain record does not belong to this user.")
	}
	m := alidnsRecordJSON(z, *r, false)
	delete(m, "Weight")
	m["DomainId"], m["PunyCode"], m["GroupId"], m["GroupName"] = z.id, z.name, alidnsGroupID, alidnsGroupName
	return m, nil
}

// listAnswer pages the records keep accepts, in the order given.
func (a *Alidns) listAnswer(q url.Values, z *zone, recs []dns.Record, stamps bool, keep func(dns.Record) bool) (any, *apiError) {
	limit := a.maxPageSize
	if !stamps {
		// DescribeSubDomainRecords: PageSize at most 100 (DescribeDomainRecords: 500;
		// fact pack alidns.md, DescribeSubDomainRecords).
		limit = min(limit, 100)
	}
	number, size, aerr := pageParams(q, 20, limit)
	if aerr != nil {
		return nil, aerr
	}
	var out []map[string]any
	for _, r := range recs {
		if keep(r) {
			out = append(out, alidnsRecordJSON(z, r, stamps))
		}
	}
	return map[string]any{
		"PageNumber": number, "PageSize": size, "TotalCount": len(out),
		"DomainRecords": map[string]any{"Record": orEmpty(page(out, number, size))},
	}, nil
}

// describeDomainRecords filters as the API reference says (fact pack alidns.md,
// DescribeDomainRecords): SearchMode LIKE or EXACT applies KeyWord alone, and ignores
// RRKeyWord, TypeKeyWord, ValueKeyWord, Type, Line and Status; ADVANCED applies those and
// ignores KeyWord; without a mode, a KeyWord means LIKE and no KeyWord means ADVANCED.
// RRKeyWord and ValueKeyWord match as substrings, TypeKeyWord and Type exactly, all
// case-insensitively. Which fields KeyWord matches is unconfirmed: dnstest matches RR or
// value. Records come newest first (Direction DESC, the default) or oldest first (ASC).
func (a *Alidns) describeDomainRecords(q url.Values) (any, *apiError) {
	if aerr := required(q, "DomainName"); aerr != nil {
		return nil, aerr
	}
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	z, aerr := a.domainLocked(q.Get("DomainName"))
	if aerr != nil {
		return nil, aerr
	}
	mode := strings.ToUpper(q.Get("SearchMode"))
	kw := strings.ToLower(q.Get("KeyWord"))
	if mode == "" {
		mode = "ADVANCED"
		if kw != "" {
			mode = "LIKE"
		}
	}
	var keep func(dns.Record) bool
	switch mode {
	case "LIKE", "EXACT":
		keep = func(r dns.Record) bool {
			name, value := strings.ToLower(r.Name), strings.ToLower(r.Value)
			if kw == "" {
				return true
			}
			if mode == "EXACT" {
				return name == kw || value == kw
			}
			return strings.Contains(name, kw) || strings.Contains(value, kw)
		}
	case "ADVANCED", "COMBINATION":
		rr, val := strings.ToLower(q.Get("RRKeyWord")), strings.ToLower(q.Get("ValueKeyWord"))
		typs := []string{strings.ToUpper(q.Get("TypeKeyWord")), strings.ToUpper(q.Get("Type"))}
		status := strings.ToUpper(q.Get("Status"))
		line := q.Get("Line")
		keep = func(r dns.Record) bool {
			for _, t := range typs {
				if t != "" && r.Type != t {
					return false
				}
			}
			return strings.Contains(strings.ToLower(r.Name), rr) && strings.Contains(strings.ToLower(r.Value), val) &&
				(status == "" || r.Status == status) && (line == "" || line == "default")
		}
	default:
		return nil, badRequest("InvalidParameter", "SearchMode %q is not LIKE, EXACT or ADVANCED.", q.Get("SearchMode"))
	}
	recs := sortedRecords(z)
	if !strings.EqualFold(q.Get("Direction"), "ASC") {
		slices.Reverse(recs)
	}
	return a.listAnswer(q, z, recs, true, keep)
}

// describeSubDomainRecords answers the records of SubDomain and, like the real API,
// those of deeper names too (a.b.example.com for SubDomain b.example.com).
func (a *Alidns) describeSubDomainRecords(q url.Values) (any, *apiError) {
	if aerr := required(q, "SubDomain"); aerr != nil {
		return nil, aerr
	}
	sub := strings.ToLower(strings.TrimSuffix(q.Get("SubDomain"), "."))
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	var z *zone
	if d := q.Get("DomainName"); d != "" {
		var aerr *apiError
		if z, aerr = a.domainLocked(d); aerr != nil {
			return nil, aerr
		}
	} else {
		for _, c := range a.store.zones {
			if _, ok := dns.Relative(sub, c.name); ok && (z == nil || len(c.name) > len(z.name)) {
				z = c
			}
		}
		if z == nil {
			return nil, badRequest(alidnsDomainNotExists, "No domain holds %s.", sub)
		}
	}
	rel, ok := dns.Relative(sub, z.name)
	if !ok {
		return nil, badRequest("InvalidParameter", "%s is not in %s.", sub, z.name)
	}
	typ := strings.ToUpper(q.Get("Type"))
	return a.listAnswer(q, z, sortedRecords(z), false, func(r dns.Record) bool {
		name := strings.ToLower(r.Name)
		return (typ == "" || r.Type == typ) && (name == rel || rel != dns.Apex && strings.HasSuffix(name, "."+rel))
	})
}

func alidnsRecordFromQuery(q url.Values) (dns.Record, *apiError) {
	if aerr := required(q, "RR", "Type", "Value"); aerr != nil {
		return dns.Record{}, aerr
	}
	ttl, aerr := intParam(q, "TTL", alidnsDefaultTTL)
	if aerr != nil {
		return dns.Record{}, aerr
	}
	if ttl < 1 || ttl > alidnsMaxTTL {
		// TTL 0: InvalidParameter "Specified parameter TTL is not valid." (libdns/alidns#6);
		// above 86400 the same code is unconfirmed.
		return dns.Record{}, badRequest("InvalidParameter", "Specified parameter TTL is not valid.")
	}
	prio, aerr := intParam(q, "Priority", 0)
	if aerr != nil {
		return dns.Record{}, aerr
	}
	return dns.Record{Name: q.Get("RR"), Type: strings.ToUpper(q.Get("Type")), Value: q.Get("Value"), TTL: ttl, Priority: prio}, nil
}

func (a *Alidns) addDomainRecord(q url.Values) (any, *apiError) {
	if aerr := required(q, "DomainName"); aerr != nil {
		return nil, aerr
	}
	r, aerr := alidnsRecordFromQuery(q)
	if aerr != nil {
		return nil, aerr
	}
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	z, aerr := a.domainLocked(q.Get("DomainName"))
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkTTL(z, r.TTL); aerr != nil {
		return nil, aerr
	}
	if aerr := checkRecord(z, r, alidnsConflict, alidnsDuplicate); aerr != nil {
		return nil, aerr
	}
	return map[string]any{"RecordId": a.store.addRecordLocked(z, r).ID}, nil
}

func (a *Alidns) updateDomainRecord(q url.Values) (any, *apiError) {
	if aerr := required(q, "RecordId"); aerr != nil {
		return nil, aerr
	}
	r, aerr := alidnsRecordFromQuery(q)
	if aerr != nil {
		return nil, aerr
	}
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	z, cur := a.store.recordLocked(q.Get("RecordId"))
	if cur == nil {
		return nil, badRequest(alidnsRecordNotExists, "The domain record does not belong to this user.")
	}
	if aerr := checkTTL(z, r.TTL); aerr != nil {
		return nil, aerr
	}
	r.ID, r.Status = cur.ID, cur.Status
	if strings.EqualFold(cur.Name, r.Name) && cur.Type == r.Type && dns.SameValue(r.Type, cur.Value, r.Value) && cur.TTL == r.TTL && cur.Priority == r.Priority {
		// The real API calls an update that changes nothing a duplicate.
		return nil, badRequest(alidnsDuplicate, "The domain record is duplicated.")
	}
	if aerr := checkRecord(z, r, alidnsConflict, alidnsDuplicate); aerr != nil {
		return nil, aerr
	}
	*cur = r
	a.store.stampLocked(z, r.ID, false)
	return map[string]any{"RecordId": r.ID}, nil
}

func (a *Alidns) setDomainRecordStatus(q url.Values) (any, *apiError) {
	if aerr := required(q, "RecordId", "Status"); aerr != nil {
		return nil, aerr
	}
	var status string
	switch strings.ToUpper(q.Get("Status")) {
	case "ENABLE":
		status = dns.StatusEnabled
	case "DISABLE":
		status = dns.StatusDisabled
	default:
		return nil, badRequest("InvalidParameter", "Status %q is neither Enable nor Disable.", q.Get("Status"))
	}
	a.store.mu.Lock()
	defer a.store.mu.Unlock()
	_, cur := a.store.recordLocked(q.Get("RecordId"))
	if cur == nil {
		return nil, badRequest(alidnsRecordNotExists, "The domain record does not belong to this user.")
	}
	cur.Status = status
	return map[string]any{"RecordId": cur.ID, "Status": alidnsStatus(status)}, nil
}

// checkTTL refuses a TTL below the domain edition's minimum with QuotaExceeded.TTL, HTTP
// 400, and the message users quote (fact pack alidns.md, AddDomainRecord errors). An add
// on a free domain with TTL 300 was once stored as 600 instead (terraform-provider-
// alicloud#640); dnstest refuses it, as the service does today per the later reports.
func checkTTL(z *zone, ttl int) *apiError {
	if lo := alidnsMinTTL[edition(z)]; ttl < lo {
		return badRequest(alidnsTTLBelowMin, "The specified TTL is invalid. A valid TTL must be in the range of %d to %d.", lo, alidnsMaxTTL)
	}
	return nil
}
