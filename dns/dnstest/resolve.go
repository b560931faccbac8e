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

// lookup returns the enabled records named fqdn in the most specific zone visible from
// vpc (PrivateZone zones bound to vpc shadow public ones), and whether any zone owns fqdn.
func (rv *resolver) lookup(vpc, fqdn string) ([]dns.Record, bool) {
	var views []view
	if vpc != "" {
		for _, p := range rv.private {
			views = append(views, p.store.visible(vpc, true)...)
		}
	}
	if recs, ok := lookupIn(views, fqdn); ok {
		return recs, true
	}
	views = views[:0]
	for _, a := range rv.public {
		views = append(views, a.store.visible("", false)...)
	}
	return lookupIn(views, fqdn)
}

func lookupIn(views []view, fqdn string) ([]dns.Record, bool) {
	best, rel := -1, ""
	for i, v := range views {
		if r, ok := dns.Relative(fqdn, v.name); ok && (best < 0 || len(v.name) > len(views[best].name)) {
			best, rel = i, r
		}
	}
	if best < 0 {
		return nil, false
	}
	recs := matching(views[best].records, rel)
	// A wildcard answers only for names that hold no record at all.
	for w := rel; len(recs) == 0 && w != dns.Apex; {
		_, rest, found := strings.Cut(w, ".")
		if !found {
			rest = ""
		}
		if rest == "" {
			recs = matching(views[best].records, "*")
			break
		}
		recs = matching(views[best].records, "*."+rest)
		w = rest
	}
	return recs, true
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

// answer builds the answer section and rcode for one question asked from vpc.
func (rv *resolver) answer(vpc string, q mdns.Question) ([]mdns.RR, int) {
	var ans []mdns.RR
	name := strings.ToLower(strings.TrimSuffix(q.Name, "."))
	for hop := 0; hop <= maxChase; hop++ {
		recs, owned := rv.lookup(vpc, name)
		if !owned {
			addrs, ok := rv.upstream[name]
			if !ok {
				if hop == 0 {
					return nil, mdns.RcodeNameError
				}
				return ans, mdns.RcodeSuccess
			}
			for _, a := range addrs {
				if rr := addrRR(name, a, upstreamTTL, q.Qtype); rr != nil {
					ans = append(ans, rr)
				}
			}
			return ans, mdns.RcodeSuccess
		}
		if len(recs) == 0 && hop == 0 {
			return nil, mdns.RcodeNameError
		}
		var cname *dns.Record
		for _, r := range recs {
			if r.Type == dns.TypeCNAME {
				cname = &r
			}
			if rr := recordRR(name, r, q.Qtype); rr != nil {
				ans = append(ans, rr)
			}
		}
		if cname == nil || q.Qtype == mdns.TypeCNAME {
			return ans, mdns.RcodeSuccess
		}
		name = strings.ToLower(strings.TrimSuffix(cname.Value, "."))
	}
	return ans, mdns.RcodeServerFailure
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
