package harbor

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/client/registry"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"
)

// Registry provider types Harbor knows (a few of them).
const (
	TypeDockerRegistry = "docker-registry" // any registry speaking the distribution API
	TypeAliACR         = "ali-acr"         // Alibaba Cloud Container Registry
	TypeHarbor         = "harbor"
)

// maskedSecret is what Harbor returns in place of a stored access secret.
const maskedSecret = "*****"

// Registries manages Harbor's registry endpoints (Administration → Registries).
type Registries interface {
	ListRegistries(ctx context.Context) ([]Registry, error)
	GetRegistry(ctx context.Context, id int64) (*Registry, error)
	CreateRegistry(ctx context.Context, r Registry) (int64, error)
	UpdateRegistry(ctx context.Context, r Registry) error
	DeleteRegistry(ctx context.Context, id int64) error
	PingRegistry(ctx context.Context, r Registry) error
}

// Registry is a registry endpoint: a remote registry Harbor replicates to or from.
type Registry struct {
	ID           int64       `json:"id"`
	Name         string      `json:"name"`
	Description  string      `json:"description"`
	Type         string      `json:"type"` // TypeDockerRegistry, TypeAliACR, ...
	URL          string      `json:"url"`
	Insecure     bool        `json:"insecure"`   // skip TLS verification towards URL
	Credential   *Credential `json:"credential"` // nil: anonymous
	Status       string      `json:"status"`     // "healthy", "unhealthy"; read only
	CreationTime time.Time   `json:"creation_time"`
	UpdateTime   time.Time   `json:"update_time"`
}

// Credential is how Harbor logs in to a registry endpoint. Harbor never returns
// a stored secret: AccessSecret is empty on what Get and List return.
type Credential struct {
	Type         string `json:"type"` // "basic" (the default) or "oauth"
	AccessKey    string `json:"access_key"`
	AccessSecret Secret `json:"access_secret"`
}

// ListRegistries returns every registry endpoint, following pagination.
func (c *Client) ListRegistries(ctx context.Context) ([]Registry, error) {
	return listAll(ctx, c, "listing registries", func(ctx context.Context, page, size int64) ([]Registry, int64, error) {
		p := registry.NewListRegistriesParams().WithPage(&page).WithPageSize(&size)
		res, err := c.registries.ListRegistries(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		out := make([]Registry, 0, len(res.Payload))
		for _, m := range res.Payload {
			out = append(out, registryFromModel(m))
		}
		return out, res.XTotalCount, nil
	})
}

// GetRegistry returns the registry endpoint with the given ID.
func (c *Client) GetRegistry(ctx context.Context, id int64) (*Registry, error) {
	if id <= 0 {
		return nil, fmt.Errorf("%w: registry ID %d", ErrInvalidArgument, id)
	}
	var out Registry
	err := c.call(ctx, fmt.Sprintf("getting registry %d", id), func(ctx context.Context) error {
		res, err := c.registries.GetRegistry(ctx, registry.NewGetRegistryParams().WithID(id))
		if err != nil {
			return err
		}
		out = registryFromModel(res.Payload)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateRegistry creates a registry endpoint and returns its ID. Harbor checks
// the endpoint's health first and refuses an unhealthy one (ErrBadRequest).
func (c *Client) CreateRegistry(ctx context.Context, r Registry) (int64, error) {
	if err := validateRegistry(r); err != nil {
		return 0, err
	}
	m := &models.Registry{Name: r.Name, Description: r.Description, Type: r.Type, URL: r.URL, Insecure: r.Insecure}
	if r.Credential != nil {
		m.Credential = &models.RegistryCredential{Type: credType(r.Credential), AccessKey: r.Credential.AccessKey, AccessSecret: r.Credential.AccessSecret.Reveal()}
	}
	var id int64
	err := c.call(ctx, fmt.Sprintf("creating registry %q", r.Name), func(ctx context.Context) error {
		res, err := c.registries.CreateRegistry(ctx, registry.NewCreateRegistryParams().WithRegistry(m))
		if err != nil {
			return err
		}
		id, err = idFromLocation(res.Location)
		return err
	})
	return id, err
}

// UpdateRegistry updates the endpoint r.ID to r's name, description, URL,
// insecure flag and credential. An empty AccessSecret keeps the stored secret,
// so a Registry read with GetRegistry can be changed and written back.
func (c *Client) UpdateRegistry(ctx context.Context, r Registry) error {
	if r.ID <= 0 {
		return fmt.Errorf("%w: registry ID %d", ErrInvalidArgument, r.ID)
	}
	if err := validateRegistry(r); err != nil {
		return err
	}
	u := &models.RegistryUpdate{Name: &r.Name, Description: &r.Description, URL: &r.URL, Insecure: &r.Insecure}
	if r.Credential != nil {
		t := credType(r.Credential)
		u.CredentialType, u.AccessKey = &t, &r.Credential.AccessKey
		if s := r.Credential.AccessSecret.Reveal(); s != "" {
			u.AccessSecret = &s
		}
	}
	return c.call(ctx, fmt.Sprintf("updating registry %d", r.ID), func(ctx context.Context) error {
		_, err := c.registries.UpdateRegistry(ctx, registry.NewUpdateRegistryParams().WithID(r.ID).WithRegistry(u))
		return err
	})
}

// DeleteRegistry deletes the registry endpoint with the given ID. Harbor refuses
// while a policy uses it.
func (c *Client) DeleteRegistry(ctx context.Context, id int64) error {
	if id <= 0 {
		return fmt.Errorf("%w: registry ID %d", ErrInvalidArgument, id)
	}
	return c.call(ctx, fmt.Sprintf("deleting registry %d", id), func(ctx context.Context) error {
		_, err := c.registries.DeleteRegistry(ctx, registry.NewDeleteRegistryParams().WithID(id))
		return err
	})
}

// PingRegistry asks Harbor to test the connection to an endpoint ("Test
// connection"): Harbor contacts r.URL with r's credential. With r.ID set, the
// stored endpoint is tested, with any non-empty field of r overriding it. An
// unreachable endpoint or rejected credential is an error matching ErrBadRequest.
func (c *Client) PingRegistry(ctx context.Context, r Registry) error {
	p := &models.RegistryPing{}
	if r.ID > 0 {
		p.ID = &r.ID
		if r.URL != "" {
			if err := validateURL(r); err != nil {
				return err
			}
		}
	} else {
		// The ping body has no name: an endpoint can be tested before it is named.
		if r.Type == "" {
			return fmt.Errorf("%w: registry to ping has no type", ErrInvalidArgument)
		}
		if err := validateURL(r); err != nil {
			return err
		}
	}
	if r.Type != "" {
		p.Type = &r.Type
	}
	if r.URL != "" {
		p.URL = &r.URL
	}
	if r.Insecure {
		p.Insecure = &r.Insecure
	}
	if r.Credential != nil {
		t := credType(r.Credential)
		p.CredentialType, p.AccessKey = &t, &r.Credential.AccessKey
		if s := r.Credential.AccessSecret.Reveal(); s != "" {
			p.AccessSecret = &s
		}
	}
	op := "pinging registry"
	if u, err := url.Parse(r.URL); err == nil && u.Host != "" {
		op = fmt.Sprintf("pinging registry %s://%s", u.Scheme, u.Host) // no path or query: they may carry tokens
	}
	if r.ID > 0 {
		op = fmt.Sprintf("pinging registry %d", r.ID)
	}
	return c.call(ctx, op, func(ctx context.Context) error {
		_, err := c.registries.PingRegistry(ctx, registry.NewPingRegistryParams().WithRegistry(p))
		return err
	})
}

func validateRegistry(r Registry) error {
	if r.Name == "" && r.ID == 0 {
		return fmt.Errorf("%w: registry name is empty", ErrInvalidArgument)
	}
	if r.Type == "" && r.ID == 0 {
		return fmt.Errorf("%w: registry %q has no type", ErrInvalidArgument, r.Name)
	}
	return validateURL(r)
}

// validateURL checks r.URL without echoing it: it may hold credentials.
func validateURL(r Registry) error {
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: registry %q needs an http(s) URL", ErrInvalidArgument, r.Name)
	}
	if u.User != nil {
		return fmt.Errorf("%w: registry %q URL must not contain credentials", ErrInvalidArgument, r.Name)
	}
	return nil
}

func credType(c *Credential) string {
	if c.Type == "" {
		return "basic"
	}
	return c.Type
}

func registryFromModel(m *models.Registry) Registry {
	if m == nil {
		return Registry{}
	}
	r := Registry{
		ID: m.ID, Name: m.Name, Description: m.Description, Type: m.Type, URL: m.URL,
		Insecure: m.Insecure, Status: m.Status,
		CreationTime: timeOf(m.CreationTime), UpdateTime: timeOf(m.UpdateTime),
	}
	if cr := m.Credential; cr != nil && (cr.AccessKey != "" || cr.Type != "") {
		r.Credential = &Credential{Type: cr.Type, AccessKey: cr.AccessKey}
		if cr.AccessSecret != maskedSecret {
			r.Credential.AccessSecret = Secret(cr.AccessSecret)
		}
	}
	return r
}

func timeOf(t strfmt.DateTime) time.Time {
	tt := time.Time(t)
	if tt.IsZero() {
		return time.Time{}
	}
	return tt.UTC()
}

// idFromLocation reads a new resource's ID from the Location header Harbor sets
// on 201 (the only place it reports it), e.g. "/api/v2.0/registries/7".
func idFromLocation(loc string) (int64, error) {
	if loc == "" {
		return 0, fmt.Errorf("harbor: created, but the response has no Location header")
	}
	if u, err := url.Parse(loc); err == nil {
		loc = u.Path
	}
	last := loc[strings.LastIndex(strings.TrimRight(loc, "/"), "/")+1:]
	last = strings.TrimRight(last, "/")
	var id int64
	if _, err := fmt.Sscan(last, &id); err != nil || id <= 0 {
		return 0, fmt.Errorf("harbor: created, but Location %q holds no ID", loc)
	}
	return id, nil
}
