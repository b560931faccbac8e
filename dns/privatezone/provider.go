package privatezone

import (
	"context"
	"fmt"

	pvtz "github.com/alibabacloud-go/pvtz-20180101/v2/client"
	"github.com/alibabacloud-go/tea/dara"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/internal/dnsprovider"
)

// api is the subset of the PrivateZone SDK client the provider uses; *pvtz.Client
// satisfies it. Signatures must match the SDK's exactly.
type api interface {
	zoneAPI
	recordAPI
}

// recordAPI reads and writes records.
type recordAPI interface {
	DescribeZoneRecordsWithContext(ctx context.Context, req *pvtz.DescribeZoneRecordsRequest, rt *dara.RuntimeOptions) (*pvtz.DescribeZoneRecordsResponse, error)
	UpdateZoneRecordWithContext(ctx context.Context, req *pvtz.UpdateZoneRecordRequest, rt *dara.RuntimeOptions) (*pvtz.UpdateZoneRecordResponse, error)
	AddZoneRecordWithContext(ctx context.Context, req *pvtz.AddZoneRecordRequest, rt *dara.RuntimeOptions) (*pvtz.AddZoneRecordResponse, error)
	SetZoneRecordStatusWithContext(ctx context.Context, req *pvtz.SetZoneRecordStatusRequest, rt *dara.RuntimeOptions) (*pvtz.SetZoneRecordStatusResponse, error)
}

// zoneAPI finds zones and their VPC bindings.
type zoneAPI interface {
	DescribeZonesWithContext(ctx context.Context, req *pvtz.DescribeZonesRequest, rt *dara.RuntimeOptions) (*pvtz.DescribeZonesResponse, error)
	DescribeZoneInfoWithContext(ctx context.Context, req *pvtz.DescribeZoneInfoRequest, rt *dara.RuntimeOptions) (*pvtz.DescribeZoneInfoResponse, error)
}

// Provider is one PrivateZone zone, found by name and the VPC it is bound to. It
// implements dns.Provider, dns.RecordAdder and dns.RecordStatusSetter, and is safe for
// concurrent use: the SDK's client keeps per-request state, so each call takes an SDK
// client of its own from a pool, and concurrent calls run in parallel.
type Provider struct {
	c    *dnsprovider.Client[api]
	zone dns.Zone
}

var (
	_ dns.Provider           = (*Provider)(nil)
	_ dns.RecordAdder        = (*Provider)(nil)
	_ dns.RecordStatusSetter = (*Provider)(nil)
)

// Zone re-reads the zone the provider is bound to, with its current VPC bindings.
func (p *Provider) Zone(ctx context.Context) (dns.Zone, error) {
	z, err := p.describeZone(ctx, p.zone.ID)
	if err != nil {
		return dns.Zone{}, fmt.Errorf("reading zone %s: %w", p.zone.ID, err)
	}
	return z, nil
}

// ZoneID returns the ID of the zone the provider found when it was opened.
func (p *Provider) ZoneID() string { return p.zone.ID }
