package acr_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/alicloud"
)

func TestEndpointResolver(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	ctx := ctxT(t)
	id := acrtest.DefaultInstanceID
	if err := e.srv.SetLinkedVPCs(id, acrtest.LinkedVPC{VPCID: "vpc-aaaaa", IP: "10.0.0.5"}, acrtest.LinkedVPC{VPCID: "vpc-bbbbb", IP: "192.168.0.10"}); err != nil {
		t.Fatal(err)
	}
	var r acr.EndpointResolver = e.client
	if d, err := r.PublicDomain(ctx); err != nil || d != id+"-registry.cn-hangzhou.cr.aliyuncs.com" {
		t.Errorf("PublicDomain = %q, %v", d, err)
	}
	if ip, err := r.VPCAddress(ctx, "vpc-bbbbb"); err != nil || ip != "192.168.0.10" {
		t.Errorf("VPCAddress(vpc-bbbbb) = %q, %v; want 192.168.0.10", ip, err)
	}
	if _, err := r.VPCAddress(ctx, "vpc-zzzzz"); !errors.Is(err, acr.ErrNotFound) {
		t.Errorf("VPCAddress(unlinked) = %v, want ErrNotFound", err)
	}
	if err := e.srv.SetDomains(id, acrtest.EndpointInternet, acrtest.Domain{Name: "only.example.com", Type: acrtest.DomainUser}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.PublicDomain(ctx); !errors.Is(err, acr.ErrNotFound) {
		t.Errorf("PublicDomain without a SYSTEM domain = %v, want ErrNotFound", err)
	}
}

func TestTagsOfAndSecondInstance(t *testing.T) {
	t.Parallel()
	srv := acrtest.New(acrtest.WithInstance("cri-a", "cn-hangzhou"), acrtest.WithInstance("cri-b", "cn-shanghai"),
		acrtest.WithSTS("STS.key", "sts-secret", "sts-token-value"))
	api := httptest.NewServer(srv.OpenAPI())
	t.Cleanup(api.Close)
	regB := httptest.NewServer(srv.InstanceRegistry("cri-b"))
	t.Cleanup(regB.Close)
	var logs bytes.Buffer
	c, err := acr.New(acr.Config{InstanceID: "cri-b", Logger: slog.New(slog.NewTextHandler(&logs, nil)), PageSize: 1,
		Cloud: alicloud.Config{Region: "cn-shanghai", Endpoint: api.Listener.Addr().String(), Insecure: true,
			Credentials: &alicloud.Credentials{AccessKeyID: "STS.key", AccessKeySecret: "sts-secret", SecurityToken: "sts-token-value"}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	if _, err := c.EnsureNamespace(ctx, "dr", acr.NamespaceSpec{AutoCreateRepo: true}); err != nil {
		t.Fatalf("EnsureNamespace with STS credentials: %v", err)
	}
	a, err := c.Authenticator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{srv: srv, client: c, registry: strings.TrimPrefix(regB.URL, "http://")}
	var want []string
	for _, tag := range []string{"a", "b", "c"} {
		d, err := push(t, e, "dr/app:"+tag, a)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, tag+"="+d.String())
	}
	tags, err := c.TagsOf(ctx, "dr/app")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tg := range tags {
		got = append(got, tg.Tag+"="+tg.Digest)
		if tg.Updated.IsZero() {
			t.Errorf("tag %s has no update time", tg.Tag)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("TagsOf (page size 1) = %v, want %v", got, want)
	}
	if _, err := c.TagsOf(ctx, "dr/absent"); !errors.Is(err, acr.ErrNotFound) {
		t.Errorf("TagsOf(absent) = %v, want ErrNotFound", err)
	}
	if got := srv.Repositories("cri-a"); len(got) != 0 {
		t.Errorf("instance cri-a repositories = %v, want none", got)
	}
	if s := logs.String(); !strings.Contains(s, "namespace created") || containsAny(s, "sts-secret", "sts-token-value") {
		t.Errorf("logs = %q, want the write and no secret", s)
	}
	if _, err := acr.New(acr.Config{InstanceID: "x", PageSize: 101, Cloud: alicloud.Config{Region: "r"}}); !errors.Is(err, acr.ErrInvalidArgument) {
		t.Errorf("New(page size 101) = %v, want ErrInvalidArgument", err)
	}
}

func TestAuthenticatorConcurrent(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	e := newEnv(t, clock)
	a, err := e.client.Authenticator(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(58 * time.Minute)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := a.Authorization(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := e.srv.CallCount("GetAuthorizationToken"); n != 2 {
		t.Errorf("GetAuthorizationToken calls = %d, want 2 (one refresh shared by all)", n)
	}
}
