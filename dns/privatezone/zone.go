package privatezone

import (
	"context"
	"fmt"
	"slices"
	"strings"

	pvtz "github.com/alibabacloud-go/pvtz-20180101/v2/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/internal/dnsprovider"
)

// findZone returns the one zone named name (exactly) bound to vpc ("" = any binding).
func (p *Provider) findZone(ctx context.Context, name, vpc string) (dns.Zone, error) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	var candidates []string
	for page := int32(1); ; page++ {
		req := &pvtz.DescribeZonesRequest{
			Keyword:    tea.String(name),
			SearchMode: tea.String("EXACT"),
			PageNumber: tea.Int32(page),
			PageSize:   tea.Int32(int32(p.c.PageSize)),
		}
		resp, err := dnsprovider.Send(ctx, p.c, "DescribeZones", api.DescribeZonesWithContext, req)
		if err != nil {
			return dns.Zone{}, fmt.Errorf("finding zone %s: %w", name, err)
		}
		body := resp.Body
		if body == nil || body.Zones == nil {
			break
		}
		for _, z := range body.Zones.Zone {
			// EXACT is the API's promise; the check keeps a LIKE-ish answer from leaking in.
			if strings.EqualFold(strings.TrimSuffix(tea.StringValue(z.ZoneName), "."), name) {
				candidates = append(candidates, tea.StringValue(z.ZoneId))
			}
		}
		if len(body.Zones.Zone) == 0 || int(page)*p.c.PageSize >= int(tea.Int32Value(body.TotalItems)) {
			break
		}
	}
	var matches []dns.Zone
	for _, id := range candidates {
		z, err := p.describeZone(ctx, id)
		if err != nil {
			return dns.Zone{}, fmt.Errorf("finding zone %s: %w", name, err)
		}
		if vpc == "" || slices.Contains(z.VPCs, vpc) {
			matches = append(matches, z)
		}
	}
	switch len(matches) {
	case 0:
		return dns.Zone{}, fmt.Errorf("finding zone %s bound to %s: %d zones of that name, none bound to it: %w", name, orAny(vpc), len(candidates), dns.ErrNoZone)
	case 1:
		return matches[0], nil
	}
	ids := make([]string, len(matches))
	for i, z := range matches {
		ids[i] = z.ID
	}
	return dns.Zone{}, fmt.Errorf("finding zone %s bound to %s: zones %s all match: %w", name, orAny(vpc), strings.Join(ids, ", "), dns.ErrAmbiguousZone)
}

func orAny(vpc string) string {
	if vpc == "" {
		return "any VPC"
	}
	return vpc
}

// describeZone reads a zone and its VPC bindings.
func (p *Provider) describeZone(ctx context.Context, id string) (dns.Zone, error) {
	resp, err := dnsprovider.Send(ctx, p.c, "DescribeZoneInfo", api.DescribeZoneInfoWithContext, &pvtz.DescribeZoneInfoRequest{ZoneId: tea.String(id)})
	if err != nil {
		return dns.Zone{}, err
	}
	z := dns.Zone{ID: id}
	if b := resp.Body; b != nil {
		z.Name = strings.TrimSuffix(tea.StringValue(b.ZoneName), ".")
		if b.BindVpcs != nil {
			for _, v := range b.BindVpcs.Vpc {
				z.VPCs = append(z.VPCs, tea.StringValue(v.VpcId))
			}
		}
	}
	return z, nil
}
