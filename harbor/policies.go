package harbor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/goharbor/go-client/pkg/sdk/v2.0/client/replication"
	"github.com/goharbor/go-client/pkg/sdk/v2.0/models"
)

// Policies manages replication policies (Administration → Replications).
type Policies interface {
	ListPolicies(ctx context.Context) ([]Policy, error)
	GetPolicy(ctx context.Context, id int64) (*Policy, error)
	GetPolicyByName(ctx context.Context, name string) (*Policy, error)
	CreatePolicy(ctx context.Context, p Policy) (int64, error)
	UpdatePolicy(ctx context.Context, p Policy) error
	DeletePolicy(ctx context.Context, id int64) error
}

// Flattening levels for Policy.DestNamespaceReplaceCount (Harbor's UI names).
const (
	FlattenAll    = -1 // "Flatten All Levels": library/a/b/nginx → ns/nginx
	FlattenNone   = 0  // "No Flattening": library/a/b/nginx → ns/library/a/b/nginx
	Flatten1Level = 1  // "Flatten 1 Level": library/a/b/nginx → ns/a/b/nginx
)

// Policy is a replication policy. SrcRegistryID 0 means this Harbor: a policy
// with SrcRegistryID 0 and a DestRegistryID pushes from Harbor to that endpoint.
type Policy struct {
	ID             int64  `json:"id"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	SrcRegistryID  int64  `json:"src_registry_id"`
	DestRegistryID int64  `json:"dest_registry_id"`
	DestNamespace  string `json:"dest_namespace"`
	// DestNamespaceReplaceCount is how many leading path components are replaced
	// by DestNamespace: FlattenAll (-1), FlattenNone (0), Flatten1Level (1), ...
	// It is always sent: Harbor stores an omitted count as -1, flattening all
	// levels, which is why the zero value here means "no flattening" only when sent.
	DestNamespaceReplaceCount int      `json:"dest_namespace_replace_count"`
	Filters                   []Filter `json:"filters"`
	Trigger                   Trigger  `json:"trigger"`
	// Speed is Harbor's bandwidth limit in kbit/s per blob stream; ≤ 0 is unlimited,
	// sent as -1 and read back as -1 (Harbor stores it as 0).
	Speed             int32     `json:"speed"`
	Override          bool      `json:"override"`
	Enabled           bool      `json:"enabled"`
	ReplicateDeletion bool      `json:"replicate_deletion"`
	CopyByChunk       bool      `json:"copy_by_chunk"`
	CreationTime      time.Time `json:"creation_time"`
	UpdateTime        time.Time `json:"update_time"`
}

// Filter types and decorations, as Harbor names them.
const (
	FilterName     = "name"     // repository path glob, e.g. "library/**"
	FilterTag      = "tag"      // tag glob, e.g. "v1.*"
	FilterLabel    = "label"    // artifact labels, all of Labels required
	FilterResource = "resource" // "image" or "artifact"

	DecorationMatches  = "matches"
	DecorationExcludes = "excludes"
)

// Filter is one of a policy's source filters. Value is the glob of a name or tag
// filter or the kind of a resource filter; Labels are a label filter's labels.
type Filter struct {
	Type       string   `json:"type"`
	Value      string   `json:"value"`
	Labels     []string `json:"labels"`
	Decoration string   `json:"decoration"` // DecorationMatches (default) or DecorationExcludes
}

// Trigger types.
const (
	TriggerManual     = "manual"
	TriggerScheduled  = "scheduled"
	TriggerEventBased = "event_based"
)

// Trigger says when a policy runs. Cron is a 6-field cron (seconds first) for
// TriggerScheduled.
type Trigger struct {
	Type string `json:"type"`
	Cron string `json:"cron"`
}

// ListPolicies returns every replication policy, following pagination.
func (c *Client) ListPolicies(ctx context.Context) ([]Policy, error) {
	return c.listPolicies(ctx, "listing replication policies", nil)
}

func (c *Client) listPolicies(ctx context.Context, op string, q *string) ([]Policy, error) {
	return listAll(ctx, c, op, func(ctx context.Context, page, size int64) ([]Policy, int64, error) {
		p := replication.NewListReplicationPoliciesParams().WithPage(&page).WithPageSize(&size).WithQ(q)
		res, err := c.replications.ListReplicationPolicies(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		out := make([]Policy, 0, len(res.Payload))
		for _, m := range res.Payload {
			out = append(out, policyFromModel(m))
		}
		return out, res.XTotalCount, nil
	})
}

// GetPolicy returns the replication policy with the given ID.
func (c *Client) GetPolicy(ctx context.Context, id int64) (*Policy, error) {
	if id <= 0 {
		return nil, fmt.Errorf("%w: policy ID %d", ErrInvalidArgument, id)
	}
	var out Policy
	err := c.call(ctx, fmt.Sprintf("getting replication policy %d", id), func(ctx context.Context) error {
		res, err := c.replications.GetReplicationPolicy(ctx, replication.NewGetReplicationPolicyParams().WithID(id))
		if err != nil {
			return err
		}
		out = policyFromModel(res.Payload)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetPolicyByName returns the replication policy named name (exactly), or an
// error matching ErrNotFound.
func (c *Client) GetPolicyByName(ctx context.Context, name string) (*Policy, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: empty policy name", ErrInvalidArgument)
	}
	q := "name=" + name
	op := fmt.Sprintf("finding replication policy %q", name)
	ps, err := c.listPolicies(ctx, op, &q)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if ps[i].Name == name {
			return &ps[i], nil
		}
	}
	return nil, &APIError{Op: op, Status: 404, Code: "NOT_FOUND", Message: fmt.Sprintf("no replication policy named %q", name)}
}

// CreatePolicy creates a replication policy and returns its ID.
func (c *Client) CreatePolicy(ctx context.Context, p Policy) (int64, error) {
	m, err := policyToModel(p)
	if err != nil {
		return 0, err
	}
	var id int64
	err = c.call(ctx, fmt.Sprintf("creating replication policy %q", p.Name), func(ctx context.Context) error {
		res, err := c.replications.CreateReplicationPolicy(ctx, replication.NewCreateReplicationPolicyParams().WithPolicy(m))
		if err != nil {
			return err
		}
		id, err = idFromLocation(res.Location)
		return err
	})
	return id, err
}

// UpdatePolicy replaces the policy p.ID with p. Harbor's PUT replaces the whole
// policy, so every field of p is sent: read the policy, change it, write it back.
func (c *Client) UpdatePolicy(ctx context.Context, p Policy) error {
	if p.ID <= 0 {
		return fmt.Errorf("%w: policy ID %d", ErrInvalidArgument, p.ID)
	}
	m, err := policyToModel(p)
	if err != nil {
		return err
	}
	return c.call(ctx, fmt.Sprintf("updating replication policy %d", p.ID), func(ctx context.Context) error {
		_, err := c.replications.UpdateReplicationPolicy(ctx, replication.NewUpdateReplicationPolicyParams().WithID(p.ID).WithPolicy(m))
		return err
	})
}

// DeletePolicy deletes the replication policy with the given ID.
func (c *Client) DeletePolicy(ctx context.Context, id int64) error {
	if id <= 0 {
		return fmt.Errorf("%w: policy ID %d", ErrInvalidArgument, id)
	}
	return c.call(ctx, fmt.Sprintf("deleting replication policy %d", id), func(ctx context.Context) error {
		_, err := c.replications.DeleteReplicationPolicy(ctx, replication.NewDeleteReplicationPolicyParams().WithID(id))
		return err
	})
}

func validatePolicy(p Policy) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: policy %q: %s", ErrInvalidArgument, p.Name, fmt.Sprintf(format, args...))
	}
	if p.Name == "" {
		return fmt.Errorf("%w: policy name is empty", ErrInvalidArgument)
	}
	if p.SrcRegistryID < 0 || p.DestRegistryID < 0 || (p.SrcRegistryID == 0) == (p.DestRegistryID == 0) {
		return bad("exactly one of the source and destination registries must be a remote endpoint")
	}
	if p.DestNamespaceReplaceCount < -1 || p.DestNamespaceReplaceCount > 127 {
		return bad("destination namespace replace count %d out of range -1..127", p.DestNamespaceReplaceCount)
	}
	for _, f := range p.Filters {
		switch f.Type {
		case FilterName, FilterTag, FilterResource:
			if len(f.Labels) > 0 {
				return bad("a %s filter has no labels", f.Type)
			}
		case FilterLabel:
			if f.Value != "" {
				return bad("a label filter takes Labels, not Value")
			}
		default:
			return bad("unknown filter type %q", f.Type)
		}
		if f.Decoration != "" && f.Decoration != DecorationMatches && f.Decoration != DecorationExcludes {
			return bad("unknown filter decoration %q", f.Decoration)
		}
		// Harbor ≥ 2.10 answers 400 "only tag and label filter support
		// decoration" (src/pkg/reg/model/policy.go, Filter.Validate).
		if (f.Type == FilterName || f.Type == FilterResource) && f.Decoration == DecorationExcludes {
			return bad("a %s filter cannot exclude: Harbor accepts a decoration on tag and label filters only", f.Type)
		}
	}
	switch p.Trigger.Type {
	case "", TriggerManual, TriggerEventBased:
		if p.Trigger.Cron != "" {
			return bad("only a scheduled trigger has a cron")
		}
	case TriggerScheduled:
		if n := len(strings.Fields(p.Trigger.Cron)); n != 6 {
			return bad("cron %q has %d fields, Harbor wants 6 (seconds first)", p.Trigger.Cron, n)
		}
	default:
		return bad("unknown trigger type %q", p.Trigger.Type)
	}
	return nil
}

func policyToModel(p Policy) (*models.ReplicationPolicy, error) {
	if err := validatePolicy(p); err != nil {
		return nil, err
	}
	count := int8(p.DestNamespaceReplaceCount)
	speed := p.Speed
	if speed <= 0 {
		speed = -1
	}
	chunk := p.CopyByChunk
	m := &models.ReplicationPolicy{
		Name: p.Name, Description: p.Description,
		DestNamespace: p.DestNamespace, DestNamespaceReplaceCount: &count,
		Filters: []*models.ReplicationFilter{},
		Speed:   &speed, Override: p.Override, Enabled: p.Enabled, CopyByChunk: &chunk,
		// Harbor reads deletion replication from the deprecated field; send both.
		Deletion: p.ReplicateDeletion, ReplicateDeletion: p.ReplicateDeletion,
	}
	if p.SrcRegistryID > 0 {
		m.SrcRegistry = &models.Registry{ID: p.SrcRegistryID}
	}
	if p.DestRegistryID > 0 {
		m.DestRegistry = &models.Registry{ID: p.DestRegistryID}
	}
	for _, f := range p.Filters {
		mf := &models.ReplicationFilter{Type: f.Type, Decoration: f.Decoration}
		switch {
		case f.Type == FilterName || f.Type == FilterResource:
			mf.Decoration = "" // Harbor rejects any decoration here, even "matches"
		case mf.Decoration == "":
			mf.Decoration = DecorationMatches
		}
		if f.Type == FilterLabel {
			mf.Value = append([]string(nil), f.Labels...)
		} else {
			mf.Value = f.Value
		}
		m.Filters = append(m.Filters, mf)
	}
	t := p.Trigger.Type
	if t == "" {
		t = TriggerManual
	}
	m.Trigger = &models.ReplicationTrigger{Type: t, TriggerSettings: &models.ReplicationTriggerSettings{Cron: p.Trigger.Cron}}
	return m, nil
}

func policyFromModel(m *models.ReplicationPolicy) Policy {
	if m == nil {
		return Policy{}
	}
	p := Policy{
		ID: m.ID, Name: m.Name, Description: m.Description, DestNamespace: m.DestNamespace,
		DestNamespaceReplaceCount: FlattenAll, Override: m.Override, Enabled: m.Enabled,
		// The deprecated field is the one Harbor acts on.
		ReplicateDeletion: m.Deletion,
		CreationTime:      timeOf(m.CreationTime), UpdateTime: timeOf(m.UpdateTime),
	}
	if m.SrcRegistry != nil {
		p.SrcRegistryID = m.SrcRegistry.ID
	}
	if m.DestRegistry != nil {
		p.DestRegistryID = m.DestRegistry.ID
	}
	if m.DestNamespaceReplaceCount != nil {
		p.DestNamespaceReplaceCount = int(*m.DestNamespaceReplaceCount)
	}
	p.Speed = -1 // Harbor stores "unlimited" as 0 (it turns -1 into 0): read it as sent
	if m.Speed != nil && *m.Speed > 0 {
		p.Speed = *m.Speed
	}
	if m.CopyByChunk != nil {
		p.CopyByChunk = *m.CopyByChunk
	}
	if m.Trigger != nil {
		p.Trigger.Type = m.Trigger.Type
		if m.Trigger.TriggerSettings != nil {
			p.Trigger.Cron = m.Trigger.TriggerSettings.Cron
		}
	}
	for _, mf := range m.Filters {
		if mf == nil {
			continue
		}
		f := Filter{Type: mf.Type, Decoration: mf.Decoration}
		switch v := mf.Value.(type) {
		case string:
			f.Value = v
		case []any:
			for _, l := range v {
				if s, ok := l.(string); ok {
					f.Labels = append(f.Labels, s)
				}
			}
		case []string:
			f.Labels = append(f.Labels, v...)
		}
		p.Filters = append(p.Filters, f)
	}
	return p
}
