package managed

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
)

// HarborAPI is the part of Harbor that Harbor-managed replication uses; *harbor.Client
// satisfies it.
type HarborAPI interface {
	harbor.Registries
	harbor.Policies
	harbor.Executions
	harbor.Content
	Wait(ctx context.Context, id int64, opts harbor.WaitOptions) (*harbor.Execution, error)
}

var _ HarborAPI = (*harbor.Client)(nil)

// Clients are what Compute and Apply talk to.
type Clients struct {
	// Harbor is the source Harbor (required).
	Harbor HarborAPI
	// Namespaces is the ACR EE instance's namespace API (required).
	Namespaces NamespaceEnsurer
	// Tags lists ACR EE repositories (optional). With it, Compute runs Verify on a
	// converged setup and plans an execution only when something is missing.
	Tags lag.TagLister
	// Registry tries the endpoint's login from regdr's side (optional; RegistryProbe).
	// Compute uses it only when Harbor's connection test fails, to tell refused
	// credentials from a network that drops Harbor in its diagnosis.
	Registry RegistryProber
}

// ActionKind is what one Action does.
type ActionKind string

// Actions, in the order Apply performs them.
const (
	EnsureNamespace ActionKind = "ensure-namespace"
	CreateEndpoint  ActionKind = "create-endpoint"
	UpdateEndpoint  ActionKind = "update-endpoint"
	CreatePolicy    ActionKind = "create-policy"
	UpdatePolicy    ActionKind = "update-policy"
	RunExecution    ActionKind = "run-execution"
)

// FieldChange is one field that differs between what is and what the setup wants.
// Secrets never appear: a rejected stored secret shows as Old "rejected".
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Action is one write Apply performs.
type Action struct {
	Kind ActionKind `json:"kind"`
	// Name is the namespace, endpoint or policy the action is about.
	Name string `json:"name"`
	// ID is the existing endpoint or policy updated, or the policy run.
	ID int64 `json:"id,omitempty"`
	// Changes lists the differing fields of an update.
	Changes []FieldChange `json:"changes,omitempty"`
	// Reason says why the action is needed.
	Reason string `json:"reason,omitempty"`
}

func (a Action) describe() string {
	s := string(a.Kind) + " " + fmt.Sprintf("%q", a.Name)
	if a.ID != 0 {
		s += fmt.Sprintf(" (id %d)", a.ID)
	}
	return s
}

// Plan is what Apply will do to converge Harbor and ACR EE on a Setup: a value
// with no I/O, safe to print and to save as JSON (the endpoint secret is redacted, so a
// plan read back needs ApplyOptions.AccessSecret to create or update the endpoint).
type Plan struct {
	// Setup is the desired state, defaults filled in.
	Setup Setup `json:"setup"`
	// Actions are the writes needed, in order. None: converged.
	Actions []Action `json:"actions"`
	// Repositories maps every source repository the filters select to its ACR EE name.
	Repositories map[string]string `json:"repositories"`
	// EndpointID and PolicyID are the existing endpoint and policy, 0 if to be created.
	EndpointID int64 `json:"endpoint_id,omitempty"`
	PolicyID   int64 `json:"policy_id,omitempty"`
	// Lag is Verify's report when the plan could check completeness (Clients.Tags).
	Lag *lag.Report `json:"lag,omitempty"`
}

// HasChanges reports whether applying the plan would write anything.
func (p *Plan) HasChanges() bool { return p != nil && len(p.Actions) > 0 }

// String describes the plan for people, one line per action; the secret never shows.
func (p *Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", p.Setup)
	fmt.Fprintf(&b, "%d repositories selected\n", len(p.Repositories))
	if !p.HasChanges() {
		b.WriteString("no changes: converged\n")
		return b.String()
	}
	for _, a := range p.Actions {
		fmt.Fprintf(&b, "+ %s", a.describe())
		if a.Reason != "" {
			fmt.Fprintf(&b, ": %s", a.Reason)
		}
		b.WriteByte('\n')
		for _, c := range a.Changes {
			fmt.Fprintf(&b, "    %s: %s → %s\n", c.Field, c.Old, c.New)
		}
	}
	return b.String()
}

// Compute reads the current state of Harbor and ACR EE and returns the actions that
// bring them to setup. It validates everything before returning a plan, so that Apply
// writes nothing doomed: the setup itself (ErrSetup), every selected source
// repository's ACR EE name (ErrInvalidName, ErrFlatten, ErrCollision, all reported at
// once), the namespace (ErrNamespace), the provider type of an endpoint Harbor already
// holds (ErrEndpointType) and the endpoint's connection test (ErrEndpoint). Endpoint
// failures come as a *PreflightError naming the likely cause and the fix in one line. It
// writes nothing.
func Compute(ctx context.Context, c Clients, setup Setup) (*Plan, error) {
	if c.Harbor == nil || c.Namespaces == nil {
		return nil, fmt.Errorf("%w: Harbor and Namespaces clients are required", ErrSetup)
	}
	s := setup.withDefaults()
	if err := s.validate(); err != nil {
		return nil, err
	}
	p := &Plan{Setup: s}
	repos, err := harborSelectedRepos(ctx, c.Harbor, s)
	if err != nil {
		return nil, err
	}
	if p.Repositories, err = replication.MapNames(s.Flattener(), repos, s.names().Validate); err != nil {
		return nil, fmt.Errorf("mapping %d source repositories into %q: %w", len(repos), s.Namespace, err)
	}
	if err := p.planNamespace(ctx, c.Namespaces); err != nil {
		return nil, err
	}
	if err := p.planEndpoint(ctx, c); err != nil {
		return nil, err
	}
	if err := p.planPolicy(ctx, c.Harbor); err != nil {
		return nil, err
	}
	if err := p.planExecution(ctx, c); err != nil {
		return nil, err
	}
	return p, nil
}

// harborSelectedRepos lists the source repositories s's name filters select.
func harborSelectedRepos(ctx context.Context, h harbor.Content, s Setup) ([]string, error) {
	sel, err := s.selector()
	if err != nil {
		return nil, err
	}
	projects := s.Projects
	if len(projects) == 0 {
		all, err := h.ListProjects(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing Harbor projects: %w", err)
		}
		for _, pr := range all {
			projects = append(projects, pr.Name)
		}
	} else {
		for _, name := range projects {
			if _, err := h.GetProject(ctx, name); err != nil {
				return nil, fmt.Errorf("reading Harbor project %q: %w", name, err)
			}
		}
	}
	var repos []string
	for _, pr := range projects {
		rs, err := h.ListRepositories(ctx, pr)
		if err != nil {
			return nil, fmt.Errorf("listing repositories of Harbor project %q: %w", pr, err)
		}
		for _, r := range rs {
			if sel.MatchRepository(r.Name) {
				repos = append(repos, r.Name)
			}
		}
	}
	slices.Sort(repos)
	return repos, nil
}

func (p *Plan) planNamespace(ctx context.Context, n NamespaceEnsurer) error {
	name, spec := p.Setup.Namespace, p.Setup.namespaceSpec()
	ns, found, err := n.GetNamespace(ctx, name)
	if err != nil {
		return fmt.Errorf("reading ACR EE namespace %q: %w", name, err)
	}
	missing := !found
	switch {
	case missing && p.Setup.ExistingNamespace:
		return fmt.Errorf("%w: namespace %q does not exist (and the setup says not to create it)", ErrNamespace, name)
	case missing:
		p.Actions = append(p.Actions, Action{Kind: EnsureNamespace, Name: name,
			Reason: fmt.Sprintf("namespace does not exist: create it with auto-create repository ON, %s", spec.DefaultRepoType)})
		return nil
	case !ns.AutoCreateRepo && p.Setup.ExistingNamespace:
		return fmt.Errorf("%w: namespace %q has auto-create repository OFF: pushes to new repositories would be refused", ErrNamespace, name)
	case p.Setup.ExistingNamespace:
		return nil
	}
	var ch []FieldChange
	if !ns.AutoCreateRepo {
		ch = append(ch, FieldChange{Field: "auto_create_repo", Old: "false", New: "true"})
	}
	if !strings.EqualFold(ns.DefaultRepoType, spec.DefaultRepoType) {
		ch = append(ch, FieldChange{Field: "default_repo_type", Old: ns.DefaultRepoType, New: spec.DefaultRepoType})
	}
	if len(ch) > 0 {
		p.Actions = append(p.Actions, Action{Kind: EnsureNamespace, Name: name, Changes: ch, Reason: "namespace differs"})
	}
	return nil
}

func (p *Plan) planEndpoint(ctx context.Context, c Clients) error {
	h := c.Harbor
	want := p.Setup.registry()
	all, err := h.ListRegistries(ctx)
	if err != nil {
		return fmt.Errorf("listing Harbor registry endpoints: %w", err)
	}
	i := slices.IndexFunc(all, func(r harbor.Registry) bool { return r.Name == want.Name })
	// Harbor's update has no type field: an endpoint of another provider type would be
	// "updated" forever while every manifest check 404s.
	if i >= 0 && all[i].Type != want.Type {
		return endpointTypeError(all[i], want.Type)
	}
	if err := h.PingRegistry(ctx, want); err != nil {
		return fmt.Errorf("testing Harbor's connection to endpoint %q: %w", want.Name, diagnoseEndpoint(ctx, c, p.Setup.Endpoint, err))
	}
	if i < 0 {
		p.Actions = append(p.Actions, Action{Kind: CreateEndpoint, Name: want.Name, Reason: "no endpoint of that name"})
		return nil
	}
	have := all[i]
	p.EndpointID = have.ID
	changes := harborEndpointChanges(have, want)
	if len(changes) == 0 {
		// Harbor never shows a stored secret: test it instead of comparing it.
		if err := h.PingRegistry(ctx, harbor.Registry{ID: have.ID}); err != nil {
			changes = append(changes, FieldChange{Field: "access_secret", Old: "rejected", New: "(setup's)"})
		}
	}
	if len(changes) > 0 {
		p.Actions = append(p.Actions, Action{Kind: UpdateEndpoint, Name: want.Name, ID: have.ID, Changes: changes, Reason: "endpoint differs"})
	}
	return nil
}

func harborEndpointChanges(have, want harbor.Registry) []FieldChange {
	var ch []FieldChange
	add := func(field, old, new string) {
		if old != new {
			ch = append(ch, FieldChange{Field: field, Old: old, New: new})
		}
	}
	add("description", have.Description, want.Description)
	add("type", have.Type, want.Type)
	add("url", strings.TrimRight(have.URL, "/"), want.URL)
	add("insecure", fmt.Sprint(have.Insecure), fmt.Sprint(want.Insecure))
	key := func(r harbor.Registry) string {
		if r.Credential == nil {
			return ""
		}
		return r.Credential.AccessKey
	}
	add("access_key", key(have), key(want))
	return ch
}

func (p *Plan) planPolicy(ctx context.Context, h harbor.Policies) error {
	want := p.Setup.policy(p.EndpointID)
	have, err := h.GetPolicyByName(ctx, want.Name)
	if errors.Is(err, harbor.ErrNotFound) {
		p.Actions = append(p.Actions, Action{Kind: CreatePolicy, Name: want.Name, Reason: "no policy of that name"})
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading replication policy %q: %w", want.Name, err)
	}
	p.PolicyID = have.ID
	if ch := harborPolicyChanges(*have, want); len(ch) > 0 {
		p.Actions = append(p.Actions, Action{Kind: UpdatePolicy, Name: want.Name, ID: have.ID, Changes: ch, Reason: "policy drifted"})
	}
	return nil
}

func harborPolicyChanges(have, want harbor.Policy) []FieldChange {
	var ch []FieldChange
	add := func(field string, old, new any) {
		o, n := fmt.Sprint(old), fmt.Sprint(new)
		if o != n {
			ch = append(ch, FieldChange{Field: field, Old: o, New: n})
		}
	}
	add("description", have.Description, want.Description)
	add("src_registry", have.SrcRegistryID, want.SrcRegistryID)
	if want.DestRegistryID == 0 {
		add("dest_registry", have.DestRegistryID, "(new endpoint)")
	} else {
		add("dest_registry", have.DestRegistryID, want.DestRegistryID)
	}
	add("dest_namespace", have.DestNamespace, want.DestNamespace)
	add("dest_namespace_replace_count", have.DestNamespaceReplaceCount, want.DestNamespaceReplaceCount)
	add("filters", harborFilterKey(have.Filters), harborFilterKey(want.Filters))
	add("trigger", harborTriggerKey(have.Trigger), harborTriggerKey(want.Trigger))
	add("speed", harborSpeedKey(have.Speed), harborSpeedKey(want.Speed))
	add("override", have.Override, want.Override)
	add("enabled", have.Enabled, want.Enabled)
	add("deletion", have.ReplicateDeletion, want.ReplicateDeletion)
	return ch
}

func harborFilterKey(fs []harbor.Filter) string {
	var keys []string
	for _, f := range fs {
		dec := f.Decoration
		if dec == "" {
			dec = harbor.DecorationMatches
		}
		v := f.Value
		if f.Type == harbor.FilterLabel {
			l := slices.Clone(f.Labels)
			slices.Sort(l)
			v = "[" + strings.Join(l, ",") + "]"
		}
		keys = append(keys, fmt.Sprintf("%s %s %s", f.Type, dec, v))
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return "(all)"
	}
	return strings.Join(keys, "; ")
}

func harborTriggerKey(t harbor.Trigger) string {
	if t.Type == harbor.TriggerScheduled {
		return t.Type + " " + t.Cron
	}
	return t.Type
}

func harborSpeedKey(s int32) string {
	if s <= 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%d kbit/s", s)
}

func (p *Plan) planExecution(ctx context.Context, c Clients) error {
	run := Action{Kind: RunExecution, Name: p.Setup.Policy, ID: p.PolicyID}
	for _, a := range p.Actions {
		switch a.Kind {
		case CreatePolicy:
			run.Reason = "initial execution of the new policy"
		case UpdatePolicy:
			run.Reason = "run the changed policy once"
		default:
			continue
		}
		p.Actions = append(p.Actions, run)
		return nil
	}
	if c.Tags != nil {
		// ACR EE's content is the evidence: a copy made by the direct executor, or an
		// execution whose record was purged, counts as long as everything is there.
		v, err := p.Setup.Verifier(c.Harbor, c.Tags)
		if err != nil {
			return err
		}
		r, err := v.Verify(ctx)
		if err != nil {
			return err
		}
		p.Lag = r
		if !r.Complete() {
			run.Reason = fmt.Sprintf("ACR EE lags: %d missing, %d stale", len(r.Missing), len(r.Stale))
			p.Actions = append(p.Actions, run)
		}
		return nil
	}
	execs, err := c.Harbor.ListExecutions(ctx, p.PolicyID)
	if err != nil {
		return fmt.Errorf("listing executions of policy %d: %w", p.PolicyID, err)
	}
	if !slices.ContainsFunc(execs, func(e harbor.Execution) bool { return e.Status == harbor.StatusSucceed }) {
		run.Reason = "no execution of the policy has succeeded"
		p.Actions = append(p.Actions, run)
	}
	return nil
}
