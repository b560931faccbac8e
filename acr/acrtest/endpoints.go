package acrtest

import (
	"fmt"
	"sort"

	"github.com/regdr/regdr/internal/aliyuntest"
)

// Endpoint types and domain types, as the API spells them.
const (
	EndpointInternet = "internet"
	EndpointVPC      = "vpc"
	DomainSystem     = "SYSTEM"
	DomainUser       = "USER"
)

type endpoint struct {
	enabled bool
	domains []Domain
}

type customDomain struct {
	domain, endpointType, certID, certRegion string
}

// Domain is one domain of an endpoint.
type Domain struct {
	Name string
	Type string // DomainSystem or DomainUser
}

// LinkedVPC is a VPC attached to the instance's VPC endpoint.
type LinkedVPC struct {
	VPCID, VSwitchID, IP string
}

// seedEndpoints gives a new instance its real-looking SYSTEM domains: the internet
// endpoint enabled, the VPC endpoint with no VPC linked.
func seedEndpoints(in *instance) {
	in.endpoints[EndpointInternet] = &endpoint{enabled: true, domains: []Domain{
		{Name: fmt.Sprintf("%s-registry.%s.cr.aliyuncs.com", in.id, in.region), Type: DomainSystem}}}
	in.endpoints[EndpointVPC] = &endpoint{enabled: true, domains: []Domain{
		{Name: fmt.Sprintf("%s-registry-vpc.%s.cr.aliyuncs.com", in.id, in.region), Type: DomainSystem}}}
}

// SetDomains replaces the domains of the instance's endpoint ("internet" or "vpc"). Set
// a domain to a registry's loopback "127.0.0.1:port" to let clients pull through it.
func (s *Server) SetDomains(instanceID, endpointType string, domains ...Domain) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.instance(instanceID)
	if err != nil {
		return err
	}
	ep := in.endpoints[endpointType]
	if ep == nil {
		return fmt.Errorf("acrtest: endpoint type %q (want internet or vpc)", endpointType)
	}
	ep.domains = append([]Domain(nil), domains...)
	return nil
}

// SetLinkedVPCs replaces the VPCs linked to the instance's VPC endpoint (their IPs are
// what GetInstanceVpcEndpoint answers).
func (s *Server) SetLinkedVPCs(instanceID string, vpcs ...LinkedVPC) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, err := s.instance(instanceID)
	if err != nil {
		return err
	}
	in.vpcs = append([]LinkedVPC(nil), vpcs...)
	return nil
}

func (s *Server) endpointRoutes() {
	s.api.Handle("GetInstance", s.locked(s.getInstance))
	s.api.Handle("ListInstanceEndpoint", s.locked(s.listInstanceEndpoint))
	s.api.Handle("GetInstanceEndpoint", s.locked(s.getInstanceEndpoint))
	s.api.Handle("GetInstanceVpcEndpoint", s.locked(s.getInstanceVpcEndpoint))
	s.api.Handle("CreateInstanceCustomizedDomain", s.locked(s.createCustomDomain))
	s.api.Handle("UpdateInstanceCustomizedDomain", s.locked(s.updateCustomDomain))
	s.api.Handle("GetInstanceCustomizedDomain", s.locked(s.getCustomDomain))
}

func (s *Server) getInstance(_ *aliyuntest.Request, in *instance) (any, error) {
	return success(obj{"InstanceId": in.id, "InstanceName": in.id, "InstanceStatus": "RUNNING",
		"InstanceSpecification": "Enterprise_Advanced", "ResourceGroupId": "rg-acrtest",
		"CreateTime": in.created.UnixMilli(), "ModifiedTime": in.created.UnixMilli()}), nil
}

func domainObjs(ds []Domain) []obj {
	out := []obj{}
	for _, d := range ds {
		out = append(out, obj{"Domain": d.Name, "Type": d.Type})
	}
	return out
}

func (s *Server) listInstanceEndpoint(_ *aliyuntest.Request, in *instance) (any, error) {
	var types []string
	for t := range in.endpoints {
		types = append(types, t)
	}
	sort.Strings(types)
	var eps []obj
	for _, t := range types {
		ep := in.endpoints[t]
		eps = append(eps, obj{"EndpointType": t, "Enable": ep.enabled, "Status": "RUNNING", "AclEnable": false,
			"AclEntries": []obj{}, "LinkedVpcs": []obj{}, "Domains": domainObjs(ep.domains)})
	}
	return success(obj{"Endpoints": eps}), nil
}

func (s *Server) getInstanceEndpoint(r *aliyuntest.Request, in *instance) (any, error) {
	t := r.Get("EndpointType")
	if t == "" {
		return nil, invalid("EndpointType")
	}
	ep := in.endpoints[t]
	if ep == nil {
		return refuse("ENDPOINT_NOT_EXIST"), nil
	}
	return success(obj{"Enable": ep.enabled, "Status": "RUNNING", "AclEnable": false, "AclEntries": []obj{},
		"Domains": domainObjs(ep.domains)}), nil
}

func (s *Server) getInstanceVpcEndpoint(_ *aliyuntest.Request, in *instance) (any, error) {
	var domains []string
	for _, d := range in.endpoints[EndpointVPC].domains {
		domains = append(domains, d.Name)
	}
	vpcs := []obj{}
	for _, v := range in.vpcs {
		vpcs = append(vpcs, obj{"VpcId": v.VPCID, "VswitchId": v.VSwitchID, "Ip": v.IP, "Status": "RUNNING", "DefaultAccess": false})
	}
	return success(obj{"Enable": in.endpoints[EndpointVPC].enabled, "Domains": domains, "LinkedVpcs": vpcs, "ModuleName": "Registry"}), nil
}

func (s *Server) createCustomDomain(r *aliyuntest.Request, in *instance) (any, error) {
	for _, p := range []string{"ModuleName", "Domain", "CertId"} {
		if r.Get(p) == "" {
			return nil, invalid(p)
		}
	}
	d := r.Get("Domain")
	if in.custom[d] != nil {
		return refuse("DOMAIN_ALREADY_EXIST"), nil
	}
	in.custom[d] = &customDomain{domain: d, endpointType: EndpointInternet, certID: r.Get("CertId"), certRegion: r.Get("CertRegionId")}
	ep := in.endpoints[EndpointInternet]
	ep.domains = append(ep.domains, Domain{Name: d, Type: DomainUser})
	return success(obj{}), nil
}

func (s *Server) updateCustomDomain(r *aliyuntest.Request, in *instance) (any, error) {
	cd := in.custom[r.Get("Domain")]
	if cd == nil {
		return refuse("DOMAIN_NOT_EXIST"), nil
	}
	if r.Get("CertId") == "" {
		return nil, invalid("CertId")
	}
	cd.certID, cd.certRegion = r.Get("CertId"), r.Get("CertRegionId")
	return success(obj{}), nil
}

func (s *Server) getCustomDomain(r *aliyuntest.Request, in *instance) (any, error) {
	cd := in.custom[r.Get("Domain")]
	if cd == nil {
		return refuse("DOMAIN_NOT_EXIST"), nil
	}
	return success(obj{"InstanceId": in.id, "ModuleName": "Registry", "Domain": cd.domain, "DomainType": DomainUser,
		"EndpointType": cd.endpointType, "CertId": cd.certID, "RegionId": in.region,
		"CreateTime": in.created.UnixMilli(), "ModifiedTime": in.created.UnixMilli()}), nil
}
