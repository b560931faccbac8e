package alidns

import (
	"context"
	"fmt"
	"strings"

	alidns "github.com/alibabacloud-go/alidns-20150109/v5/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/internal/dnsprovider"
)

// api is the subset of the Alidns SDK client the provider uses; *alidns.Client
// satisfies it. Signatures must match the SDK's exactly.
type api interface {
	// DescribeDomainInfoWithContext reads the domain (New, Zone).
	DescribeDomainInfoWithContext(ctx context.Context, req *alidns.DescribeDomainInfoRequest, rt *dara.RuntimeOptions) (*alidns.DescribeDomainInfoResponse, error)
	recordReader
	recordWriter
}

// recordReader lists records: all of them, or those of one name.
type recordReader interface {
	DescribeDomainRecordsWithContext(ctx context.Context, req *alidns.DescribeDomainRecordsRequest, rt *dara.RuntimeOptions) (*alidns.DescribeDomainRecordsResponse, error)
	DescribeSubDomainRecordsWithContext(ctx context.Context, req *alidns.DescribeSubDomainRecordsRequest, rt *dara.RuntimeOptions) (*alidns.DescribeSubDomainRecordsResponse, error)
}

// recordWriter changes records.
type recordWriter interface {
	UpdateDomainRecordWithContext(ctx context.Context, req *alidns.UpdateDomainRecordRequest, rt *dara.RuntimeOptions) (*alidns.UpdateDomainRecordResponse, error)
	AddDomainRecordWithContext(ctx context.Context, req *alidns.AddDomainRecordRequest, rt *dara.RuntimeOptions) (*alidns.AddDomainRecordResponse, error)
	SetDomainRecordStatusWithContext(ctx context.Context, req *alidns.SetDomainRecordStatusRequest, rt *dara.RuntimeOptions) (*alidns.SetDomainRecordStatusResponse, error)
}

var _ api = (*alidns.Client)(nil)

// Provider is one public domain in Alibaba Cloud DNS. It implements dns.Provider,
// dns.RecordAdder and dns.RecordStatusSetter, and is safe for concurrent use: the SDK's
// client keeps per-request state, so each call takes an SDK client of its own from a pool,
// and concurrent calls run in parallel.
type Provider struct {
	c    *dnsprovider.Client[api]
	zone dns.Zone
	// minTTL and edition are the domain's TTL floor and edition (DescribeDomainInfo
	// MinTtl and VersionCode, read by New); minTTL 0 = unknown, the API judges.
	minTTL  int
	edition string
}

// Zone re-reads the domain (DescribeDomainInfo).
func (p *Provider) Zone(ctx context.Context) (dns.Zone, error) {
	z, err := p.describeDomain(ctx, p.zone.Name)
	if err != nil {
		return dns.Zone{}, fmt.Errorf("reading domain %s: %w", p.zone.Name, err)
	}
	return z, nil
}

// describeDomain reads the domain, and its TTL floor and edition into p.
func (p *Provider) describeDomain(ctx context.Context, name string) (dns.Zone, error) {
	// NeedDetailAttributes adds MinTtl, the edition's TTL floor (fact pack alidns.md,
	// DescribeDomainInfo: "use MinTtl rather than a hard-coded table").
	req := &alidns.DescribeDomainInfoRequest{DomainName: tea.String(name), NeedDetailAttributes: tea.Bool(true)}
	resp, err := dnsprovider.Send(ctx, p.c, "DescribeDomainInfo", api.DescribeDomainInfoWithContext, req)
	if err != nil {
		return dns.Zone{}, err
	}
	if resp.Body == nil {
		return dns.Zone{}, fmt.Errorf("domain %s: empty response", name)
	}
	p.minTTL, p.edition = int(tea.Int64Value(resp.Body.MinTtl)), tea.StringValue(resp.Body.VersionCode)
	return dns.Zone{
		ID:   tea.StringValue(resp.Body.DomainId),
		Name: strings.ToLower(strings.TrimSuffix(tea.StringValue(resp.Body.DomainName), ".")),
	}, nil
}
