package acr

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// NamespaceChange is what EnsureNamespace did.
type NamespaceChange struct {
	Namespace string   `json:"namespace"`
	Created   bool     `json:"created,omitempty"`
	Updated   []string `json:"updated,omitempty"` // "AutoCreateRepo", "DefaultRepoType"
}

// HasChanges reports whether anything was written.
func (c NamespaceChange) HasChanges() bool { return c.Created || len(c.Updated) > 0 }

// String describes the change for people.
func (c NamespaceChange) String() string {
	switch {
	case c.Created:
		return fmt.Sprintf("namespace %s: created", c.Namespace)
	case len(c.Updated) > 0:
		return fmt.Sprintf("namespace %s: updated %s", c.Namespace, strings.Join(c.Updated, ", "))
	}
	return fmt.Sprintf("namespace %s: unchanged", c.Namespace)
}

// EnsureNamespace makes the namespace name exist with spec: it creates it when missing,
// updates the fields that differ, and otherwise writes nothing. It is idempotent and
// reports what it changed. A namespace created concurrently by someone else is then
// compared and updated like an existing one.
func (c *Client) EnsureNamespace(ctx context.Context, name string, spec NamespaceSpec) (NamespaceChange, error) {
	ch := NamespaceChange{Namespace: name}
	if err := ValidateNamespaceName(name); err != nil {
		return ch, err
	}
	spec, err := spec.normalized()
	if err != nil {
		return ch, err
	}
	ns, err := c.GetNamespace(ctx, name)
	if errors.Is(err, ErrNotFound) {
		err = c.CreateNamespace(ctx, name, spec)
		if err == nil {
			ch.Created = true
			return ch, nil
		}
		if !errors.Is(err, ErrConflict) {
			return ch, err
		}
		ns, err = c.GetNamespace(ctx, name)
	}
	if err != nil {
		return ch, err
	}
	if ns.AutoCreateRepo != spec.AutoCreateRepo {
		ch.Updated = append(ch.Updated, "AutoCreateRepo")
	}
	if !strings.EqualFold(ns.DefaultRepoType, spec.DefaultRepoType) {
		ch.Updated = append(ch.Updated, "DefaultRepoType")
	}
	if len(ch.Updated) == 0 {
		return ch, nil
	}
	if err := c.UpdateNamespace(ctx, name, spec); err != nil {
		return NamespaceChange{Namespace: name}, err
	}
	return ch, nil
}
