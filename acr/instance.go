package acr

import (
	"context"
	"fmt"
	"time"

	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	"github.com/alibabacloud-go/tea/tea"
)

// Instance describes the EE instance.
type Instance struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Status        string    `json:"status"`        // e.g. RUNNING
	Specification string    `json:"specification"` // e.g. Enterprise_Advanced
	Created       time.Time `json:"created,omitzero"`
}

// GetInstance returns the instance's description.
func (c *Client) GetInstance(ctx context.Context) (Instance, error) {
	var b *cr.GetInstanceResponseBody
	err := c.call(ctx, "GetInstance", func(api api) (any, error) {
		r, err := api.GetInstanceWithOptions(&cr.GetInstanceRequest{InstanceId: tea.String(c.instanceID)}, c.runtime)
		if err != nil {
			return nil, err
		}
		b = r.Body
		return b, nil
	})
	if err != nil {
		return Instance{}, fmt.Errorf("getting instance %s: %w", c.instanceID, err)
	}
	in := Instance{ID: str(b.InstanceId), Name: str(b.InstanceName), Status: str(b.InstanceStatus), Specification: str(b.InstanceSpecification)}
	if b.CreateTime != nil {
		in.Created = time.UnixMilli(*b.CreateTime).UTC()
	}
	return in, nil
}

// Endpoint types and domain types.
const (
	EndpointInternet = "internet"
	EndpointVPC      = "vpc"
	// DomainSystem is the instance's own domain, e.g. <instance>-registry.<region>.cr.aliyuncs.com.
	DomainSystem = "SYSTEM"
	// DomainUser is a custom domain.
	DomainUser = "USER"
)

// moduleRegistry is the module whose endpoints serve the registry (others: Chart).
const moduleRegistry = "Registry"

// Domain is one domain name of an endpoint.
type Domain struct {
	Name string `json:"name"`
	Type string `json:"type"` // DomainSystem or DomainUser
}

// Endpoint is the registry's internet or VPC endpoint.
type Endpoint struct {
	Type    string   `json:"type"` // EndpointInternet or EndpointVPC
	Enabled bool     `json:"enabled"`
	Status  string   `json:"status,omitempty"`
	Domains []Domain `json:"domains,omitempty"`
}

// SystemDomain returns the endpoint's SYSTEM domain, "" when it has none.
func (e Endpoint) SystemDomain() string {
	for _, d := range e.Domains {
		if d.Type == DomainSystem {
			return d.Name
		}
	}
	return ""
}

// CustomDomains returns the endpoint's USER domains.
func (e Endpoint) CustomDomains() []string {
	var out []string
	for _, d := range e.Domains {
		if d.Type == DomainUser {
			out = append(out, d.Name)
		}
	}
	return out
}

// ListEndpoints returns the registry's endpoints (internet and VPC) with their domains.
func (c *Client) ListEndpoints(ctx context.Context) ([]Endpoint, error) {
	var b *cr.ListInstanceEndpointResponseBody
	err := c.call(ctx, "ListInstanceEndpoint", func(api api) (any, error) {
		r, err := api.ListInstanceEndpointWithOptions(&cr.ListInstanceEndpointRequest{
			InstanceId: tea.String(c.instanceID), ModuleName: tea.String(moduleRegistry),
		}, c.runtime)
		if err != nil {
			return nil, err
		}
		b = r.Body
		return b, nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing endpoints of %s: %w", c.instanceID, err)
	}
	var out []Endpoint
	for _, e := range b.Endpoints {
		if e == nil {
			continue
		}
		ep := Endpoint{Type: str(e.EndpointType), Enabled: boolv(e.Enable), Status: str(e.Status)}
		for _, d := range e.Domains {
			if d != nil {
				ep.Domains = append(ep.Domains, Domain{Name: str(d.Domain), Type: str(d.Type)})
			}
		}
		out = append(out, ep)
	}
	return out, nil
}

// GetEndpoint returns the registry endpoint of type typ (EndpointInternet or EndpointVPC).
func (c *Client) GetEndpoint(ctx context.Context, typ string) (Endpoint, error) {
	if typ != EndpointInternet && typ != EndpointVPC {
		return Endpoint{}, fmt.Errorf("acr: %w: endpoint type %q (want internet or vpc)", ErrInvalidArgument, typ)
	}
	var b *cr.GetInstanceEndpointResponseBody
	err := c.call(ctx, "GetInstanceEndpoint", func(api api) (any, error) {
		r, err := api.GetInstanceEndpointWithOptions(&cr.GetInstanceEndpointRequest{
			InstanceId: tea.String(c.instanceID), ModuleName: tea.String(moduleRegistry), EndpointType: tea.String(typ),
		}, c.runtime)
		if err != nil {
			return nil, err
		}
		b = r.Body
		return b, nil
	})
	if err != nil {
		return Endpoint{}, fmt.Errorf("getting %s endpoint of %s: %w", typ, c.instanceID, err)
	}
	ep := Endpoint{Type: typ, Enabled: boolv(b.Enable), Status: str(b.Status)}
	for _, d := range b.Domains {
		if d != nil {
			ep.Domains = append(ep.Domains, Domain{Name: str(d.Domain), Type: str(d.Type)})
		}
	}
	return ep, nil
}

// LinkedVPC is a VPC attached to the instance's VPC endpoint, with the IP the
// registry answers on inside it.
type LinkedVPC struct {
	VPCID     string `json:"vpc_id"`
	VSwitchID string `json:"vswitch_id"`
	IP        string `json:"ip"`
	Status    string `json:"status,omitempty"` // RUNNING when usable
}

// VPCEndpoint is the registry's VPC access: its domains and the VPCs linked to it.
type VPCEndpoint struct {
	Enabled    bool        `json:"enabled"`
	Domains    []string    `json:"domains,omitempty"`
	LinkedVPCs []LinkedVPC `json:"linked_vpcs,omitempty"`
}

// GetVPCEndpoint returns the VPC endpoint with the VPC IPs (GetInstanceVpcEndpoint), the
// target of the runbook's DR case (c).
func (c *Client) GetVPCEndpoint(ctx context.Context) (VPCEndpoint, error) {
	var b *cr.GetInstanceVpcEndpointResponseBody
	err := c.call(ctx, "GetInstanceVpcEndpoint", func(api api) (any, error) {
		r, err := api.GetInstanceVpcEndpointWithOptions(&cr.GetInstanceVpcEndpointRequest{
			InstanceId: tea.String(c.instanceID), ModuleName: tea.String(moduleRegistry),
		}, c.runtime)
		if err != nil {
			return nil, err
		}
		b = r.Body
		return b, nil
	})
	if err != nil {
		return VPCEndpoint{}, fmt.Errorf("getting VPC endpoint of %s: %w", c.instanceID, err)
	}
	out := VPCEndpoint{Enabled: boolv(b.Enable)}
	for _, d := range b.Domains {
		if d != nil {
			out.Domains = append(out.Domains, *d)
		}
	}
	for _, v := range b.LinkedVpcs {
		if v != nil {
			out.LinkedVPCs = append(out.LinkedVPCs, LinkedVPC{VPCID: str(v.VpcId), VSwitchID: str(v.VswitchId), IP: str(v.Ip), Status: str(v.Status)})
		}
	}
	return out, nil
}
