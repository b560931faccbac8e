package acr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"

	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/internal/aliyun"
	"github.com/regdr/regdr/retry"
)

// Config selects one ACR Enterprise Edition instance and how to reach the API.
type Config struct {
	// InstanceID is the EE instance, e.g. "cri-xxxxxxxx". Required.
	InstanceID string
	// Cloud is how to reach the cr OpenAPI: Cloud.Region is required unless Cloud.Endpoint
	// is set, and the endpoint defaults to "cr.<region>.aliyuncs.com". Cloud.Clock also
	// decides when registry credentials expire; Cloud.Retry retries throttled, 5xx and
	// unanswered calls.
	Cloud alicloud.Config
	// Logger receives one line per write (never a secret). The default (nil) discards.
	Logger *slog.Logger
	// PageSize is the page size of list calls, 1..100. The default (0) is 50.
	PageSize int
}

// Client is a typed client of one ACR EE instance. It is safe for concurrent use: the
// SDK's client keeps per-request state, so each call takes an SDK client of its own from a
// pool (created from the same configuration on demand), and concurrent calls run in
// parallel.
//
// The cr SDK takes no context, so a call cannot be stopped mid-flight: when ctx ends, the
// method returns ctx's error at once, and the HTTP exchange finishes in the background,
// bounded by Cloud.ConnectTimeout + Cloud.ReadTimeout (35s by default). A write whose
// context ended may therefore still take effect.
type Client struct {
	apis       *aliyun.Pool[api]
	runtime    *util.RuntimeOptions
	retry      retry.Policy
	clock      clock.Clock
	instanceID string
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
	oc, err := aliyun.OpenAPIConfig(cfg.Cloud, "cr."+cfg.Cloud.Region+".aliyuncs.com")
	if err != nil {
		return nil, fmt.Errorf("acr: %w", err)
	}
	apis, err := aliyun.NewPool(func() (api, error) { return cr.NewClient(oc) })
	if err != nil {
		return nil, fmt.Errorf("acr: creating client: %w", err)
	}
	return newClient(cfg, apis), nil
}

// newClient returns a client over apis; tests hand in a pool of fakes.
func newClient(cfg Config, apis *aliyun.Pool[api]) *Client {
	c := &Client{
		apis: apis, runtime: aliyun.Runtime(cfg.Cloud), retry: cfg.Cloud.Retry, clock: clock.Or(cfg.Cloud.Clock),
		instanceID: cfg.InstanceID,
		log:        cfg.Logger, pages: int32(cfg.PageSize),
	}
	if c.pages == 0 {
		c.pages = 50
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// InstanceID returns the instance the client talks to.
func (c *Client) InstanceID() string { return c.instanceID }

// call runs one API call with retries; fn calls the SDK client it is given, which no other
// call uses meanwhile, and returns the SDK error and the response body, whose
// IsSuccess:false is turned into an *Error.
func (c *Client) call(ctx context.Context, op string, fn func(api api) (any, error)) error {
	err := c.do(ctx, op, fn)
	var ae *alicloud.Error
	if errors.As(err, &ae) && ae.Code == "USER_NOT_EXIST" {
		return fmt.Errorf("%w: %w", ErrUserNotActivated, err)
	}
	return err
}

func (c *Client) do(ctx context.Context, op string, fn func(api api) (any, error)) error {
	return aliyun.Do(ctx, c.clock, c.retry, op, func() error {
		var body any
		// The SDK call cannot see ctx: Detached stops waiting for it when ctx ends. The
		// pool gets its SDK client back only once the call has returned.
		err := aliyun.Detached(ctx, func() error {
			return c.apis.Use(func(api api) (err error) {
				body, err = fn(api)
				return err
			})
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
