package failover

import (
	"context"
	"fmt"
	"strings"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/regdr/regdr/dns"
)

// queryTimeout bounds one verification query.
const queryTimeout = 3 * time.Second

// LookupFunc asks the DNS server at server ("host:port") for the records of type typ
// ("A", "AAAA", "CNAME") owned by fqdn, and returns their values.
type LookupFunc func(ctx context.Context, server, fqdn, typ string) ([]string, error)

// DNSLookup is the default [LookupFunc]: one recursive query over UDP (TCP when the answer
// is truncated) to server, keeping only answers owned by fqdn itself, so a CNAME chain is
// not mistaken for the record.
func DNSLookup(ctx context.Context, server, fqdn, typ string) ([]string, error) {
	qtype, ok := mdns.StringToType[strings.ToUpper(typ)]
	if !ok {
		return nil, fmt.Errorf("%w: record type %q", ErrInvalid, typ)
	}
	m := new(mdns.Msg)
	m.SetQuestion(mdns.Fqdn(fqdn), qtype)
	m.RecursionDesired = true
	c := &mdns.Client{Net: "udp"}
	in, _, err := c.ExchangeContext(ctx, m, server)
	if err == nil && in.Truncated {
		c.Net = "tcp"
		in, _, err = c.ExchangeContext(ctx, m, server)
	}
	if err != nil {
		return nil, fmt.Errorf("querying %s %s at %s: %w", fqdn, typ, server, err)
	}
	if in.Rcode != mdns.RcodeSuccess && in.Rcode != mdns.RcodeNameError {
		return nil, fmt.Errorf("querying %s %s at %s: %s", fqdn, typ, server, mdns.RcodeToString[in.Rcode])
	}
	var out []string
	for _, rr := range in.Answer {
		if !strings.EqualFold(rr.Header().Name, mdns.Fqdn(fqdn)) || rr.Header().Rrtype != qtype {
			continue
		}
		switch v := rr.(type) {
		case *mdns.A:
			out = append(out, v.A.String())
		case *mdns.AAAA:
			out = append(out, v.AAAA.String())
		case *mdns.CNAME:
			out = append(out, strings.TrimSuffix(v.Target, "."))
		}
	}
	return out, nil
}

// verify polls the target's resolver until it answers c.To, or the deadline passes. It
// returns when the answer was first seen.
func (s *Switcher) verify(ctx context.Context, t Target, c RecordChange) (time.Time, error) {
	deadline := s.clock.Now().Add(s.verifyTimeout)
	var last string
	for {
		qctx, cancel := context.WithTimeout(ctx, queryTimeout)
		answers, err := s.lookup(qctx, t.Resolver, c.FQDN, c.To.Type)
		cancel()
		switch {
		case err != nil:
			last = err.Error()
		case containsValue(c.To.Type, answers, c.To.Value):
			return s.clock.Now(), nil
		default:
			last = fmt.Sprintf("answered %q", answers)
		}
		if !s.clock.Now().Before(deadline) {
			return time.Time{}, fmt.Errorf("verifying %s at %s: %w (last: %s)", c.FQDN, t.Resolver, ErrNotVerified, last)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("verifying %s at %s: %w", c.FQDN, t.Resolver, ctx.Err())
		case <-s.clock.After(s.verifyInterval):
		}
	}
}

func containsValue(typ string, answers []string, want string) bool {
	for _, a := range answers {
		if dns.SameValue(typ, a, want) {
			return true
		}
	}
	return false
}
