package acr

import (
	"context"
	"fmt"
)

// PublicDomain returns the SYSTEM domain of the registry's internet endpoint
// ("<instance>-registry.<region>.cr.aliyuncs.com"), the CNAME target of the runbook's DR
// cases (a) and (b). No API returns the public IP: resolve this name.
func (c *Client) PublicDomain(ctx context.Context) (string, error) {
	ep, err := c.GetEndpoint(ctx, EndpointInternet)
	if err != nil {
		return "", err
	}
	d := ep.SystemDomain()
	if d == "" {
		return "", fmt.Errorf("instance %s: %w: internet endpoint has no SYSTEM domain", c.instanceID, ErrNotFound)
	}
	return d, nil
}

// VPCAddress returns the registry's IP inside the VPC vpcID (the runbook's DR case (c));
// ErrNotFound when that VPC is not linked to the instance.
func (c *Client) VPCAddress(ctx context.Context, vpcID string) (string, error) {
	if vpcID == "" {
		return "", fmt.Errorf("acr: %w: empty VPC ID", ErrInvalidArgument)
	}
	ep, err := c.GetVPCEndpoint(ctx)
	if err != nil {
		return "", err
	}
	for _, v := range ep.LinkedVPCs {
		if v.VPCID == vpcID && v.IP != "" {
			return v.IP, nil
		}
	}
	return "", fmt.Errorf("instance %s: %w: VPC %s is not linked", c.instanceID, ErrNotFound, vpcID)
}
