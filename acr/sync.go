package acr

import (
	"context"
	"fmt"
	"strconv"
	"time"

	cr "github.com/alibabacloud-go/cr-20181201/v2/client"
	"github.com/alibabacloud-go/tea/tea"
)

// Sync rule scopes and triggers (ACR EE's own instance-to-instance replication).
const (
	SyncScopeRepo      = "REPO"
	SyncScopeNamespace = "NAMESPACE"
	// SyncTriggerPassive syncs every push automatically; SyncTriggerInitiative only on demand.
	SyncTriggerPassive    = "PASSIVE"
	SyncTriggerInitiative = "INITIATIVE"
)

// SyncRuleSpec asks ACR EE to replicate a namespace (Repo empty) or one repository of
// this instance to another instance.
type SyncRuleSpec struct {
	Name             string `json:"name"`
	Namespace        string `json:"namespace"`
	Repo             string `json:"repo,omitempty"` // "" = the whole namespace
	TargetRegion     string `json:"target_region"`
	TargetInstanceID string `json:"target_instance_id"`
	TargetNamespace  string `json:"target_namespace"`
	TargetRepo       string `json:"target_repo,omitempty"`    // with Repo; "" = same name
	TargetUserID     string `json:"target_user_id,omitempty"` // another account's instance
	TagFilter        string `json:"tag_filter,omitempty"`     // a regular expression; "" = ".*"
	Trigger          string `json:"trigger,omitempty"`        // "" = SyncTriggerPassive
}

// SyncRule is an existing sync rule.
type SyncRule struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	Scope            string    `json:"scope"`
	Trigger          string    `json:"trigger"`
	TagFilter        string    `json:"tag_filter"`
	Direction        string    `json:"direction,omitempty"` // FROM or TO
	Namespace        string    `json:"namespace"`
	Repo             string    `json:"repo,omitempty"`
	TargetRegion     string    `json:"target_region"`
	TargetInstanceID string    `json:"target_instance_id"`
	TargetNamespace  string    `json:"target_namespace"`
	TargetRepo       string    `json:"target_repo,omitempty"`
	CrossUser        bool      `json:"cross_user,omitempty"`
	Created          time.Time `json:"created,omitzero"`
}

// CreateSyncRule creates the rule and returns its ID.
func (c *Client) CreateSyncRule(ctx context.Context, spec SyncRuleSpec) (string, error) {
	if spec.Name == "" || spec.TargetRegion == "" || spec.TargetInstanceID == "" {
		return "", fmt.Errorf("acr: %w: sync rule needs a name, a target region and a target instance", ErrInvalidArgument)
	}
	for _, ns := range []string{spec.Namespace, spec.TargetNamespace} {
		if err := ValidateNamespaceName(ns); err != nil {
			return "", err
		}
	}
	req := &cr.CreateRepoSyncRuleRequest{
		InstanceId: tea.String(c.instanceID), SyncRuleName: tea.String(spec.Name), NamespaceName: tea.String(spec.Namespace),
		TargetRegionId: tea.String(spec.TargetRegion), TargetInstanceId: tea.String(spec.TargetInstanceID),
		TargetNamespaceName: tea.String(spec.TargetNamespace), SyncScope: tea.String(SyncScopeNamespace),
		TagFilter: tea.String(".*"), SyncTrigger: tea.String(SyncTriggerPassive),
	}
	if spec.Repo != "" {
		target := spec.TargetRepo
		if target == "" {
			target = spec.Repo
		}
		req.SyncScope, req.RepoName, req.TargetRepoName = tea.String(SyncScopeRepo), tea.String(spec.Repo), tea.String(target)
	}
	if spec.TagFilter != "" {
		req.TagFilter = tea.String(spec.TagFilter)
	}
	switch spec.Trigger {
	case "":
	case SyncTriggerPassive, SyncTriggerInitiative:
		req.SyncTrigger = tea.String(spec.Trigger)
	default:
		return "", fmt.Errorf("acr: %w: sync trigger %q", ErrInvalidArgument, spec.Trigger)
	}
	if spec.TargetUserID != "" {
		req.TargetUserId = tea.String(spec.TargetUserID)
	}
	var b *cr.CreateRepoSyncRuleResponseBody
	err := c.call(ctx, "CreateRepoSyncRule", func(api api) (any, error) {
		r, err := api.CreateRepoSyncRuleWithOptions(req, c.runtime)
		if err != nil {
			return nil, err
		}
		b = r.Body
		return b, nil
	})
	if err != nil {
		return "", fmt.Errorf("creating sync rule %q: %w", spec.Name, err)
	}
	c.log.InfoContext(ctx, "acr: sync rule created", "instance", c.instanceID, "rule", spec.Name, "id", str(b.SyncRuleId))
	return str(b.SyncRuleId), nil
}

// ListSyncRules returns the instance's sync rules ("" namespace = all), all pages.
func (c *Client) ListSyncRules(ctx context.Context, namespace string) ([]SyncRule, error) {
	var out []SyncRule
	for page := int32(1); ; page++ {
		req := &cr.ListRepoSyncRuleRequest{InstanceId: tea.String(c.instanceID), PageNo: tea.Int32(page), PageSize: tea.Int32(c.pageSize())}
		if namespace != "" {
			req.NamespaceName = tea.String(namespace)
		}
		var b *cr.ListRepoSyncRuleResponseBody
		err := c.call(ctx, "ListRepoSyncRule", func(api api) (any, error) {
			r, err := api.ListRepoSyncRuleWithOptions(req, c.runtime)
			if err != nil {
				return nil, err
			}
			b = r.Body
			return b, nil
		})
		if err != nil {
			return nil, fmt.Errorf("listing sync rules: %w", err)
		}
		for _, r := range b.SyncRules {
			if r == nil {
				continue
			}
			rule := SyncRule{ID: str(r.SyncRuleId), Name: str(r.SyncRuleName), Scope: str(r.SyncScope), Trigger: str(r.SyncTrigger),
				TagFilter: str(r.TagFilter), Direction: str(r.SyncDirection), Namespace: str(r.LocalNamespaceName), Repo: str(r.LocalRepoName),
				TargetRegion: str(r.TargetRegionId), TargetInstanceID: str(r.TargetInstanceId), TargetNamespace: str(r.TargetNamespaceName),
				TargetRepo: str(r.TargetRepoName), CrossUser: boolv(r.CrossUser)}
			if r.CreateTime != nil {
				rule.Created = time.UnixMilli(*r.CreateTime).UTC()
			}
			out = append(out, rule)
		}
		// TotalCount is a number in this answer, a string in the others.
		total := ""
		if b.TotalCount != nil {
			total = strconv.Itoa(int(*b.TotalCount))
		}
		if lastPage(len(b.SyncRules), len(out), total, c.pageSize()) {
			return out, nil
		}
	}
}
