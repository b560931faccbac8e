package alidns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	alidns "github.com/alibabacloud-go/alidns-20150109/v5/client"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/internal/aliyun"
)

// Option configures a Provider.
type Option func(*Provider) error

// WithLogger logs every write (at Info) to l. The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(p *Provider) error {
		if l == nil {
			return errors.New("alidns: nil logger")
		}
		p.log = l
		return nil
	}
}

// WithPageSize sets the page size of list calls, 1..500. The default is 100.
func WithPageSize(n int) Option {
	return func(p *Provider) error {
		if n < 1 || n > 500 {
			return fmt.Errorf("alidns: page size %d outside 1..500", n)
		}
		p.pageSize = n
		return nil
	}
}

// New returns a provider for the public domain named domain ("example.com"), checking
// that the account holds it (DescribeDomainInfo): an unknown domain is dns.ErrNoZone.
func New(ctx context.Context, cfg alicloud.Config, domain string, opts ...Option) (*Provider, error) {
	if !dns.IsHostname(domain) {
		return nil, fmt.Errorf("alidns: %w: domain name %q", dns.ErrInvalidRecord, domain)
	}
	oc, err := aliyun.OpenAPIConfig(cfg, "alidns.aliyuncs.com")
	if err != nil {
		return nil, fmt.Errorf("alidns: %w", err)
	}
	if oc.RegionId == nil {
		region := "cn-hangzhou"
		oc.RegionId = &region
	}
	apis, err := aliyun.NewPool(func() (api, error) { return alidns.NewClient(oc) })
	if err != nil {
		return nil, fmt.Errorf("alidns: creating client: %w", err)
	}
	p := &Provider{apis: apis, runtime: aliyun.Runtime(cfg), retry: cfg.Retry, clock: cfg.Clock, pageSize: 100, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		if err := o(p); err != nil {
			return nil, err
		}
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

// call runs one API call with retries and maps its error onto the dns sentinels, keeping
// the *aliyun.Error (code, request ID) reachable with errors.As. fn calls the SDK client
// it is given, which no other call uses meanwhile.
func (p *Provider) call(ctx context.Context, op string, fn func(ctx context.Context, api api) error) error {
	err := aliyun.Do(ctx, p.clock, p.retry, op, func() error {
		return p.apis.Use(func(a api) error { return fn(ctx, a) })
	})
	if err == nil {
		return nil
	}
	code := errorCode(err)
	switch {
	case notFoundCode(code) || errors.Is(err, aliyun.ErrNotFound):
		return fmt.Errorf("%w: %w", dns.ErrNotFound, err)
	case errors.Is(err, aliyun.ErrUnauthorized):
		return fmt.Errorf("%w: %w", dns.ErrUnauthorized, err)
	case errors.Is(err, aliyun.ErrThrottled):
		return fmt.Errorf("%w: %w", dns.ErrThrottled, err)
	// DomainRecordConflict: "The domain record is conflict with other records." (400, same
	// pages as above). InvalidTTL is unconfirmed, kept for compatibility.
	case code == "DomainRecordConflict" || code == "InvalidTTL":
		return fmt.Errorf("%w: %w", dns.ErrInvalidRecord, err)
	}
	return err
}

// notFoundCode lists Alidns's codes for a domain or record that does not exist (in this
// account). DomainRecordNotBelongToUser: "The domain record does not belong to this user."
// (400, UpdateDomainRecord error codes; help-w.com/mix/1547615208_zh.html, a copy of the
// Alibaba Cloud API page). IncorrectDomainUser: "The domain name does not belong to this
// user." (400, AddDomainRecord error codes; help-w.com/microsoft/windows/1498112608.html).
// InvalidDomainName.NoExist: "The specified domain name does not exist." (HTTP 400, as
// public clients log it). InvalidRR.NoExist is unconfirmed, kept for compatibility.
func notFoundCode(code string) bool {
	switch code {
	case "DomainRecordNotBelongToUser", "IncorrectDomainUser", "InvalidDomainName.NoExist", "InvalidRR.NoExist":
		return true
	}
	return false
}

func errorCode(err error) string {
	var ae *aliyun.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// isDuplicate reports Alidns's answer to an update or add that would duplicate a record
// (an update that changes nothing included).
func isDuplicate(err error) bool { return err != nil && errorCode(err) == "DomainRecordDuplicate" }
