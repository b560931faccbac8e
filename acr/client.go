package acr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"

	"github.com/regdr/regdr/internal/aliyun"
)

// Config selects one ACR Enterprise Edition instance and how to reach the API.
type Config struct {
	// InstanceID is the EE instance, e.g. "cri-xxxxxxxx". Required.
	InstanceID string
	// Cloud is the OpenAPI configuration. Cloud.Region is required unless Cloud.Endpoint
	// is set; the endpoint defaults to "cr.<region>.aliyuncs.com".
	Cloud CloudConfig
	// Now is the clock used to decide when registry credentials expire. Nil is time.Now.
	Now func() time.Time
	// Logger receives one line per write (never a secret). Nil discards.
	Logger *slog.Logger
	// PageSize is the page size of list calls, 1..100. Zero means 50.
	PageSize int
}

// Client is a typed client of one ACR EE instance. It is safe for concurrent use: the
// SDK's client keeps per-request state, so each call takes an SDK client of its own from a
// pool (created from the same configuration on demand), and concurrent calls run in
// parallel.
type Client struct {
	apis       *aliyun.Pool[*cr.Client]
	runtime    *util.RuntimeOptions
	retry      Retry
	instanceID string
	region     string
	now        func() time.Time
	log        *slog.Logger
	pages      int32
}

// New returns a client for cfg.InstanceID. It does no I/O.
func New(cfg Config) (*Client, error) {
	if cfg.InstanceID == "" {
		return nil, fmt.Errorf("acr: %w: empty instance ID", ErrInvalidArgument)
	}
	if cfg.PageSize < 0 || cfg.PageSize > 100 {
		return nil, fmt.Errorf("acr: %w: page size %d outside 1..100", ErrInvalidArgument, cfg.PageSize)
	}
	if cfg.Cloud.Region == "" && cfg.Cloud.Endpoint == "" {
		return nil, fmt.Errorf("acr: %w: region or endpoint required", ErrInvalidArgument)
	}
	oc, err := cfg.Cloud.OpenAPIConfig("cr." + cfg.Cloud.Region + ".aliyuncs.com")
	if err != nil {
		return nil, fmt.Errorf("acr: %w", err)
	}
	if oc.RegionId == nil && cfg.Cloud.Region != "" {
		r := cfg.Cloud.Region
		oc.RegionId = &r
	}
	apis, err := aliyun.NewPool(func() (*cr.Client, error) { return cr.NewClient(oc) })
	if err != nil {
		return nil, fmt.Errorf("acr: creating client: %w", err)
	}
	c := &Client{
		apis: apis, runtime: cfg.Cloud.Runtime(), retry: cfg.Cloud.Retry,
		instanceID: cfg.InstanceID, region: cfg.Cloud.Region,
		now: cfg.Now, log: cfg.Logger, pages: int32(cfg.PageSize),
	}
	if c.pages == 0 {
		c.pages = 50
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c, nil
}

// InstanceID returns the instance the client talks to.
func (c *Client) InstanceID() string { return c.instanceID }

// call runs one API call with retries; fn calls the SDK client it is given, which no other
// call uses meanwhile, and returns the SDK error and the response body, whose
// IsSuccess:false is turned into an *Error.
func (c *Client) call(ctx context.Context, op string, fn func(api *cr.Client) (any, error)) error {
	err := c.do(ctx, op, fn)
	var ae *Error
	if errors.As(err, &ae) && ae.Code == "USER_NOT_EXIST" {
		return fmt.Errorf("%w: %w", ErrUserNotActivated, err)
	}
	return err
}

func (c *Client) do(ctx context.Context, op string, fn func(api *cr.Client) (any, error)) error {
	return aliyun.Do(ctx, c.retry, op, func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		var body any
		err := c.apis.Use(func(api *cr.Client) (err error) {
			body, err = fn(api)
			return err
		})
		if err != nil {
			return err
		}
		if v := reflect.ValueOf(body); !v.IsValid() || (v.Kind() == reflect.Pointer && v.IsNil()) {
			return errEmpty // an SDK answer without a body: nothing to read
		}
		return aliyun.CheckSuccess(op, body)
	})
}

// errEmpty is an answer without a body.
var errEmpty = errors.New("empty answer")

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func boolv(p *bool) bool { return p != nil && *p }
