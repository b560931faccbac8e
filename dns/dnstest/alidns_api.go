package dnstest

import (
	"net/url"
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
	alidnsInvalidTTL      = "InvalidTTL"                  // unconfirmed
)

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
	return map[string]any{
		"DomainId": z.id, "DomainName": z.name, "RecordCount": len(z.records), "VersionCode": "mianfei",
		"DnsServers": map[string]any{"DnsServer": []string{"dns1.hichina.com", "dns2.hichina.com"}},
	}, nil
}

func alidnsRecordJSON(domain string, r dns.Record) map[string]any {
	m := map[string]any{
		"RecordId": r.ID, "RR": r.Name, "Type": r.Type, "Value": r.Value, "TTL": r.TTL,
		"Status": r.Status, "Line": "default", "Locked": false, "DomainName": domain, "Weight": 1,
	}
	if r.Type == dns.TypeMX {
		m["Priority"] = r.Priority
	}
	return m
}

func (a *Alidns) listAnswer(q url.Values, z *zone, keep func(dns.Record) bool) (any, *apiError) {
	number, size, aerr := pageParams(q, 20, a.maxPageSize)
	if aerr != nil {
		return nil, aerr
	}
	typ := strings.ToUpper(q.Get("Type"))
	if typ == "" {
		typ = strings.ToUpper(q.Get("TypeKeyWord"))
	}
	var recs []map[string]any
	for _, r := range sortedRecords(z) {
		if (typ == "" || r.Type == typ) && keep(r) {
			recs = append(recs, alidnsRecordJSON(z.name, r))
		}
	}
	return map[string]any{
		"PageNumber": number, "PageSize": size, "TotalCount": len(recs),
		"DomainRecords": map[string]any{"Record": orEmpty(page(recs, number, size))},
	}, nil
}

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
	rr := strings.ToLower(q.Get("RRKeyWord"))
	if rr == "" {
		rr = strings.ToLower(q.Get("KeyWord"))
	}
	exact := strings.EqualFold(q.Get("SearchMode"), "EXACT")
	return a.listAnswer(q, z, func(r dns.Record) bool {
		name := strings.ToLower(r.Name)
		return rr == "" || exact && name == rr || !exact && strings.Contains(name, rr)
	})
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
	return a.listAnswer(q, z, func(r dns.Record) bool {
		name := strings.ToLower(r.Name)
		return name == rel || rel != dns.Apex && strings.HasSuffix(name, "."+rel)
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
	if ttl < 1 || ttl > 86400 {
		return dns.Record{}, badRequest(alidnsInvalidTTL, "TTL %d outside 1..86400.", ttl)
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
	r.ID, r.Status = cur.ID, cur.Status
	if strings.EqualFold(cur.Name, r.Name) && cur.Type == r.Type && dns.SameValue(r.Type, cur.Value, r.Value) && cur.TTL == r.TTL && cur.Priority == r.Priority {
		// The real API calls an update that changes nothing a duplicate.
		return nil, badRequest(alidnsDuplicate, "The domain record is duplicated.")
	}
	if aerr := checkRecord(z, r, alidnsConflict, alidnsDuplicate); aerr != nil {
		return nil, aerr
	}
	*cur = r
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
	return map[string]any{"RecordId": cur.ID, "Status": strings.ToUpper(status[:1]) + strings.ToLower(status[1:])}, nil
}
