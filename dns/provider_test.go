package dns

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChangeCheck(t *testing.T) {
	t.Parallel()
	c := Change{Record: Record{ID: "1", Name: "@", Type: "A"}, ExpectValue: "10.0.0.1", NewValue: "a.example.com", NewType: "CNAME"}
	tests := []struct {
		name     string
		current  Record
		wantDone bool
		wantErr  error
	}{
		{"expected", Record{ID: "1", Name: "@", Type: "A", Value: "10.0.0.1", TTL: 60}, false, nil},
		{"already applied", Record{ID: "1", Name: "@", Type: "CNAME", Value: "A.example.com.", TTL: 60}, true, nil},
		{"value moved", Record{ID: "1", Name: "@", Type: "A", Value: "10.0.0.9", TTL: 60}, false, ErrRecordChanged},
		{"renamed", Record{ID: "1", Name: "www", Type: "A", Value: "10.0.0.1", TTL: 60}, false, ErrRecordChanged},
		{"retyped elsewhere", Record{ID: "1", Name: "@", Type: "CNAME", Value: "b.example.com", TTL: 60}, false, ErrRecordChanged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			done, err := c.Check(tt.current)
			if done != tt.wantDone || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("Check(%v) = %v, %v, want %v, %v", tt.current, done, err, tt.wantDone, tt.wantErr)
			}
		})
	}
}

func TestChangeTTL(t *testing.T) {
	t.Parallel()
	cur := Record{ID: "1", Name: "@", Type: "A", Value: "10.0.0.1", TTL: 60, Status: StatusEnabled}
	got := Change{Record: cur, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2"}.Target(cur)
	want := Record{ID: "1", Name: "@", Type: "A", Value: "10.0.0.2", TTL: 60, Status: StatusEnabled}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Target (-want +got):\n%s", diff)
	}
	got = Change{Record: cur, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2", TTL: 5}.Target(cur)
	if got.TTL != 5 {
		t.Errorf("Target TTL = %d, want 5", got.TTL)
	}
}

func TestChangeValidate(t *testing.T) {
	t.Parallel()
	bad := map[string]Change{
		"no record":    {ExpectValue: "x", NewValue: "10.0.0.1"},
		"no expect":    {Record: Record{ID: "1"}, NewValue: "10.0.0.1"},
		"bad value":    {Record: Record{Name: "@", Type: "A"}, ExpectValue: "10.0.0.1", NewValue: "host.example.com"},
		"bad new type": {Record: Record{Name: "@", Type: "A"}, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2", NewType: "CNAME"},
		"negative ttl": {Record: Record{Name: "@", Type: "A"}, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2", TTL: -5},
		"no new value": {Record: Record{ID: "1"}, ExpectValue: "10.0.0.1"},
	}
	for name, c := range bad {
		if err := c.Validate(); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("%s: Validate(%v) = %v, want ErrInvalidRecord", name, c, err)
		}
	}
	good := Change{Record: Record{Name: "@", Type: "A"}, ExpectValue: "10.0.0.1", NewValue: "a.example.com", NewType: "CNAME"}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate(%v) = %v", good, err)
	}
}

func TestChangeFind(t *testing.T) {
	t.Parallel()
	recs := []Record{
		{ID: "1", Name: "@", Type: "A", Value: "10.0.0.1"},
		{ID: "2", Name: "@", Type: "A", Value: "10.0.0.2"},
		{ID: "3", Name: "www", Type: "CNAME", Value: "a.example.com"},
	}
	tests := []struct {
		name   string
		c      Change
		wantID string
		err    error
	}{
		{"by id", Change{Record: Record{ID: "3"}}, "3", nil},
		{"by name and expected value", Change{Record: Record{Name: "@", Type: "A"}, ExpectValue: "10.0.0.2"}, "2", nil},
		{"ambiguous", Change{Record: Record{Name: "@", Type: "A"}, ExpectValue: "10.0.0.9"}, "", ErrAmbiguousRecord},
		{"missing", Change{Record: Record{Name: "x", Type: "A"}}, "", ErrNotFound},
		{"missing id", Change{Record: Record{ID: "9"}}, "", ErrNotFound},
		{"by new type", Change{Record: Record{Name: "www", Type: "A"}, NewType: "CNAME", NewValue: "a.example.com"}, "3", nil},
	}
	for _, tt := range tests {
		got, err := tt.c.Find(recs)
		if got.ID != tt.wantID || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
			t.Errorf("%s: Find = %v, %v, want id %q, %v", tt.name, got, err, tt.wantID, tt.err)
		}
	}
}

type bare struct{ Provider }

func TestOptionalCapabilities(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := AddRecord(ctx, bare{}, Record{}); !errors.Is(err, ErrUnsupported) {
		t.Errorf("AddRecord on a bare provider = %v, want ErrUnsupported", err)
	}
	if err := SetRecordStatus(ctx, bare{}, "1", false); !errors.Is(err, ErrUnsupported) {
		t.Errorf("SetRecordStatus on a bare provider = %v, want ErrUnsupported", err)
	}
}
