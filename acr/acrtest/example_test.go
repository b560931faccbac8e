package acrtest_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/alicloud"
)

// Seed an instance's custom domain with the loopback registry (so clients can pull
// through it) and a linked VPC's IP, then read them through the real client.
func Example() {
	srv := acrtest.New(acrtest.WithInstance("cri-dr", "cn-shanghai"), acrtest.WithAccessKey("LTAI-example", "example-secret"))
	api := httptest.NewServer(srv.OpenAPI())
	defer api.Close()
	reg := httptest.NewServer(srv.Registry())
	defer reg.Close()
	host := strings.TrimPrefix(reg.URL, "http://")
	_ = srv.SetDomains("cri-dr", acrtest.EndpointInternet,
		acrtest.Domain{Name: "cri-dr-registry.cn-shanghai.cr.aliyuncs.com", Type: acrtest.DomainSystem},
		acrtest.Domain{Name: host, Type: acrtest.DomainUser})
	_ = srv.SetLinkedVPCs("cri-dr", acrtest.LinkedVPC{VPCID: "vpc-bbbbb", VSwitchID: "vsw-1", IP: "192.168.0.10"})
	_ = srv.AddNamespace("cri-dr", acrtest.Namespace{Name: "test-project", AutoCreateRepo: true})

	client, err := acr.New(acr.Config{InstanceID: "cri-dr", Cloud: alicloud.Config{
		Region: "cn-shanghai", Endpoint: api.Listener.Addr().String(), Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: "LTAI-example", AccessKeySecret: "example-secret"},
	}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	ep, err := client.GetEndpoint(ctx, acr.EndpointInternet)
	if err != nil {
		panic(err)
	}
	vpc, err := client.GetVPCEndpoint(ctx)
	if err != nil {
		panic(err)
	}
	fmt.Println(ep.SystemDomain())
	fmt.Println(ep.CustomDomains()[0] == host)
	fmt.Println(vpc.LinkedVPCs[0].VPCID, vpc.LinkedVPCs[0].IP)
	fmt.Println(srv.Namespaces("cri-dr")[0].Name)
	// Output:
	// cri-dr-registry.cn-shanghai.cr.aliyuncs.com
	// true
	// vpc-bbbbb 192.168.0.10
	// test-project
}
