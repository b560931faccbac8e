package acr

import (
	"context"
	"fmt"
	"strconv"

	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	"github.com/alibabacloud-go/tea/tea"
)

// Repository types of a namespace's default and of a repository.
const (
	RepoTypePrivate = "PRIVATE"
	RepoTypePublic  = "PUBLIC"
)

// Namespace is an ACR EE namespace: the first path component of every repository.
type Namespace struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	AutoCreateRepo  bool   `json:"auto_create_repo"`
	DefaultRepoType string `json:"default_repo_type"`
	Status          string `json:"status,omitempty"`
}

// NamespaceSpec is the wanted configuration of a namespace. The runbook's is
// NamespaceSpec{AutoCreateRepo: true, DefaultRepoType: RepoTypePrivate}.
type NamespaceSpec struct {
	AutoCreateRepo  bool   `json:"auto_create_repo"`
	DefaultRepoType string `json:"default_repo_type"` // PRIVATE or PUBLIC; "" means PRIVATE
}

func (s NamespaceSpec) normalized() (NamespaceSpec, error) {
	switch s.DefaultRepoType {
	case "":
		s.DefaultRepoType = RepoTypePrivate
	case RepoTypePrivate, RepoTypePublic:
	default:
		return s, fmt.Errorf("acr: %w: default repository type %q (want PRIVATE or PUBLIC)", ErrInvalidArgument, s.DefaultRepoType)
	}
	return s, nil
}

// ValidateNamespaceName reports whether name is a valid ACR EE namespace name: 2 to 120
// characters, lowercase letters and digits, with the separators '-', '_' and '.' never
// first, last or doubled.
func ValidateNamespaceName(name string) error {
	if len(name) < 2 || len(name) > 120 {
		return fmt.Errorf("acr: %w: namespace name %q must be 2-120 characters", ErrInvalidArgument, name)
	}
	prevSep := true // a separator may not come first
	for i := 0; i < len(name); i++ {
		ch := name[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9':
			prevSep = false
		case ch == '-' || ch == '_' || ch == '.':
			if prevSep {
				return fmt.Errorf("acr: %w: namespace name %q: misplaced separator", ErrInvalidArgument, name)
			}
			prevSep = true
		default:
			return fmt.Errorf("acr: %w: namespace name %q: only lowercase letters, digits, '-', '_', '.'", ErrInvalidArgument, name)
		}
	}
	if prevSep {
		return fmt.Errorf("acr: %w: namespace name %q ends with a separator", ErrInvalidArgument, name)
	}
	return nil
}

// GetNamespace returns the namespace called name; ErrNotFound when there is none.
func (c *Client) GetNamespace(ctx context.Context, name string) (Namespace, error) {
	if err := ValidateNamespaceName(name); err != nil {
		return Namespace{}, err
	}
	var b *cr.GetNamespaceResponseBody
	err := c.call(ctx, "GetNamespace", func(api api) (any, error) {
		r, err := api.GetNamespaceWithOptions(&cr.GetNamespaceRequest{
			InstanceId: tea.String(c.instanceID), NamespaceName: tea.String(name),
		}, c.runtime)
		if err != nil {
			return nil, err
		}
		b = r.Body
		return b, nil
	})
	if err != nil {
		return Namespace{}, fmt.Errorf("getting namespace %q: %w", name, err)
	}
	return Namespace{
		ID: str(b.NamespaceId), Name: str(b.NamespaceName), AutoCreateRepo: boolv(b.AutoCreateRepo),
		DefaultRepoType: str(b.DefaultRepoType), Status: str(b.NamespaceStatus),
	}, nil
}

// ListNamespaces returns every namespace of the instance, all pages.
func (c *Client) ListNamespaces(ctx context.Context) ([]Namespace, error) {
	var out []Namespace
	for page := int32(1); ; page++ {
		var b *cr.ListNamespaceResponseBody
		err := c.call(ctx, "ListNamespace", func(api api) (any, error) {
			r, err := api.ListNamespaceWithOptions(&cr.ListNamespaceRequest{
				InstanceId: tea.String(c.instanceID), PageNo: tea.Int32(page), PageSize: tea.Int32(c.pageSize()),
			}, c.runtime)
			if err != nil {
				return nil, err
			}
			b = r.Body
			return b, nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing namespaces: %w", err)
		}
		for _, n := range b.Namespaces {
			if n == nil {
				continue
			}
			out = append(out, Namespace{
				ID: str(n.NamespaceId), Name: str(n.NamespaceName), AutoCreateRepo: boolv(n.AutoCreateRepo),
				DefaultRepoType: str(n.DefaultRepoType), Status: str(n.NamespaceStatus),
			})
		}
		if lastPage(len(b.Namespaces), len(out), str(b.TotalCount), c.pageSize()) {
			return out, nil
		}
	}
}

// CreateNamespace creates the namespace name with spec; ErrConflict when it exists.
func (c *Client) CreateNamespace(ctx context.Context, name string, spec NamespaceSpec) error {
	if err := ValidateNamespaceName(name); err != nil {
		return err
	}
	spec, err := spec.normalized()
	if err != nil {
		return err
	}
	err = c.call(ctx, "CreateNamespace", func(api api) (any, error) {
		r, err := api.CreateNamespaceWithOptions(&cr.CreateNamespaceRequest{
			InstanceId: tea.String(c.instanceID), NamespaceName: tea.String(name),
			AutoCreateRepo: tea.Bool(spec.AutoCreateRepo), DefaultRepoType: tea.String(spec.DefaultRepoType),
		}, c.runtime)
		if err != nil {
			return nil, err
		}
		return r.Body, nil
	})
	if err != nil {
		return fmt.Errorf("creating namespace %q: %w", name, err)
	}
	c.log.InfoContext(ctx, "acr: namespace created", "instance", c.instanceID, "namespace", name,
		"autoCreateRepo", spec.AutoCreateRepo, "defaultRepoType", spec.DefaultRepoType)
	return nil
}

// UpdateNamespace sets the namespace's configuration to spec.
func (c *Client) UpdateNamespace(ctx context.Context, name string, spec NamespaceSpec) error {
	if err := ValidateNamespaceName(name); err != nil {
		return err
	}
	spec, err := spec.normalized()
	if err != nil {
		return err
	}
	err = c.call(ctx, "UpdateNamespace", func(api api) (any, error) {
		r, err := api.UpdateNamespaceWithOptions(&cr.UpdateNamespaceRequest{
			InstanceId: tea.String(c.instanceID), NamespaceName: tea.String(name),
			AutoCreateRepo: tea.Bool(spec.AutoCreateRepo), DefaultRepoType: tea.String(spec.DefaultRepoType),
		}, c.runtime)
		if err != nil {
			return nil, err
		}
		return r.Body, nil
	})
	if err != nil {
		return fmt.Errorf("updating namespace %q: %w", name, err)
	}
	c.log.InfoContext(ctx, "acr: namespace updated", "instance", c.instanceID, "namespace", name,
		"autoCreateRepo", spec.AutoCreateRepo, "defaultRepoType", spec.DefaultRepoType)
	return nil
}

// lastPage decides whether a list is complete: a short page, or as many items as the
// (string or number) total says.
func lastPage(got, sofar int, total string, pageSize int32) bool {
	if got < int(pageSize) || got == 0 {
		return true
	}
	if n, err := strconv.Atoi(total); err == nil && sofar >= n {
		return true
	}
	return false
}

func (c *Client) pageSize() int32 { return c.pages }
