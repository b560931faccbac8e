package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/dns/dnstest"
)

// vpcClient is a registry client in the clients' VPC: it knows the registry only as
// cross-region.registry.io:port and resolves that name through the VPC's DNS server, as
// a Docker daemon on a VPC host would.
type vpcClient struct {
	resolver *net.Resolver
	host     string // cross-region.registry.io:port
	rt       http.RoundTripper
}

func newVPCClient(w *world) *vpcClient {
	r := dnstest.Resolver(w.dnsAddr)
	rt := w.pki.transport()
	rt.DialContext = (&net.Dialer{Resolver: r}).DialContext
	// No keep-alives: every request dials, so it follows DNS at once (a daemon would
	// after the record's TTL).
	rt.DisableKeepAlives = true
	return &vpcClient{resolver: r, host: net.JoinHostPort(customName, w.port), rt: rt}
}

// resolve returns the chain of answers for the custom name: CNAME targets, then addresses.
func (c *vpcClient) resolve(ctx context.Context) (string, error) {
	cname, err := c.resolver.LookupCNAME(ctx, customName)
	if err != nil {
		return "", err
	}
	addrs, err := c.resolver.LookupHost(ctx, customName)
	if err != nil {
		return "", err
	}
	if cname = trimDot(cname); cname != customName {
		return fmt.Sprintf("CNAME %s → %v", cname, addrs), nil
	}
	return fmt.Sprintf("%v", addrs), nil
}

func trimDot(s string) string {
	if n := len(s); n > 0 && s[n-1] == '.' {
		return s[:n-1]
	}
	return s
}

// ref names repoTag on the custom endpoint, over HTTPS: the certificate must name
// cross-region.registry.io, whichever registry answers.
func (c *vpcClient) ref(repoTag string) (name.Reference, error) {
	return name.ParseReference(c.host + "/" + repoTag)
}

func (c *vpcClient) options(ctx context.Context, auth authn.Authenticator) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithTransport(c.rt), remote.WithAuth(auth)}
}

// push writes an image or index.
func (c *vpcClient) push(ctx context.Context, repoTag string, img any, auth authn.Authenticator) error {
	ref, err := c.ref(repoTag)
	if err != nil {
		return err
	}
	switch v := img.(type) {
	case v1.ImageIndex:
		return remote.WriteIndex(ref, v, c.options(ctx, auth)...)
	case v1.Image:
		return remote.Write(ref, v, c.options(ctx, auth)...)
	}
	return fmt.Errorf("push %s: %T is neither an image nor an index", repoTag, img)
}

// pull fetches an image's manifest, config and every layer, and returns its digest.
func (c *vpcClient) pull(ctx context.Context, repoTag string, auth authn.Authenticator) (v1.Hash, error) {
	ref, err := c.ref(repoTag)
	if err != nil {
		return v1.Hash{}, err
	}
	img, err := remote.Image(ref, c.options(ctx, auth)...)
	if err != nil {
		return v1.Hash{}, err
	}
	layers, err := img.Layers()
	if err != nil {
		return v1.Hash{}, err
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			return v1.Hash{}, err
		}
		// Reading a layer to the end checks its digest.
		_, err = drain(rc)
		if err != nil {
			return v1.Hash{}, err
		}
	}
	return img.Digest()
}

// drain reads rc to its end and closes it.
func drain(rc io.ReadCloser) (int64, error) {
	n, err := io.Copy(io.Discard, rc)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	return n, err
}
