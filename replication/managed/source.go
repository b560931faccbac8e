package managed

import (
	"context"
	"fmt"
	"sync"

	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/mirror"
)

// Source lists Harbor through its API: the repositories of the setup's projects, and each
// repository's tags with their digests and labels, plus the accessories (signatures,
// SBOMs) Harbor attaches to each artifact. It is a mirror.Source (so the Syncer needs
// neither a HEAD per tag nor the referrers API) and a lag.Source.
type Source struct {
	Harbor harbor.Content
	// Setup gives the projects to list (all when empty).
	Setup Setup

	mu          sync.Mutex
	accessories map[string][]string // repo@subject → accessory digests
}

var (
	_ mirror.ReferrersSource = (*Source)(nil)
	_ lag.Source             = (*Source)(nil)
)

// Artifacts lists repo's artifacts as lag compares them: digest, tags, labels, push time
// and accessories.
func (h *Source) Artifacts(ctx context.Context, repo string) ([]lag.SourceArtifact, error) {
	arts, err := h.Harbor.ListArtifacts(ctx, repo)
	if err != nil {
		return nil, err
	}
	out := make([]lag.SourceArtifact, len(arts))
	for i, a := range arts {
		out[i] = lag.SourceArtifact{Digest: a.Digest, Tags: a.Tags, Labels: a.Labels, PushTime: a.PushTime}
		for _, x := range a.Accessories {
			out[i].Accessories = append(out[i].Accessories, lag.Accessory{Type: x.Type, Digest: x.Digest})
		}
	}
	return out, nil
}

// Repositories lists the repositories of the setup's projects that its name filters select.
func (h *Source) Repositories(ctx context.Context) ([]string, error) {
	return harborSelectedRepos(ctx, h.Harbor, h.Setup.withDefaults())
}

// Tags lists repo's artifacts: one Tag per tag, with the artifact's digest and labels.
func (h *Source) Tags(ctx context.Context, repo string) ([]mirror.Tag, error) {
	arts, err := h.Harbor.ListArtifacts(ctx, repo)
	if err != nil {
		return nil, fmt.Errorf("listing artifacts of %q: %w", repo, err)
	}
	var tags []mirror.Tag
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.accessories == nil {
		h.accessories = map[string][]string{}
	}
	for _, a := range arts {
		for _, t := range a.Tags {
			tags = append(tags, mirror.Tag{Name: t, Digest: a.Digest, Labels: a.Labels})
		}
		var acc []string
		for _, x := range a.Accessories {
			acc = append(acc, x.Digest)
		}
		h.accessories[repo+"@"+a.Digest] = acc
	}
	return tags, nil
}

// Referrers returns the accessories Harbor listed with the artifact digest of repo (after
// Tags listed repo; otherwise it asks Harbor for that artifact).
func (h *Source) Referrers(ctx context.Context, repo, digest string) ([]string, error) {
	h.mu.Lock()
	acc, ok := h.accessories[repo+"@"+digest]
	h.mu.Unlock()
	if ok {
		return acc, nil
	}
	a, err := h.Harbor.GetArtifact(ctx, repo, digest)
	if err != nil {
		return nil, fmt.Errorf("reading artifact %s@%s: %w", repo, digest, err)
	}
	for _, x := range a.Accessories {
		acc = append(acc, x.Digest)
	}
	return acc, nil
}
