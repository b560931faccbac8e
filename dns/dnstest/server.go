package dnstest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	mdns "github.com/miekg/dns"
)

// DNSServer is a real DNS server on loopback that answers A, AAAA, CNAME and TXT queries
// from the records held by PrivateZone and Alidns emulators, as they are at the moment of
// the query. Each listener simulates one place a client asks from: [DNSServer.ListenVPC]
// a VPC (which sees the PrivateZone zones bound to it, shadowing public zones of the same
// name), [DNSServer.ListenPublic] the internet (public zones only).
//
// Answers carry the records' TTLs; only enabled records are served. A CNAME is followed
// through the zones the listener sees and then through the upstream map (see
// [WithUpstream]); a CNAME to a name nobody owns is answered as the CNAME alone.
//
// A DNSServer is safe for concurrent use. Close it (t.Cleanup) to stop every listener.
type DNSServer struct {
	rv resolver

	mu      sync.Mutex
	servers []*mdns.Server
	closed  bool
}

// ServerOption configures a [DNSServer].
type ServerOption func(*DNSServer) error

// WithPrivateZone serves the zones of a PrivateZone emulator to the VPCs they are bound to.
func WithPrivateZone(p *PrivateZone) ServerOption {
	return func(s *DNSServer) error {
		if p == nil {
			return errors.New("dnstest: nil PrivateZone")
		}
		s.rv.private = append(s.rv.private, p)
		return nil
	}
}

// WithAlidns serves the domains of an Alidns emulator to every listener.
func WithAlidns(a *Alidns) ServerOption {
	return func(s *DNSServer) error {
		if a == nil {
			return errors.New("dnstest: nil Alidns")
		}
		s.rv.public = append(s.rv.public, a)
		return nil
	}
}

// WithUpstream answers names no emulated zone owns — typically the targets of CNAMEs,
// such as an ACR EE endpoint — with fixed addresses (name → IPv4/IPv6 literals), with a
// TTL of 300. The default is no upstream: such names are NXDOMAIN.
func WithUpstream(m map[string][]string) ServerOption {
	return func(s *DNSServer) error {
		if s.rv.upstream == nil {
			s.rv.upstream = map[string][]netip.Addr{}
		}
		for name, addrs := range m {
			key := strings.ToLower(strings.TrimSuffix(name, "."))
			for _, a := range addrs {
				ip, err := netip.ParseAddr(a)
				if err != nil {
					return fmt.Errorf("dnstest: upstream %s: %w", name, err)
				}
				s.rv.upstream[key] = append(s.rv.upstream[key], ip.Unmap())
			}
		}
		return nil
	}
}

// NewDNSServer returns a server over the given sources. It listens nowhere until
// ListenVPC or ListenPublic is called.
func NewDNSServer(opts ...ServerOption) (*DNSServer, error) {
	s := &DNSServer{}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ListenVPC starts a listener for clients inside vpc, on 127.0.0.1 over UDP and TCP
// (same port), and returns its address ("127.0.0.1:port").
func (s *DNSServer) ListenVPC(vpc string) (string, error) {
	if vpc == "" {
		return "", errors.New("dnstest: empty VPC ID (use ListenPublic)")
	}
	return s.listen(vpc)
}

// ListenPublic starts a listener for clients on the internet, which see public zones
// only, and returns its address.
func (s *DNSServer) ListenPublic() (string, error) { return s.listen("") }

func (s *DNSServer) listen(vpc string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", errors.New("dnstest: server closed")
	}
	pc, ln, err := bindPair()
	if err != nil {
		return "", err
	}
	h := mdns.HandlerFunc(func(w mdns.ResponseWriter, req *mdns.Msg) { s.serve(vpc, w, req) })
	udp := &mdns.Server{PacketConn: pc, Handler: h}
	tcp := &mdns.Server{Listener: ln, Handler: h}
	for _, srv := range []*mdns.Server{udp, tcp} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		errc := make(chan error, 1)
		go func() { errc <- srv.ActivateAndServe() }()
		select {
		case <-started:
		case err := <-errc:
			pc.Close()
			ln.Close()
			return "", fmt.Errorf("dnstest: starting DNS listener: %w", err)
		}
		s.servers = append(s.servers, srv)
	}
	return pc.LocalAddr().String(), nil
}

// bindPair binds UDP and TCP on the same loopback port.
func bindPair() (net.PacketConn, net.Listener, error) {
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("dnstest: binding UDP: %w", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		lastErr = err
	}
	return nil, nil, fmt.Errorf("dnstest: binding TCP next to UDP: %w", lastErr)
}

func (s *DNSServer) serve(vpc string, w mdns.ResponseWriter, req *mdns.Msg) {
	m := new(mdns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	m.RecursionAvailable = true
	if len(req.Question) != 1 || req.Opcode != mdns.OpcodeQuery {
		m.Rcode = mdns.RcodeFormatError
	} else {
		m.Answer, m.Ns, m.Rcode = s.rv.answer(vpc, req.Question[0])
	}
	_ = w.WriteMsg(m)
}

// Close stops every listener. It is safe to call more than once.
func (s *DNSServer) Close() error {
	s.mu.Lock()
	servers := s.servers
	s.servers, s.closed = nil, true
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range servers {
		errs = append(errs, srv.ShutdownContext(ctx))
	}
	return errors.Join(errs...)
}

// Resolver returns a pure-Go net.Resolver that sends every query to addr (a listener's
// address), over UDP or TCP as the resolver chooses.
func Resolver(addr string) *net.Resolver {
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
}
