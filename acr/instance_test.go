package acr_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
)

func TestInstanceAndEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	id := acrtest.DefaultInstanceID
	in, err := e.client.GetInstance(ctx)
	if err != nil || in.ID != id || in.Status != "RUNNING" {
		t.Fatalf("GetInstance = %+v, %v", in, err)
	}
	eps, err := e.client.ListEndpoints(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []acr.Endpoint{
		{Type: "internet", Enabled: true, Status: "RUNNING", Domains: []acr.Domain{{Name: id + "-registry.cn-hangzhou.cr.aliyuncs.com", Type: "SYSTEM"}}},
		{Type: "vpc", Enabled: true, Status: "RUNNING", Domains: []acr.Domain{{Name: id + "-registry-vpc.cn-hangzhou.cr.aliyuncs.com", Type: "SYSTEM"}}},
	}
	if diff := cmp.Diff(want, eps); diff != "" {
		t.Errorf("ListEndpoints (-want +got):\n%s", diff)
	}

	if err := e.srv.SetLinkedVPCs(id, acrtest.LinkedVPC{VPCID: "vpc-bbbbb", VSwitchID: "vsw-1", IP: "192.168.0.10"}); err != nil {
		t.Fatal(err)
	}
	vpc, err := e.client.GetVPCEndpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantVPC := acr.VPCEndpoint{Enabled: true, Domains: []string{id + "-registry-vpc.cn-hangzhou.cr.aliyuncs.com"},
		LinkedVPCs: []acr.LinkedVPC{{VPCID: "vpc-bbbbb", VSwitchID: "vsw-1", IP: "192.168.0.10", Status: "RUNNING"}}}
	if diff := cmp.Diff(wantVPC, vpc); diff != "" {
		t.Errorf("GetVPCEndpoint (-want +got):\n%s", diff)
	}
	if _, err := e.client.GetEndpoint(ctx, "satellite"); !errors.Is(err, acr.ErrInvalidArgument) {
		t.Errorf("GetEndpoint(satellite) = %v, want ErrInvalidArgument", err)
	}
}

// TestPullThroughDomain seeds the registry's loopback address as the endpoint's domains
// and pulls through the domain the API reports, as failover does.
func TestPullThroughDomain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	id := acrtest.DefaultInstanceID
	if err := e.srv.SetDomains(id, acrtest.EndpointInternet, acrtest.Domain{Name: e.registry, Type: acrtest.DomainSystem},
		acrtest.Domain{Name: e.registry, Type: acrtest.DomainUser}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.EnsureNamespace(ctx, "test-project", runbook); err != nil {
		t.Fatal(err)
	}
	a, err := e.client.Authenticator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := push(t, e, "test-project/app:v1", a)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := e.client.GetEndpoint(ctx, acr.EndpointInternet)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range append([]string{ep.SystemDomain()}, ep.CustomDomains()...) {
		ref, err := name.ParseReference(host+"/test-project/app:v1", name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		desc, err := remote.Head(ref, remote.WithAuth(a), remote.WithContext(ctx))
		if err != nil || desc.Digest != want {
			t.Errorf("HEAD through %s = %v, %v; want %s", host, desc, err, want)
		}
	}
}

func TestCustomDomains(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	const domain = "cross-region.registry.io"
	if err := e.client.CreateCustomDomain(ctx, domain, acr.CustomDomainSpec{}); !errors.Is(err, acr.ErrInvalidArgument) {
		t.Errorf("CreateCustomDomain without a certificate = %v, want ErrInvalidArgument", err)
	}
	if _, err := e.client.GetCustomDomain(ctx, domain); !errors.Is(err, acr.ErrNotFound) {
		t.Errorf("GetCustomDomain before creation = %v, want ErrNotFound", err)
	}
	if err := e.client.CreateCustomDomain(ctx, domain, acr.CustomDomainSpec{CertID: "21428921", CertRegionID: "cn-hangzhou"}); err != nil {
		t.Fatalf("CreateCustomDomain: %v", err)
	}
	if err := e.client.CreateCustomDomain(ctx, domain, acr.CustomDomainSpec{CertID: "21428921"}); !errors.Is(err, acr.ErrConflict) {
		t.Errorf("CreateCustomDomain again = %v, want ErrConflict", err)
	}
	if err := e.client.UpdateCustomDomain(ctx, domain, acr.CustomDomainSpec{CertID: "999"}); err != nil {
		t.Fatalf("UpdateCustomDomain: %v", err)
	}
	got, err := e.client.GetCustomDomain(ctx, domain)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(acr.CustomDomain{Domain: domain, EndpointType: "internet", DomainType: "USER", CertID: "999"}, got); diff != "" {
		t.Errorf("GetCustomDomain (-want +got):\n%s", diff)
	}
	ep, err := e.client.GetEndpoint(ctx, acr.EndpointInternet)
	if err != nil || !cmp.Equal(ep.CustomDomains(), []string{domain}) {
		t.Errorf("internet endpoint custom domains = %v, %v; want [%s]", ep.CustomDomains(), err, domain)
	}
}
