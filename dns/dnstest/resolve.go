package dnstest

import (
	"net/netip"
	"strings"

	mdns "github.com/miekg/dns"

	"github.com/regdr/regdr/dns"
)

// maxChase bounds how many CNAMEs one answer follows, so a loop in the seeded data ends.
const maxChase = 8

// upstreamTTL is the TTL of answers taken from the upstream map.
const upstreamTTL = 300

// resolver answers queries from the zones the emulators hold, as seen from one VPC.
type resolver struct {
	private  []*PrivateZone
	public   []*Alidns
	upstream map[string][]netip.Addr
}

// found is what a lookup found for one name.
type found struct {
	records []dns.Record // the enabled records of the name (or of the wildcard that covers it)
	zone    string       // the zone that owns the name; "" when no visible zone does
	exists  bool         // the name exists: it has records, or names beneath it do
}

// lookup finds fqdn in the most specific zone visible from vpc (PrivateZone zones bound
// to vpc shadow public ones).
func (rv *resolver) lookup(vpc, fqdn string) found {
	var views []view
	if vpc != "" {
		for _, p := range rv.private {
			views = append(views, p.store.visible(vpc, true)...)
		}
	}
	if f := lookupIn(views, fqdn); f.zone != "" {
		return f
	}
	views = views[:0]
	for _, a := range rv.public {
		views = append(views, a.store.visible("", false)...)
	}
	return lookupIn(views, fqdn)
}

func lookupIn(views []view, fqdn string) found {
	best, rel := -1, ""
	for i, v := range views {
		if r, ok := dns.Relative(fqdn, v.name); ok && (best < 0 || len(v.name) > len(views[best].name)) {
			best, rel = i, r
		}
	}
	if best < 0 {
		return found{}
	}
	v := views[best]
	f := found{zone: v.name, records: matching(v.records, rel)}
	f.exists = rel == dns.Apex || len(f.records) > 0 || anyBeneath(v.records, rel)
	// A wildcard answers only for names that do not exist.
	for w := rel; !f.exists && w != dns.Apex; {
		_, rest, ok := strings.Cut(w, ".")
		if !ok {
			rest = ""
		}
		if rest == "" {
			f.records = matching(v.records, "*")
		} else {
			f.records = matching(v.records, "*."+rest)
		}
		if len(f.records) > 0 || rest == "" {
			f.exists = len(f.records) > 0
			break
		}
		w = rest
	}
	return f
}

// anyBeneath reports whether an enabled record is named below rel (rel is then an empty
// non-terminal: it exists, with no records of its own).
func anyBeneath(records []dns.Record, rel string) bool {
	for _, r := range records {
		if r.Enabled() && strings.HasSuffix(strings.ToLower(r.Name), "."+strings.ToLower(rel)) {
			return true
		}
	}
	return false
}

func matching(records []dns.Record, rel string) []dns.Record {
	var out []dns.Record
	for _, r := range records {
		if r.Enabled() && strings.EqualFold(r.Name, rel) {
			out = append(out, r)
		}
	}
	return out
}

// answer builds the answer and authority sections and the rcode of one question asked
// from vpc, as the recursive resolver a VPC client uses answers it: a CNAME chain is
// followed through every zone visible from vpc and then the upstream map; the rcode is
// that of the last name of the chain (RFC 6604 §2.1: NXDOMAIN with the chain when the
// final target does not exist); a negative answer (NXDOMAIN, or NODATA: the name exists
// without the type) carries the SOA of the zone that owns the last name in the authority
// section (RFC 2308 §3), when a visible zone owns it. A name neither a visible zone nor
// the upstream map holds is NXDOMAIN without an SOA (the real resolver would give the
// SOA of the parent zone on the internet, which dnstest does not hold).
func (rv *resolver) answer(vpc string, q mdns.Question) ([]mdns.RR, []mdns.RR, int) {
	var ans []mdns.RR
	name := strings.ToLower(strings.TrimSuffix(q.Name, "."))
	for hop := 0; hop <= maxChase; hop++ {
		f := rv.lookup(vpc, name)
		if f.zone == "" {
			addrs, ok := rv.upstream[name]
			if !ok {
				return ans, nil, mdns.RcodeNameError
			}
			for _, a := range addrs {
				if rr := addrRR(name, a, upstreamTTL, q.Qtype); rr != nil {
					ans = append(ans, rr)
				}
			}
			return ans, nil, mdns.RcodeSuccess
		}
		if !f.exists {
			return ans, []mdns.RR{soaRR(f.zone)}, mdns.RcodeNameError
		}
		var cname *dns.Record
		n := len(ans)
		for _, r := range f.records {
			if r.Type == dns.TypeCNAME {
				cname = &r
			}
			if rr := recordRR(name, r, q.Qtype); rr != nil {
				ans = append(ans, rr)
			}
		}
		if cname == nil || q.Qtype == mdns.TypeCNAME {
			if len(ans) == n {
				return ans, []mdns.RR{soaRR(f.zone)}, mdns.RcodeSuccess // NODATA
			}
			return ans, nil, mdns.RcodeSuccess
		}
		name = strings.ToLower(strings.TrimSuffix(cname.Value, "."))
	}
	return ans, nil, mdns.RcodeServerFailure
}

// negativeTTL is the SOA TTL and MINIMUM of every emulated zone: how long resolvers may
// cache a negative answer (RFC 2308 §5). The real zones' SOA values are unconfirmed.
const negativeTTL = 60

// soaRR is the SOA dnstest gives a zone. Its names are placeholders: the real SOA of an
// Alidns or PrivateZone zone is unconfirmed.
func soaRR(zone string) mdns.RR {
	return &mdns.SOA{
		Hdr: mdns.RR_Header{Name: mdns.Fqdn(zone), Rrtype: mdns.TypeSOA, Class: mdns.ClassINET, Ttl: negativeTTL},
		Ns:  "ns1.dnstest.invalid.", Mbox: "hostmaster.dnstest.invalid.",
		Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: negativeTTL,
	}
}

// recordRR converts r to an RR when it answers qtype (a CNAME answers every type).
func recordRR(fqdn string, r dns.Record, qtype uint16) mdns.RR {
	hdr := func(t uint16) mdns.RR_Header {
		return mdns.RR_Header{Name: mdns.Fqdn(fqdn), Rrtype: t, Class: mdns.ClassINET, Ttl: uint32(r.TTL)}
	}
	switch r.Type {
	case dns.TypeCNAME:
		return &mdns.CNAME{Hdr: hdr(mdns.TypeCNAME), Target: mdns.Fqdn(strings.ToLower(r.Value))}
	case dns.TypeA, dns.TypeAAAA:
		a, err := netip.ParseAddr(r.Value)
		if err != nil {
			return nil
		}
		return addrRR(fqdn, a, r.TTL, qtype)
	case dns.TypeTXT:
		if qtype == mdns.TypeTXT {
			return &mdns.TXT{Hdr: hdr(mdns.TypeTXT), Txt: []string{r.Value}}
		}
	}
	return nil
}

func addrRR(fqdn string, a netip.Addr, ttl int, qtype uint16) mdns.RR {
	h := mdns.RR_Header{Name: mdns.Fqdn(fqdn), Class: mdns.ClassINET, Ttl: uint32(ttl)}
	switch {
	case a.Is4() && qtype == mdns.TypeA:
		h.Rrtype = mdns.TypeA
		return &mdns.A{Hdr: h, A: a.AsSlice()}
	case a.Is6() && qtype == mdns.TypeAAAA:
		h.Rrtype = mdns.TypeAAAA
		return &mdns.AAAA{Hdr: h, AAAA: a.AsSlice()}
	}
	return nil
}
