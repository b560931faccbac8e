package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/dns/privatezone"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
)

// The names of the runbook's solution 1: clients in vpc-bbbbb reach the registry by the
// custom endpoint cross-region.registry.io, a PrivateZone zone bound to their VPC (another
// zone of the same name is bound to ACR EE's VPC); ACR EE's public endpoint is
// a-registry.cn-hangzhou.cr.aliyuncs.com; Harbor's project test-project replicates into
// the ACR EE namespace test-project.
const (
	customName = "cross-region.registry.io"
	clientVPC  = "vpc-bbbbb"
	acrVPC     = "vpc-aaaaa"
	acrDomain  = "a-registry.cn-hangzhou.cr.aliyuncs.com"
	project    = "test-project"

	// Harbor's and ACR EE's addresses in this simulated network: two loopback addresses
	// sharing one port, so one name can point at either.
	harborIP = "127.0.0.1"
	acrIP    = "127.0.0.2"

	// The ACR EE registry login Harbor's endpoint and the clients use. Like the Harbor
	// admin password, it must never appear in the output.
	acrUser     = "dr-login"
	acrPassword = "quickstart-Registry-Pa55"
)

// quietLog drops the servers' own log lines (a handshake cut short while Harbor stops).
var quietLog = log.New(io.Discard, "", 0)

// world is everything the runbook touches, in-process on loopback: a Harbor, an ACR EE
// instance (OpenAPI and registry), the PrivateZone OpenAPI, and a DNS server answering
// from PrivateZone for the clients' VPC.
type world struct {
	pki       *pki
	harbor    *harbortest.Server
	harborURL string // https://127.0.0.1:port
	harborTLS *tls.Config
	acr       *acrtest.Server
	acrURL    string // https://127.0.0.2:port, the same port
	port      string
	pz        *dnstest.PrivateZone
	dnsAddr   string // the DNS server as seen from clientVPC

	mu         sync.Mutex
	harborSrv  *http.Server
	closers    []func()
	acrAPIAddr string
	pzAPIAddr  string
}

// startWorld starts the world. Close stops it.
func startWorld(ctx context.Context) (w *world, err error) {
	w = &world{}
	if w.pki, err = newPKI(); err != nil {
		return nil, err
	}
	// Harbor's certificate names the custom endpoint; so does ACR EE's, as a certificate
	// uploaded for its custom domain (CreateInstanceCustomizedDomain) would.
	harborCert, err := w.pki.issue(2, []string{customName}, harborIP)
	if err != nil {
		return nil, err
	}
	acrCert, err := w.pki.issue(3, []string{acrDomain, customName}, acrIP)
	if err != nil {
		return nil, err
	}
	w.harborTLS = &tls.Config{Certificates: []tls.Certificate{harborCert}, MinVersion: tls.VersionTLS12}
	defer func() {
		if err != nil {
			w.Close()
		}
	}()

	// ACR EE: its OpenAPI, and its registry on acrIP with the instance's endpoints naming
	// the public domain and the VPC address.
	w.acr = acrtest.New()
	if err := w.acr.SetPassword(acrtest.DefaultInstanceID, acrUser, acrPassword); err != nil {
		return nil, err
	}
	if err := w.acr.SetDomains(acrtest.DefaultInstanceID, acrtest.EndpointInternet, acrtest.Domain{Name: acrDomain, Type: acrtest.DomainSystem}); err != nil {
		return nil, err
	}
	if err := w.acr.SetLinkedVPCs(acrtest.DefaultInstanceID, acrtest.LinkedVPC{VPCID: acrVPC, IP: acrIP}); err != nil {
		return nil, err
	}
	w.acrAPIAddr = w.serve(httptest.NewServer(w.acr.OpenAPI()))
	// Harbor with two projects, on the same port as the ACR EE registry, at harborIP.
	w.harbor = harbortest.New(harbortest.WithProject(project, false), harbortest.WithProject("sandbox", false),
		harbortest.WithEndpointTransport(w.pki.transport())) // Harbor verifies ACR EE's certificate
	acrLn, err := w.listenPair()
	if err != nil {
		return nil, err
	}
	w.acrURL = "https://" + acrLn.Addr().String()
	acrLn = tls.NewListener(acrLn, &tls.Config{Certificates: []tls.Certificate{acrCert}, MinVersion: tls.VersionTLS12})
	acrSrv := &http.Server{Handler: w.acr.Registry(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: quietLog}
	go acrSrv.Serve(acrLn)
	w.closers = append(w.closers, func() { acrSrv.Close() })

	// PrivateZone: cross-region.registry.io twice, as in the runbook: bound to the
	// clients' VPC (pointing at Harbor) and bound to ACR EE's VPC.
	w.pz = dnstest.NewPrivateZone()
	zb := w.pz.AddZone(customName, clientVPC)
	if _, err := w.pz.AddRecord(zb.ID, dns.Record{Name: dns.Apex, Type: dns.TypeA, Value: harborIP, TTL: 60}); err != nil {
		return nil, err
	}
	za := w.pz.AddZone(customName, acrVPC)
	if _, err := w.pz.AddRecord(za.ID, dns.Record{Name: dns.Apex, Type: dns.TypeCNAME, Value: acrDomain, TTL: 60}); err != nil {
		return nil, err
	}
	w.pzAPIAddr = w.serve(httptest.NewServer(w.pz))
	// The DNS server: PrivateZone for the VPC, and the internet's answer for ACR EE's
	// public domain.
	srv, err := dnstest.NewDNSServer(dnstest.WithPrivateZone(w.pz), dnstest.WithUpstream(map[string][]string{acrDomain: {acrIP}}))
	if err != nil {
		return nil, err
	}
	w.closers = append(w.closers, func() { srv.Close() })
	if w.dnsAddr, err = srv.ListenVPC(clientVPC); err != nil {
		return nil, err
	}
	return w, nil
}

// listenPair finds a port free on both acrIP and harborIP, starts Harbor on harborIP and
// returns the listener on acrIP.
func (w *world) listenPair() (net.Listener, error) {
	var err error
	for range 10 {
		var ln net.Listener
		ln, err = net.Listen("tcp", net.JoinHostPort(acrIP, "0"))
		if err != nil {
			return nil, fmt.Errorf("listen on %s (Linux routes all of 127.0.0.0/8 to loopback; on macOS run `sudo ifconfig lo0 alias %s`): %w", acrIP, acrIP, err)
		}
		w.port = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		w.harborURL = "https://" + net.JoinHostPort(harborIP, w.port)
		if err = w.StartHarbor(); err == nil {
			return ln, nil
		}
		ln.Close() // the port is taken on harborIP: try another
	}
	return nil, fmt.Errorf("no port free on both %s and %s: %w", acrIP, harborIP, err)
}

// serve keeps s to close later and returns its address.
func (w *world) serve(s *httptest.Server) string {
	w.closers = append(w.closers, s.Close)
	return s.Listener.Addr().String()
}

// StartHarbor starts (or restarts) Harbor's listener on its address.
func (w *world) StartHarbor() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.harborSrv != nil {
		return errors.New("harbor is running")
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(harborIP, w.port))
	if err != nil {
		return err
	}
	w.harborSrv = &http.Server{Handler: w.harbor, ReadHeaderTimeout: 10 * time.Second, ErrorLog: quietLog}
	go w.harborSrv.Serve(tls.NewListener(ln, w.harborTLS))
	return nil
}

// StopHarbor closes Harbor's listener and connections: the disaster.
func (w *world) StopHarbor() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.harborSrv != nil {
		w.harborSrv.Close()
		w.harborSrv = nil
	}
}

// Close stops everything.
func (w *world) Close() {
	w.StopHarbor()
	if w.harbor != nil {
		w.harbor.Close()
	}
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
}

// harborClient is the admin's Harbor API client.
func (w *world) harborClient() (*harbor.Client, error) {
	return harbor.New(w.harborURL, harbor.WithBasicAuth(harbortest.DefaultAdmin, harbortest.DefaultPassword),
		harbor.WithTransport(w.pki.transport()))
}

// cloud is the Alibaba Cloud client configuration: the emulators' endpoints and AccessKey.
// For a real account, leave Endpoint and PlainHTTP out and Credentials nil (the default
// credential chain).
func (w *world) acrClient() (*acr.Client, error) {
	return acr.New(acr.Config{InstanceID: acrtest.DefaultInstanceID, Cloud: alicloud.Config{
		Region: acrtest.DefaultRegion, Endpoint: w.acrAPIAddr, Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: acrtest.DefaultAccessKeyID, AccessKeySecret: acrtest.DefaultAccessKeySecret},
	}})
}

// zone opens the PrivateZone zone cross-region.registry.io bound to the clients' VPC.
func (w *world) zone(ctx context.Context) (*privatezone.Provider, error) {
	return privatezone.New(ctx, alicloud.Config{
		Region: "cn-hangzhou", Endpoint: w.pzAPIAddr, Insecure: true,
		Credentials: &alicloud.Credentials{AccessKeyID: dnstest.AccessKeyID, AccessKeySecret: dnstest.AccessKeySecret},
	}, customName, clientVPC)
}
