package privatezone_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/dnstest"
	"github.com/regdr/regdr/dns/privatezone"
	"github.com/regdr/regdr/internal/aliyuntest"
	"github.com/regdr/regdr/retry"
)

// config points a provider at an emulator; its retries do not sleep.
func config(endpoint string) alicloud.Config {
	return aliyuntest.Config(endpoint, dnstest.AccessKeyID, dnstest.AccessKeySecret)
}

func ctx(t *testing.T) context.Context { return aliyuntest.Context(t) }

func TestConformance(t *testing.T) {
	t.Parallel()
	dnstest.TestProvider(t, func(t *testing.T) dnstest.Fixture {
		// A small page size makes every listing cross pages.
		pz := dnstest.NewPrivateZone(dnstest.WithMaxPageSize(7))
		pz.AddZone("cross-region.registry.io", "vpc-aaaaa")
		z := pz.AddZone("cross-region.registry.io", "vpc-bbbbb")
		p, err := privatezone.New(ctx(t), config(pz.Start(t)), "cross-region.registry.io", "vpc-bbbbb", privatezone.WithPageSize(7))
		if err != nil {
			t.Fatal(err)
		}
		seed := func(r dns.Record) (dns.Record, error) { return pz.AddRecord(z.ID, r) }
		return dnstest.Fixture{Provider: p, Zone: "cross-region.registry.io", Seed: seed, Get: pz.Record, Set: pz.SetRecord,
			TTLs: [2]int{3600, 30}, BadTTL: 600}
	})
}

func TestNewFindsZoneByVPC(t *testing.T) {
	t.Parallel()
	pz := dnstest.NewPrivateZone(dnstest.WithMaxPageSize(1))
	za := pz.AddZone("cross-region.registry.io", "vpc-aaaaa")
	zb := pz.AddZone("cross-region.registry.io", "vpc-bbbbb", "vpc-ccccc")
	pz.AddZone("cross-region.registry.io.cn", "vpc-bbbbb")
	pz.AddZone("twin.io", "vpc-aaaaa")
	pz.AddZone("twin.io", "vpc-aaaaa")
	cfg := config(pz.Start(t))
	for _, tt := range []struct {
		zone, vpc, wantID string
		wantErr           error
	}{
		{"cross-region.registry.io", "vpc-aaaaa", za.ID, nil},
		{"cross-region.registry.io", "vpc-ccccc", zb.ID, nil},
		{"Cross-Region.Registry.IO.", "vpc-bbbbb", zb.ID, nil},
		{"cross-region.registry.io", "vpc-zzzzz", "", dns.ErrNoZone},
		{"cross-region.registry.io", "", "", dns.ErrAmbiguousZone},
		{"twin.io", "vpc-aaaaa", "", dns.ErrAmbiguousZone},
		{"nothing.io", "vpc-aaaaa", "", dns.ErrNoZone},
		{"bad name", "vpc-aaaaa", "", dns.ErrInvalidRecord},
	} {
		p, err := privatezone.New(ctx(t), cfg, tt.zone, tt.vpc, privatezone.WithPageSize(1))
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("New(%q, %q) = %v, want %v", tt.zone, tt.vpc, err, tt.wantErr)
			}
			continue
		}
		if err != nil || p.ZoneID() != tt.wantID {
			t.Errorf("New(%q, %q) = %v, want zone %s", tt.zone, tt.vpc, err, tt.wantID)
			continue
		}
		z, err := p.Zone(ctx(t))
		if err != nil || z.ID != tt.wantID || z.Name != "cross-region.registry.io" {
			t.Errorf("Zone() = %+v, %v", z, err)
		}
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	pz := dnstest.NewPrivateZone()
	z := pz.AddZone("example.com", "vpc-1")
	r, err := pz.AddRecord(z.ID, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	endpoint := pz.Start(t)

	bad := config(endpoint)
	bad.Credentials = &alicloud.Credentials{AccessKeyID: dnstest.AccessKeyID, AccessKeySecret: "wrong-secret"}
	_, err = privatezone.New(ctx(t), bad, "example.com", "vpc-1")
	if !errors.Is(err, dns.ErrUnauthorized) {
		t.Errorf("New with a wrong secret = %v, want ErrUnauthorized", err)
	}
	if err != nil && strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("error leaks the secret: %v", err)
	}

	p, err := privatezone.New(ctx(t), config(endpoint), "example.com", "vpc-1")
	if err != nil {
		t.Fatal(err)
	}
	// Throttling is retried; a persistent one surfaces as ErrThrottled with its code.
	pz.Throttle("DescribeZoneRecords", 2)
	if _, err := p.Records(ctx(t), "@"); err != nil {
		t.Errorf("Records after 2 throttled calls = %v, want a retried success", err)
	}
	pz.Throttle("DescribeZoneRecords", retry.DefaultAttempts) // as many as the default attempts
	_, err = p.Records(ctx(t), "@")
	var ae *alicloud.Error
	if !errors.Is(err, dns.ErrThrottled) || !errors.As(err, &ae) || ae.RequestID == "" {
		t.Errorf("Records while throttled = %v, want ErrThrottled with a request ID", err)
	}
	// A record deleted between the read and the write surfaces as ErrNotFound.
	pz.FailNext("UpdateZoneRecord", 1, 400, "Record.Invalid.Id")
	_, err = p.Apply(ctx(t), dns.Change{Record: r, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2"})
	if !errors.Is(err, dns.ErrNotFound) || !errors.As(err, &ae) || ae.Code != "Record.Invalid.Id" {
		t.Errorf("Apply on a vanished record = %v, want ErrNotFound with its code", err)
	}
	// Validation happens before any call.
	before := pz.CallCount("")
	if _, err := p.Apply(ctx(t), dns.Change{Record: r, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2", TTL: 600}); !errors.Is(err, dns.ErrInvalidRecord) {
		t.Errorf("Apply with TTL 600 = %v, want ErrInvalidRecord", err)
	}
	if _, err := p.AddRecord(ctx(t), dns.Record{Name: "x", Type: "A", Value: "10.0.0.3", TTL: 7}); !errors.Is(err, dns.ErrInvalidRecord) {
		t.Errorf("AddRecord with TTL 7 = %v, want ErrInvalidRecord", err)
	}
	if n := pz.CallCount(""); n != before {
		t.Errorf("invalid requests made %d calls", n-before)
	}
}

// STS credentials are signed with their token; writes are logged without secrets.
func TestSTSAndLogging(t *testing.T) {
	t.Parallel()
	pz := dnstest.NewPrivateZone(dnstest.WithSTS("STS.key", "sts-secret-value", "sts-token-value"))
	z := pz.AddZone("example.com", "vpc-1")
	r, err := pz.AddRecord(z.ID, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(pz.Start(t))
	cfg.Credentials = &alicloud.Credentials{AccessKeyID: "STS.key", AccessKeySecret: "sts-secret-value", SecurityToken: "sts-token-value"}
	var buf bytes.Buffer
	p, err := privatezone.New(ctx(t), cfg, "example.com", "vpc-1", privatezone.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Apply(ctx(t), dns.Change{Record: r, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2"}); err != nil {
		t.Fatal(err)
	}
	out := buf.String() + fmt.Sprintf("%v %+v", cfg, cfg)
	if !strings.Contains(buf.String(), "privatezone record updated") {
		t.Errorf("write not logged: %q", buf.String())
	}
	for _, secret := range []string{"sts-secret-value", "sts-token-value"} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q leaked", secret)
		}
	}
}

// TestOneLineEmulator: dnstest's Config serves the emulator and configures a provider in
// one line.
func TestOneLineEmulator(t *testing.T) {
	t.Parallel()
	pz := dnstest.NewPrivateZone()
	pz.AddZone("cross-region.registry.io", "vpc-bbbbb")
	p, err := privatezone.New(ctx(t), pz.Config(t), "cross-region.registry.io", "vpc-bbbbb")
	if err != nil {
		t.Fatalf("New on pz.Config(t): %v", err)
	}
	if got := p.ZoneID(); got == "" {
		t.Error("ZoneID() = \"\", want the emulated zone's ID")
	}
}
