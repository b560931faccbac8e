package dnsprovider_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/internal/dnsprovider"
)

func TestMapError(t *testing.T) {
	t.Parallel()
	codes := func(code string) error {
		if code == "Product.Gone" {
			return dns.ErrNotFound
		}
		if code == "Product.Bad" {
			return dns.ErrInvalidRecord
		}
		return nil
	}
	for _, tt := range []struct {
		name string
		err  *alicloud.Error
		want error // nil: no dns sentinel
	}{
		{"product code first", &alicloud.Error{Op: "Op", StatusCode: 400, Code: "Product.Gone"}, dns.ErrNotFound},
		{"product invalid", &alicloud.Error{Op: "Op", StatusCode: 400, Code: "Product.Bad"}, dns.ErrInvalidRecord},
		{"generic not found", &alicloud.Error{Op: "Op", StatusCode: 404, Code: "Whatever.NotFound"}, dns.ErrNotFound},
		{"unauthorized", &alicloud.Error{Op: "Op", StatusCode: 403, Code: "Forbidden.RAM"}, dns.ErrUnauthorized},
		{"throttled", &alicloud.Error{Op: "Op", StatusCode: 400, Code: "Throttling.User"}, dns.ErrThrottled},
		{"server error kept", &alicloud.Error{Op: "Op", StatusCode: 503, Code: "ServiceUnavailable"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := dnsprovider.MapError(tt.err, codes)
			var ae *alicloud.Error
			if !errors.As(err, &ae) || ae.Code != tt.err.Code {
				t.Errorf("MapError(%v) = %v, want the *alicloud.Error kept", tt.err, err)
			}
			for _, s := range []error{dns.ErrNotFound, dns.ErrInvalidRecord, dns.ErrUnauthorized, dns.ErrThrottled} {
				if got := errors.Is(err, s); got != (s == tt.want) {
					t.Errorf("errors.Is(MapError(%v), %v) = %v, want %v", tt.err, s, got, s == tt.want)
				}
			}
		})
	}
	if err := dnsprovider.MapError(nil, codes); err != nil {
		t.Errorf("MapError(nil) = %v, want nil", err)
	}
}

func TestReadBack(t *testing.T) {
	t.Parallel()
	recs := []dns.Record{
		{ID: "1", Name: "www", Type: "A", Value: "10.0.0.1", TTL: 600},
		{ID: "2", Name: "www", Type: "A", Value: "10.0.0.2", TTL: 60},
	}
	list := func(_ context.Context, name string) ([]dns.Record, error) {
		if name != "www" {
			t.Errorf("listed %q, want www", name)
		}
		return recs, nil
	}
	added := dns.Record{Name: "www", Type: "a", Value: "10.0.0.2"}
	for _, tt := range []struct {
		name    string
		id      string
		want    dns.Record
		wantErr error
	}{
		{"by ID", "1", recs[0], nil},
		{"existing, by value", "", recs[1], nil},
		{"vanished", "9", dns.Record{}, dns.ErrNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := dnsprovider.ReadBack(context.Background(), list, added, tt.id)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("ReadBack(%q) error = %v, want %v", tt.id, err, tt.wantErr)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("ReadBack(%q) (-want +got):\n%s", tt.id, d)
			}
		})
	}
}

func TestApplyOptions(t *testing.T) {
	t.Parallel()
	type opt func(*[]int) error
	stop := errors.New("stop")
	var got []int
	err := dnsprovider.ApplyOptions(&got, []opt{
		func(s *[]int) error { *s = append(*s, 1); return nil },
		func(*[]int) error { return stop },
		func(s *[]int) error { *s = append(*s, 3); return nil },
	})
	if !errors.Is(err, stop) || !cmp.Equal(got, []int{1}) {
		t.Errorf("ApplyOptions = %v, applied %v; want stop after 1", err, got)
	}
}
