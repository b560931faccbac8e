// Package dnsprovider is what regdr's two Alibaba Cloud DNS providers, dns/alidns and
// dns/privatezone, share: a [Client] that runs SDK calls with retries and maps their errors
// onto the dns sentinels, the options both take, and the read-modify-write steps of Apply
// and AddRecord ([Current], [ReadBack]).
//
// # Concurrency
//
// A Client is safe for concurrent use once its options are set: each call takes an SDK
// client of its own from a pool.
package dnsprovider

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/internal/aliyun"
	"github.com/regdr/regdr/retry"
)

// DefaultRegion is the region both products' global endpoints are signed for when the
// configuration names none.
const DefaultRegion = "cn-hangzhou"

// Product describes one DNS product's SDK client.
type Product[API any] struct {
	// Name prefixes errors of New and of options, e.g. "alidns".
	Name string
	// Endpoint is the product's endpoint when the configuration has none.
	Endpoint string
	// NewAPI creates an SDK client from its configuration.
	NewAPI func(*openapi.Config) (API, error)
	// Codes maps the product's own error codes to a dns sentinel (nil: no opinion); it
	// is asked before the generic mapping.
	Codes func(code string) error
	// MaxPageSize is the largest page size WithPageSize accepts; the default page size is
	// min(100, MaxPageSize).
	MaxPageSize int
}

// Client runs one product's SDK calls. Its exported fields are set by New and by the
// options, and read by the provider.
type Client[API any] struct {
	apis    *aliyun.Pool[API]
	retry   retry.Policy
	clock   clock.Clock
	product Product[API]
	// Runtime is the per-call runtime options (timeouts, no SDK retries).
	Runtime *util.RuntimeOptions
	// Log receives one line per write. The default discards.
	Log *slog.Logger
	// PageSize is the page size of list calls.
	PageSize int
}

// New returns a client of the product configured by cfg. It does no I/O.
func New[API any](cfg alicloud.Config, p Product[API]) (*Client[API], error) {
	oc, err := aliyun.OpenAPIConfig(cfg, p.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.Name, err)
	}
	if oc.RegionId == nil {
		region := DefaultRegion
		oc.RegionId = &region
	}
	apis, err := aliyun.NewPool(func() (API, error) { return p.NewAPI(oc) })
	if err != nil {
		return nil, fmt.Errorf("%s: creating client: %w", p.Name, err)
	}
	return &Client[API]{
		apis: apis, retry: cfg.Retry, clock: cfg.Clock, product: p,
		Runtime: aliyun.Runtime(cfg), Log: slog.New(slog.DiscardHandler), PageSize: min(100, p.MaxPageSize),
	}, nil
}

// SetLogger is the WithLogger option: l must not be nil.
func (c *Client[API]) SetLogger(l *slog.Logger) error {
	if l == nil {
		return fmt.Errorf("%s: nil logger", c.product.Name)
	}
	c.Log = l
	return nil
}

// SetPageSize is the WithPageSize option: n must be within 1..MaxPageSize.
func (c *Client[API]) SetPageSize(n int) error {
	if n < 1 || n > c.product.MaxPageSize {
		return fmt.Errorf("%s: page size %d outside 1..%d", c.product.Name, n, c.product.MaxPageSize)
	}
	c.PageSize = n
	return nil
}

// Call runs one API call with retries and maps its error onto the dns sentinels, keeping
// the *alicloud.Error (code, request ID) reachable with errors.As. fn calls the SDK client
// it is given, which no other call uses meanwhile.
func (c *Client[API]) Call(ctx context.Context, op string, fn func(ctx context.Context, api API) error) error {
	err := aliyun.Do(ctx, c.clock, c.retry, op, func() error {
		return c.apis.Use(func(a API) error { return fn(ctx, a) })
	})
	return MapError(err, c.product.Codes)
}

// MapError wraps err with the dns sentinel it means: the product's own codes first, then
// not found, unauthorized and throttled by the alicloud classification.
func MapError(err error, codes func(code string) error) error {
	if err == nil {
		return nil
	}
	var sentinel error
	if codes != nil {
		sentinel = codes(ErrorCode(err))
	}
	switch {
	case sentinel != nil:
	case errors.Is(err, alicloud.ErrNotFound):
		sentinel = dns.ErrNotFound
	case errors.Is(err, alicloud.ErrUnauthorized):
		sentinel = dns.ErrUnauthorized
	case errors.Is(err, alicloud.ErrThrottled):
		sentinel = dns.ErrThrottled
	default:
		return err
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}

// ErrorCode returns the remote code of err ("" when it carries none).
func ErrorCode(err error) string {
	var ae *alicloud.Error
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// Lister reads a zone's records named exactly name ("" = every record).
type Lister func(ctx context.Context, name string) ([]dns.Record, error)

// Current reads the record a change names. When it is not found by ID under its name, the
// whole zone is read, so that Change.Check can tell a renamed record from a deleted one.
func Current(ctx context.Context, list Lister, c dns.Change) (dns.Record, error) {
	recs, err := list(ctx, c.Record.Name)
	if err != nil {
		return dns.Record{}, err
	}
	cur, err := c.Find(recs)
	if errors.Is(err, dns.ErrNotFound) && c.Record.ID != "" && c.Record.Name != "" {
		if recs, err = list(ctx, ""); err == nil {
			cur, err = c.Find(recs)
		}
	}
	return cur, err
}

// Same returns the record of recs with r's type and value, if any: the record an add
// that the product refused as a duplicate refers to.
func Same(recs []dns.Record, r dns.Record) (dns.Record, bool) {
	for _, got := range recs {
		if strings.EqualFold(got.Type, r.Type) && dns.SameValue(r.Type, got.Value, r.Value) {
			return got, true
		}
	}
	return dns.Record{}, false
}

// ReadBack reads a record just added back from the zone, for the TTL and status the
// product chose: the one with ID id, or, when id is "" (the product answered that it
// exists already), the one with r's name, type and value. Its errors read "adding r: …",
// as AddRecord's do.
func ReadBack(ctx context.Context, list Lister, r dns.Record, id string) (dns.Record, error) {
	recs, err := list(ctx, r.Name)
	if err != nil {
		return dns.Record{}, fmt.Errorf("adding %v: reading it back: %w", r, err)
	}
	if id == "" {
		if got, ok := Same(recs, r); ok {
			return got, nil
		}
	}
	for _, got := range recs {
		if got.ID == id && id != "" {
			return got, nil
		}
	}
	return dns.Record{}, fmt.Errorf("adding %v: record %s not found after creation: %w", r, id, dns.ErrNotFound)
}

// Send calls one SDK method — a method expression such as api.AddZoneRecordWithContext —
// with req through c.Call, and returns its response.
func Send[API, Req, Resp any](ctx context.Context, c *Client[API], op string, method func(API, context.Context, Req, *util.RuntimeOptions) (Resp, error), req Req) (Resp, error) {
	var resp Resp
	err := c.Call(ctx, op, func(ctx context.Context, a API) (err error) {
		resp, err = method(a, ctx, req, c.Runtime)
		return err
	})
	return resp, err
}

// ApplyOptions applies opts to p in order and stops at the first error.
func ApplyOptions[P any, O ~func(P) error](p P, opts []O) error {
	for _, o := range opts {
		if err := o(p); err != nil {
			return err
		}
	}
	return nil
}

// Plan is the read half of a provider's Apply: it validates c (checkTTL judges c.TTL, 0
// meaning "keep the record's"), reads the record c names, and says whether it already is
// the target (done, cur returned) or which record to write (target).
func Plan(ctx context.Context, list Lister, c dns.Change, checkTTL func(int) error) (cur, target dns.Record, done bool, err error) {
	if err := c.Validate(); err != nil {
		return cur, target, false, err
	}
	if err := checkTTL(c.TTL); err != nil {
		return cur, target, false, err
	}
	if cur, err = Current(ctx, list, c); err != nil {
		return cur, target, false, err
	}
	if done, err = c.Check(cur); err != nil || done {
		return cur, target, done, err
	}
	target = c.Target(cur)
	return cur, target, false, dns.ValidateRecord(target)
}

// PrepareAdd validates r for a provider's AddRecord: its ID is cleared, and checkTTL
// judges its TTL (0 meaning the product's default).
func PrepareAdd(r dns.Record, checkTTL func(int) error) (dns.Record, error) {
	r.ID = ""
	if err := dns.ValidateRecord(r); err != nil {
		return r, err
	}
	return r, checkTTL(r.TTL)
}

// Record is the dns.Record of an SDK record's fields, with the type and status upper-cased
// (the products answer "a" and "enable" as often as "A" and "ENABLE").
func Record(id, name, typ, value, status string, ttl, priority int) dns.Record {
	return dns.Record{
		ID: id, Name: name, Type: strings.ToUpper(typ), Value: value,
		TTL: ttl, Status: strings.ToUpper(status), Priority: priority,
	}
}
