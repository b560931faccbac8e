package dnstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/regdr/regdr/dns"
)

// Fixture is one fresh world for [TestProvider]: a provider bound to an empty zone, and
// out-of-band access to that zone's records (through an emulator, or a real account).
type Fixture struct {
	// Provider is the implementation under test, bound to the zone named Zone.
	Provider dns.Provider
	// Zone is the name of that zone.
	Zone string
	// Seed creates a record out of band and returns it with its ID.
	Seed func(r dns.Record) (dns.Record, error)
	// Get reads a record out of band.
	Get func(id string) (dns.Record, bool)
	// Set overwrites a record out of band, as another operator would.
	Set func(r dns.Record) error
	// TTLs are two different TTLs the product accepts: seeds use the first, changes that
	// set a TTL the second.
	TTLs [2]int
	// BadTTL is a TTL the product refuses (0: not checked).
	BadTTL int
}

// TestProvider checks that a dns.Provider behaves as the dns package documents: exact
// name filtering, compare-and-swap by intent, TTLs kept unless set, validation before any
// write, typed errors, safe concurrent use (run it with -race), and the optional
// RecordAdder and RecordStatusSetter when present.
// newFixture is called once per subtest and must return an independent world; subtests
// run in parallel.
func TestProvider(t *testing.T, newFixture func(t *testing.T) Fixture) {
	for _, tc := range conformanceCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			tc.run(ctx, t, f)
		})
	}
}

type conformanceCase struct {
	name string
	run  func(ctx context.Context, t *testing.T, f Fixture)
}

func seed(t *testing.T, f Fixture, r dns.Record) dns.Record {
	t.Helper()
	if r.TTL == 0 {
		r.TTL = f.TTLs[0]
	}
	got, err := f.Seed(r)
	if err != nil {
		t.Fatalf("seeding %v: %v", r, err)
	}
	return got
}

func get(t *testing.T, f Fixture, id string) dns.Record {
	t.Helper()
	r, ok := f.Get(id)
	if !ok {
		t.Fatalf("record %s vanished", id)
	}
	return r
}

func names(rs []dns.Record) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name+" "+r.Type+" "+r.Value)
	}
	slices.Sort(out)
	return out
}

var conformanceCases = []conformanceCase{
	// Providers are safe for concurrent use (the dns package's contract): reads and writes
	// of one Provider from many goroutines at once. Under -race it fails if calls share
	// per-request state (the Alibaba SDK clients keep some).
	{"ConcurrentUse", func(ctx context.Context, t *testing.T, f Fixture) {
		const workers = 8
		ids := make([]string, workers)
		for w := range workers {
			ids[w] = seed(t, f, dns.Record{Name: fmt.Sprintf("r%d", w), Type: "A", Value: "10.0.0.1"}).ID
		}
		var wg sync.WaitGroup
		errs := make(chan error, workers*4)
		for w := range workers {
			wg.Go(func() {
				name := fmt.Sprintf("r%d", w)
				if _, err := f.Provider.Zone(ctx); err != nil {
					errs <- fmt.Errorf("zone: %w", err)
				}
				if rs, err := f.Provider.Records(ctx, ""); err != nil || len(rs) != workers {
					errs <- fmt.Errorf("Records = %d records, %v; want %d", len(rs), err, workers)
				}
				ch := dns.Change{Record: dns.Record{Name: name, Type: "A"}, ExpectValue: "10.0.0.1", NewValue: "10.0.1.1"}
				if r, err := f.Provider.Apply(ctx, ch); err != nil || r.Value != "10.0.1.1" {
					errs <- fmt.Errorf("Apply(%s) = %v, %v", name, r, err)
				}
				if rs, err := f.Provider.Records(ctx, name); err != nil || len(rs) != 1 || rs[0].Value != "10.0.1.1" {
					errs <- fmt.Errorf("Records(%s) = %v, %v; want one record of 10.0.1.1", name, rs, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for _, id := range ids {
			if r := get(t, f, id); r.Value != "10.0.1.1" {
				t.Errorf("record %v, want 10.0.1.1", r)
			}
		}
	}},
	{"Zone", func(ctx context.Context, t *testing.T, f Fixture) {
		z, err := f.Provider.Zone(ctx)
		if err != nil {
			t.Fatalf("Zone() = %v", err)
		}
		if z.ID == "" || z.Name != f.Zone {
			t.Errorf("Zone() = %+v, want a zone named %q with an ID", z, f.Zone)
		}
	}},
	{"RecordsExactName", func(ctx context.Context, t *testing.T, f Fixture) {
		seed(t, f, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1"})
		seed(t, f, dns.Record{Name: "www", Type: "A", Value: "10.0.0.2"})
		seed(t, f, dns.Record{Name: "www", Type: "AAAA", Value: "2001:db8::2", Status: dns.StatusDisabled})
		seed(t, f, dns.Record{Name: "a.www", Type: "A", Value: "10.0.0.3"})
		seed(t, f, dns.Record{Name: "www2", Type: "A", Value: "10.0.0.4"})
		for _, tt := range []struct {
			name string
			want []string
		}{
			{"www", []string{"www A 10.0.0.2", "www AAAA 2001:db8::2"}},
			{"@", []string{"@ A 10.0.0.1"}},
			{"a.www", []string{"a.www A 10.0.0.3"}},
			{"nothing", nil},
			{"", []string{"@ A 10.0.0.1", "a.www A 10.0.0.3", "www A 10.0.0.2", "www AAAA 2001:db8::2", "www2 A 10.0.0.4"}},
		} {
			got, err := f.Provider.Records(ctx, tt.name)
			if err != nil {
				t.Fatalf("Records(%q) = %v", tt.name, err)
			}
			if diff := cmp.Diff(tt.want, names(got)); diff != "" {
				t.Errorf("Records(%q) (-want +got):\n%s", tt.name, diff)
			}
		}
	}},
	{"RecordsAllPages", func(ctx context.Context, t *testing.T, f Fixture) {
		var want []string
		for i := range 45 {
			r := seed(t, f, dns.Record{Name: fmt.Sprintf("h%02d", i), Type: "A", Value: fmt.Sprintf("10.0.1.%d", i)})
			want = append(want, r.Name+" A "+r.Value)
		}
		got, err := f.Provider.Records(ctx, "")
		if err != nil {
			t.Fatalf("Records(\"\") = %v", err)
		}
		if diff := cmp.Diff(want, names(got)); diff != "" {
			t.Errorf("Records(\"\") (-want +got):\n%s", diff)
		}
	}},
	{"ApplyKeepsTTL", func(ctx context.Context, t *testing.T, f Fixture) {
		r := seed(t, f, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1"})
		other := seed(t, f, dns.Record{Name: "www", Type: "A", Value: "10.0.0.2"})
		got, err := f.Provider.Apply(ctx, dns.Change{Record: r, ExpectValue: "10.0.0.1", NewValue: "a-registry.cn-hangzhou.cr.aliyuncs.com", NewType: "CNAME"})
		if err != nil {
			t.Fatalf("Apply = %v", err)
		}
		now := get(t, f, r.ID)
		want := dns.Record{ID: r.ID, Name: "@", Type: "CNAME", Value: "a-registry.cn-hangzhou.cr.aliyuncs.com", TTL: f.TTLs[0], Status: r.Status}
		if diff := cmp.Diff(want, now); diff != "" {
			t.Errorf("record after Apply (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(now, got); diff != "" {
			t.Errorf("Apply returned (-stored +returned):\n%s", diff)
		}
		if diff := cmp.Diff(other, get(t, f, other.ID)); diff != "" {
			t.Errorf("another record changed (-want +got):\n%s", diff)
		}
	}},
	{"ApplySetsTTL", func(ctx context.Context, t *testing.T, f Fixture) {
		r := seed(t, f, dns.Record{Name: "www", Type: "A", Value: "10.0.0.1"})
		if _, err := f.Provider.Apply(ctx, dns.Change{Record: r, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2", TTL: f.TTLs[1]}); err != nil {
			t.Fatalf("Apply = %v", err)
		}
		if now := get(t, f, r.ID); now.Value != "10.0.0.2" || now.TTL != f.TTLs[1] {
			t.Errorf("record after Apply = %v, want 10.0.0.2 with TTL %d", now, f.TTLs[1])
		}
	}},
	{"ApplyByNameAndType", func(ctx context.Context, t *testing.T, f Fixture) {
		r := seed(t, f, dns.Record{Name: "www", Type: "A", Value: "10.0.0.1"})
		seed(t, f, dns.Record{Name: "www", Type: "TXT", Value: "keep"})
		c := dns.Change{Record: dns.Record{Name: "www", Type: "A"}, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2"}
		if _, err := f.Provider.Apply(ctx, c); err != nil {
			t.Fatalf("Apply = %v", err)
		}
		if now := get(t, f, r.ID); now.Value != "10.0.0.2" {
			t.Errorf("record after Apply = %v", now)
		}
	}},
	{"ApplyRefusesChangedRecord", func(ctx context.Context, t *testing.T, f Fixture) {
		r := seed(t, f, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1"})
		moved := r
		moved.Value = "10.0.0.9"
		if err := f.Set(moved); err != nil {
			t.Fatal(err)
		}
		_, err := f.Provider.Apply(ctx, dns.Change{Record: r, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2"})
		if !errors.Is(err, dns.ErrRecordChanged) {
			t.Errorf("Apply over a changed record = %v, want ErrRecordChanged", err)
		}
		if diff := cmp.Diff(moved, get(t, f, r.ID)); diff != "" {
			t.Errorf("record written anyway (-want +got):\n%s", diff)
		}
	}},
	{"ApplyIsIdempotent", func(ctx context.Context, t *testing.T, f Fixture) {
		r := seed(t, f, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1"})
		c := dns.Change{Record: r, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2"}
		first, err := f.Provider.Apply(ctx, c)
		if err != nil {
			t.Fatalf("first Apply = %v", err)
		}
		second, err := f.Provider.Apply(ctx, c)
		if err != nil {
			t.Fatalf("second Apply = %v", err)
		}
		if diff := cmp.Diff(first, second); diff != "" {
			t.Errorf("second Apply (-first +second):\n%s", diff)
		}
	}},
	{"ApplyValidatesFirst", func(ctx context.Context, t *testing.T, f Fixture) {
		r := seed(t, f, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1"})
		bad := []dns.Change{
			{Record: r, ExpectValue: "10.0.0.1", NewValue: "not-an-ip"},
			{Record: r, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2", NewType: "CNAME"},
			{Record: r, NewValue: "10.0.0.2"},
			{Record: dns.Record{ID: r.ID}, ExpectValue: "10.0.0.1", NewValue: "not-an-ip"},
		}
		if f.BadTTL != 0 {
			bad = append(bad, dns.Change{Record: r, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2", TTL: f.BadTTL})
		}
		for _, c := range bad {
			if _, err := f.Provider.Apply(ctx, c); !errors.Is(err, dns.ErrInvalidRecord) {
				t.Errorf("Apply(%v) = %v, want ErrInvalidRecord", c, err)
			}
		}
		if diff := cmp.Diff(r, get(t, f, r.ID)); diff != "" {
			t.Errorf("record written anyway (-want +got):\n%s", diff)
		}
	}},
	{"ApplyMissingRecord", func(ctx context.Context, t *testing.T, f Fixture) {
		seed(t, f, dns.Record{Name: "@", Type: "A", Value: "10.0.0.1"})
		for _, c := range []dns.Change{
			{Record: dns.Record{ID: "987654321", Name: "@", Type: "A"}, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2"},
			{Record: dns.Record{Name: "nope", Type: "A"}, ExpectValue: "10.0.0.1", NewValue: "10.0.0.2"},
		} {
			if _, err := f.Provider.Apply(ctx, c); !errors.Is(err, dns.ErrNotFound) {
				t.Errorf("Apply(%v) = %v, want ErrNotFound", c, err)
			}
		}
	}},
	{"AddRecord", func(ctx context.Context, t *testing.T, f Fixture) {
		if _, ok := f.Provider.(dns.RecordAdder); !ok {
			t.Skip("provider cannot add records")
		}
		got, err := dns.AddRecord(ctx, f.Provider, dns.Record{Name: "new", Type: "CNAME", Value: "a.example.com", TTL: f.TTLs[1]})
		if err != nil {
			t.Fatalf("AddRecord = %v", err)
		}
		if got.ID == "" {
			t.Fatalf("AddRecord returned no ID: %v", got)
		}
		now := get(t, f, got.ID)
		if now.Name != "new" || now.Type != "CNAME" || !dns.SameValue("CNAME", now.Value, "a.example.com") || now.TTL != f.TTLs[1] {
			t.Errorf("added record = %v", now)
		}
		if _, err := dns.AddRecord(ctx, f.Provider, dns.Record{Name: "bad", Type: "A", Value: "nope"}); !errors.Is(err, dns.ErrInvalidRecord) {
			t.Errorf("AddRecord(invalid) = %v, want ErrInvalidRecord", err)
		}
	}},
	{"SetRecordStatus", func(ctx context.Context, t *testing.T, f Fixture) {
		if _, ok := f.Provider.(dns.RecordStatusSetter); !ok {
			t.Skip("provider cannot enable or disable records")
		}
		r := seed(t, f, dns.Record{Name: "www", Type: "A", Value: "10.0.0.1"})
		if err := dns.SetRecordStatus(ctx, f.Provider, r.ID, false); err != nil {
			t.Fatalf("disabling = %v", err)
		}
		if now := get(t, f, r.ID); now.Enabled() {
			t.Errorf("after disabling: %v", now)
		}
		if err := dns.SetRecordStatus(ctx, f.Provider, r.ID, true); err != nil {
			t.Fatalf("enabling = %v", err)
		}
		if now := get(t, f, r.ID); !now.Enabled() {
			t.Errorf("after enabling: %v", now)
		}
		if err := dns.SetRecordStatus(ctx, f.Provider, "987654321", true); !errors.Is(err, dns.ErrNotFound) {
			t.Errorf("enabling a missing record = %v, want ErrNotFound", err)
		}
	}},
}
