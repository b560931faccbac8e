package alidns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	alidns "github.com/alibabacloud-go/alidns-20150109/v5/client"
	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/internal/dnsprovider"
)

var (
	_ dns.Provider           = (*Provider)(nil)
	_ dns.RecordAdder        = (*Provider)(nil)
	_ dns.RecordStatusSetter = (*Provider)(nil)
)

// Option configures a Provider.
type Option func(*Provider) error

// WithLogger logs every write (at Info) to l, which must not be nil. The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(p *Provider) error { return p.c.SetLogger(l) }
}

// WithPageSize sets the page size of list calls, 1..500. The default is 100.
func WithPageSize(n int) Option {
	return func(p *Provider) error { return p.c.SetPageSize(n) }
}

// New returns a provider for the public domain named domain ("example.com"), checking
// that the account holds it (DescribeDomainInfo): an unknown domain is dns.ErrNoZone.
// The region defaults to cn-hangzhou.
func New(ctx context.Context, cfg alicloud.Config, domain string, opts ...Option) (*Provider, error) {
	if !dns.IsHostname(domain) {
		return nil, fmt.Errorf("alidns: %w: domain name %q", dns.ErrInvalidRecord, domain)
	}
	c, err := dnsprovider.New(cfg, dnsprovider.Product[api]{
		Name: "alidns", Endpoint: "alidns.aliyuncs.com", MaxPageSize: 500, Codes: codeSentinel,
		NewAPI: func(oc *openapi.Config) (api, error) { return alidns.NewClient(oc) },
	})
	if err != nil {
		return nil, err
	}
	p := &Provider{c: c}
	if err := dnsprovider.ApplyOptions(p, opts); err != nil {
		return nil, err
	}
	z, err := p.describeDomain(ctx, domain)
	if errors.Is(err, dns.ErrNotFound) {
		err = fmt.Errorf("%w: %w", dns.ErrNoZone, err)
	}
	if err != nil {
		return nil, fmt.Errorf("alidns: finding domain %s: %w", domain, err)
	}
	p.zone = z
	return p, nil
}

// codeSentinel maps Alidns's own codes onto the dns sentinels.
//
// Not found, a domain or record that does not exist (in this account):
// DomainRecordNotBelongToUser, "The domain record does not belong to this user." (400,
// UpdateDomainRecord error codes; help-w.com/mix/1547615208_zh.html, a copy of the Alibaba
// Cloud API page). IncorrectDomainUser: "The domain name does not belong to this user."
// (400, AddDomainRecord error codes; help-w.com/microsoft/windows/1498112608.html).
// InvalidDomainName.NoExist: "The specified domain name does not exist." (HTTP 400, as
// public clients log it). InvalidRR.NoExist is unconfirmed, kept for compatibility.
//
// Invalid record: DomainRecordConflict, "The domain record is conflict with other
// records." (400, same pages as above). InvalidTTL is unconfirmed, kept for
// compatibility.
func codeSentinel(code string) error {
	switch code {
	case "DomainRecordNotBelongToUser", "IncorrectDomainUser", "InvalidDomainName.NoExist", "InvalidRR.NoExist":
		return dns.ErrNotFound
	case "DomainRecordConflict", "InvalidTTL":
		return dns.ErrInvalidRecord
	}
	return nil
}

// isDuplicate reports Alidns's answer to an update or add that would duplicate a record
// (an update that changes nothing included).
func isDuplicate(err error) bool {
	return err != nil && dnsprovider.ErrorCode(err) == "DomainRecordDuplicate"
}
