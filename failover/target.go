package failover

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/regdr/regdr/dns"
)

// Value is what a record holds on one side of a switch.
type Value struct {
	// Type is the record type: "A", "AAAA" or "CNAME".
	Type string `json:"type"`
	// Value is the address or host name.
	Value string `json:"value"`
	// TTL in seconds; 0 keeps the record's current TTL.
	TTL int `json:"ttl,omitempty"`
}

// String renders the value: "CNAME a-registry.cn-hangzhou.cr.aliyuncs.com ttl 60".
func (v Value) String() string {
	s := v.Type + " " + v.Value
	if v.TTL != 0 {
		s += fmt.Sprintf(" ttl %d", v.TTL)
	}
	return s
}

// same reports whether v and w hold the same data (type and value; TTL aside).
func (v Value) same(w Value) bool {
	return strings.EqualFold(v.Type, w.Type) && dns.SameValue(v.Type, v.Value, w.Value)
}

func (v Value) validate(what string) error {
	switch v.Type {
	case dns.TypeA, dns.TypeAAAA, dns.TypeCNAME:
	default:
		return fmt.Errorf("%w: %s: type %q (want A, AAAA or CNAME)", ErrInvalid, what, v.Type)
	}
	if err := dns.ValidateRecord(dns.Record{Name: dns.Apex, Type: v.Type, Value: v.Value, TTL: v.TTL}); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalid, what, err)
	}
	// 999.1.1.1 is a mistyped address, not a host name: no top-level domain is numeric.
	if strings.EqualFold(v.Type, dns.TypeCNAME) {
		name := strings.TrimSuffix(v.Value, ".")
		if last := name[strings.LastIndexByte(name, '.')+1:]; last != "" && strings.Trim(last, "0123456789") == "" {
			return fmt.Errorf("%w: %s: CNAME %q ends in a numeric label (an IP address?)", ErrInvalid, what, v.Value)
		}
	}
	return nil
}

func valueOf(r dns.Record) Value { return Value{Type: r.Type, Value: r.Value, TTL: r.TTL} }

// Target is one DNS name that is switched: the record Record in Provider's zone points at
// Primary (Harbor) in normal times and at Secondary (ACR EE) after failover.
type Target struct {
	// Name identifies the target in plans and the journal; unique within a [Switcher].
	Name string `json:"name"`
	// Provider is the zone the record lives in.
	Provider dns.Provider `json:"-"`
	// Record is the record's name relative to the zone ("@" for the apex).
	Record string `json:"record"`
	// Primary is what the record holds when clients use Harbor.
	Primary Value `json:"primary"`
	// Secondary is what the record holds after failover to ACR EE. A zero TTL keeps the
	// record's TTL, as the runbook asks.
	Secondary Value `json:"secondary"`
	// Resolver is the address ("host:port") of a DNS server that clients of this name use
	// (a resolver inside the VPC for PrivateZone), through which Apply verifies the change.
	// Empty: no verification.
	Resolver string `json:"resolver,omitempty"`
}

// Validate checks the target before any call.
func (t Target) Validate() error {
	if t.Name == "" {
		return fmt.Errorf("%w: target has no name", ErrInvalid)
	}
	if t.Provider == nil {
		return fmt.Errorf("%w: target %s has no DNS provider", ErrInvalid, t.Name)
	}
	if err := dns.ValidateRecord(dns.Record{Name: t.Record, Type: dns.TypeTXT, Value: "x"}); err != nil {
		return fmt.Errorf("%w: target %s: %w", ErrInvalid, t.Name, err)
	}
	if err := t.Primary.validate("target " + t.Name + " primary"); err != nil {
		return err
	}
	if err := t.Secondary.validate("target " + t.Name + " secondary"); err != nil {
		return err
	}
	if t.Primary.same(t.Secondary) {
		return fmt.Errorf("%w: target %s: primary and secondary are the same", ErrInvalid, t.Name)
	}
	if t.Resolver != "" {
		if _, _, err := net.SplitHostPort(t.Resolver); err != nil {
			return fmt.Errorf("%w: target %s: resolver %q is not host:port", ErrInvalid, t.Name, t.Resolver)
		}
	}
	return nil
}

// Endpoints is what failover needs from the ACR EE instance: its public SYSTEM domain
// ("<instance>-registry.<region>.cr.aliyuncs.com") and its IP inside a VPC
// (GetInstanceVpcEndpoint). The acr package's *acr.Client satisfies it as is;
// [StaticEndpoints] is a fixed one.
type Endpoints interface {
	// PublicDomain returns the instance's public SYSTEM endpoint domain.
	PublicDomain(ctx context.Context) (string, error)
	// VPCAddress returns the instance's IP address in the VPC vpcID.
	VPCAddress(ctx context.Context, vpcID string) (string, error)
}

// StaticEndpoints is an [Endpoints] with fixed answers.
type StaticEndpoints struct {
	// Public is the public SYSTEM endpoint domain.
	Public string
	// VPC maps a VPC ID to the instance's IP in it.
	VPC map[string]string
}

// PublicDomain returns e.Public.
func (e StaticEndpoints) PublicDomain(context.Context) (string, error) {
	if e.Public == "" {
		return "", fmt.Errorf("%w: no public endpoint", ErrInvalid)
	}
	return e.Public, nil
}

// VPCAddress returns e.VPC[vpcID].
func (e StaticEndpoints) VPCAddress(_ context.Context, vpcID string) (string, error) {
	ip, ok := e.VPC[vpcID]
	if !ok {
		return "", fmt.Errorf("%w: no endpoint in VPC %s", dns.ErrNotFound, vpcID)
	}
	return ip, nil
}

var _ Endpoints = StaticEndpoints{}

// TargetSpec is what the three target constructors share.
type TargetSpec struct {
	// Name identifies the target; the default is "<zone ID>/<record>".
	Name string
	// Provider is the zone the record lives in.
	Provider dns.Provider
	// Record is the record's name; the default is "@".
	Record string
	// Primary is what the record holds for Harbor.
	Primary Value
	// Resolver is the DNS server address used to verify the switch (see [Target.Resolver]).
	Resolver string
}

func (s TargetSpec) target(ctx context.Context, secondary Value) (Target, error) {
	t := Target{Name: s.Name, Provider: s.Provider, Record: s.Record, Primary: s.Primary, Secondary: secondary, Resolver: s.Resolver}
	if t.Record == "" {
		t.Record = dns.Apex
	}
	if t.Name == "" && t.Provider != nil {
		z, err := t.Provider.Zone(ctx)
		if err != nil {
			return Target{}, fmt.Errorf("reading zone of target: %w", err)
		}
		t.Name = z.ID + "/" + t.Record
	}
	return t, t.Validate()
}

// PrivateZoneTarget is the runbook's solution (a): Harbor on Alibaba Cloud, clients in a
// VPC. spec.Provider is the PrivateZone zone bound to the affected VPC; its record is
// switched to a CNAME to the ACR EE public endpoint, TTL unchanged.
func PrivateZoneTarget(ctx context.Context, spec TargetSpec, ep Endpoints) (Target, error) {
	domain, err := ep.PublicDomain(ctx)
	if err != nil {
		return Target{}, fmt.Errorf("reading ACR EE public endpoint: %w", err)
	}
	return spec.target(ctx, Value{Type: dns.TypeCNAME, Value: domain})
}

// PublicMode chooses how [PublicTarget] points a public name at ACR EE.
type PublicMode int

const (
	// PublicCNAME makes the record a CNAME to the ACR EE public endpoint domain.
	PublicCNAME PublicMode = iota
	// PublicA makes the record an A record holding the endpoint's address, resolved when
	// the target is built (the lowest IPv4 address when there are several).
	PublicA
)

// PublicTarget is the runbook's solution (b): Harbor off Alibaba Cloud, clients on the
// internet. spec.Provider is the public (Alidns) zone of Harbor's host name, which is
// switched to ACR EE's public address. In PublicA mode the SYSTEM domain is resolved
// through r (nil: net.DefaultResolver).
func PublicTarget(ctx context.Context, spec TargetSpec, ep Endpoints, mode PublicMode, r *net.Resolver) (Target, error) {
	domain, err := ep.PublicDomain(ctx)
	if err != nil {
		return Target{}, fmt.Errorf("reading ACR EE public endpoint: %w", err)
	}
	if mode == PublicCNAME {
		return spec.target(ctx, Value{Type: dns.TypeCNAME, Value: domain})
	}
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip4", domain)
	if err != nil {
		return Target{}, fmt.Errorf("resolving ACR EE public endpoint %s: %w", domain, err)
	}
	if len(addrs) == 0 {
		return Target{}, fmt.Errorf("resolving ACR EE public endpoint %s: no IPv4 address: %w", domain, dns.ErrNotFound)
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	return spec.target(ctx, Value{Type: dns.TypeA, Value: addrs[0].Unmap().String()})
}

// VPCTarget is the runbook's solution (c): Harbor off Alibaba Cloud, clients reaching ACR
// EE through a VPC. The record becomes an A record holding the instance's IP in vpcID.
func VPCTarget(ctx context.Context, spec TargetSpec, ep Endpoints, vpcID string) (Target, error) {
	ip, err := ep.VPCAddress(ctx, vpcID)
	if err != nil {
		return Target{}, fmt.Errorf("reading ACR EE address in VPC %s: %w", vpcID, err)
	}
	return spec.target(ctx, Value{Type: dns.TypeA, Value: ip})
}
