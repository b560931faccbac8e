package replication

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Flattener maps a source repository path to its destination repository path.
type Flattener interface {
	Flatten(repo string) (string, error)
}

// FlattenFunc adapts a plain function to a Flattener.
type FlattenFunc func(repo string) (string, error)

// Flatten calls f(repo).
func (f FlattenFunc) Flatten(repo string) (string, error) { return f(repo) }

var _ Flattener = FlattenFunc(nil)

// ErrFlatten is returned (wrapped) when a repository cannot be flattened with the given
// rule, such as a replace count larger than the repository's path allows.
var ErrFlatten = errors.New("cannot flatten repository")

// HarborFlatten reproduces Harbor's dest_namespace + dest_namespace_replace_count rule exactly
// (Harbor v2.13, replaceNamespace):
//
//   - an empty namespace leaves the repository unchanged;
//   - replaceCount < 0 (Harbor's default, "flatten all levels") keeps only the last component:
//     library/a/b/nginx → ns/nginx;
//   - replaceCount = k ≥ 0 replaces the first k components with the namespace:
//     0 → ns/library/a/b/nginx, 1 → ns/a/b/nginx, 3 → ns/nginx;
//   - k larger than the number of components before the last one is an error wrapping
//     [ErrFlatten] (library/a/b/nginx with 4).
//
// The runbook's "Flatten 1 level" is HarborFlatten(ns, 1).
func HarborFlatten(namespace string, replaceCount int) Flattener {
	return harborFlattener{namespace: namespace, count: replaceCount}
}

type harborFlattener struct {
	namespace string
	count     int
}

func (h harborFlattener) Flatten(repo string) (string, error) {
	if h.namespace == "" {
		return repo, nil
	}
	parts := strings.Split(repo, "/")
	n := len(parts)
	var prefix string
	switch {
	case h.count < 0:
		prefix = h.namespace
	case h.count > n-1:
		return "", fmt.Errorf("%w: %q has only %d path components before its name %v, but the flattening level is %d",
			ErrFlatten, repo, n-1, parts[:n-1], h.count)
	default:
		prefix = h.namespace + "/" + strings.Join(parts[h.count:n-1], "/")
	}
	// path.Join as Harbor does: it also drops the empty middle when nothing is kept.
	return path.Join(prefix, parts[n-1]), nil
}

// String describes the rule, e.g. `harbor(namespace="acr-ns", replace_count=1)`.
func (h harborFlattener) String() string {
	return fmt.Sprintf("harbor(namespace=%q, replace_count=%d)", h.namespace, h.count)
}
