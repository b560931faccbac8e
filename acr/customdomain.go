package acr

import (
	"context"
	"fmt"
	"strings"
)

// CustomDomain is a custom (USER) domain of the registry, served with a certificate from
// Certificate Management Service.
type CustomDomain struct {
	Domain       string `json:"domain"`
	EndpointType string `json:"endpoint_type,omitempty"` // internet or vpc
	DomainType   string `json:"domain_type,omitempty"`   // USER
	CertID       string `json:"cert_id,omitempty"`
}

// CustomDomainSpec is what CreateCustomDomain and UpdateCustomDomain send.
type CustomDomainSpec struct {
	CertID       string `json:"cert_id"`                  // required
	CertRegionID string `json:"cert_region_id,omitempty"` // "" = the certificate service's default
}

// Answers of the customized-domain actions, which the SDK does not have; shaped like
// its generated bodies so CheckSuccess and tea.Convert handle them.
type customDomainBody struct {
	Code, Message, RequestId                                         *string
	IsSuccess                                                        *bool
	Domain, EndpointType, DomainType, CertId, ModuleName, InstanceId *string
}

type customDomainResponse struct {
	Body *customDomainBody `json:"body"`
}

func checkDomain(domain string) error {
	if domain == "" || len(domain) > 253 || strings.ContainsAny(domain, "/ :") {
		return fmt.Errorf("acr: %w: custom domain %q", ErrInvalidArgument, domain)
	}
	return nil
}

// CreateCustomDomain adds domain to the registry (CreateInstanceCustomizedDomain).
func (c *Client) CreateCustomDomain(ctx context.Context, domain string, spec CustomDomainSpec) error {
	return c.writeCustomDomain(ctx, "CreateInstanceCustomizedDomain", domain, spec)
}

// UpdateCustomDomain replaces the certificate of domain (UpdateInstanceCustomizedDomain).
func (c *Client) UpdateCustomDomain(ctx context.Context, domain string, spec CustomDomainSpec) error {
	return c.writeCustomDomain(ctx, "UpdateInstanceCustomizedDomain", domain, spec)
}

func (c *Client) writeCustomDomain(ctx context.Context, op, domain string, spec CustomDomainSpec) error {
	if err := checkDomain(domain); err != nil {
		return err
	}
	if spec.CertID == "" {
		return fmt.Errorf("acr: %w: custom domain %q needs a certificate ID", ErrInvalidArgument, domain)
	}
	q := map[string]any{"InstanceId": c.instanceID, "ModuleName": moduleRegistry, "Domain": domain, "CertId": spec.CertID}
	if spec.CertRegionID != "" {
		q["CertRegionId"] = spec.CertRegionID
	}
	err := c.call(ctx, op, func(api api) (any, error) {
		var r customDomainResponse
		if err := c.rawCall(api, op, q, &r); err != nil {
			return nil, err
		}
		if r.Body == nil {
			return nil, errEmpty
		}
		return r.Body, nil
	})
	if err != nil {
		return fmt.Errorf("writing custom domain %q: %w", domain, err)
	}
	c.log.InfoContext(ctx, "acr: custom domain written", "op", op, "instance", c.instanceID, "domain", domain)
	return nil
}

// GetCustomDomain returns the custom domain; ErrNotFound when the instance has none of
// that name.
func (c *Client) GetCustomDomain(ctx context.Context, domain string) (CustomDomain, error) {
	if err := checkDomain(domain); err != nil {
		return CustomDomain{}, err
	}
	var b *customDomainBody
	err := c.call(ctx, "GetInstanceCustomizedDomain", func(api api) (any, error) {
		var r customDomainResponse
		if err := c.rawCall(api, "GetInstanceCustomizedDomain", map[string]any{
			"InstanceId": c.instanceID, "ModuleName": moduleRegistry, "Domain": domain,
		}, &r); err != nil {
			return nil, err
		}
		if r.Body == nil {
			return nil, errEmpty
		}
		b = r.Body
		return b, nil
	})
	if err != nil {
		return CustomDomain{}, fmt.Errorf("getting custom domain %q: %w", domain, err)
	}
	return CustomDomain{Domain: str(b.Domain), EndpointType: str(b.EndpointType), DomainType: str(b.DomainType), CertID: str(b.CertId)}, nil
}
