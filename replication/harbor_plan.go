package replication

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/harbor"
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

// HarborClients are what PlanHarbor and Apply talk to.
type HarborClients struct {
	// Harbor is the source Harbor (required).
	Harbor HarborAPI
	// Namespaces is the ACR EE instance's namespace API (required).
	Namespaces NamespaceEnsurer
	// Tags lists ACR EE repositories (optional). With it, PlanHarbor runs Verify on a
	// converged setup and plans an execution only when something is missing.
	Tags TagLister
}

// HarborActionKind is what one HarborAction does.
type HarborActionKind string

// Actions, in the order Apply performs them.
const (
	HarborEnsureNamespace HarborActionKind = "ensure-namespace"
	HarborCreateEndpoint  HarborActionKind = "create-endpoint"
	HarborUpdateEndpoint  HarborActionKind = "update-endpoint"
	HarborCreatePolicy    HarborActionKind = "create-policy"
	HarborUpdatePolicy    HarborActionKind = "update-policy"
	HarborRunExecution    HarborActionKind = "run-execution"
)

// HarborFieldChange is one field that differs between what is and what the setup wants.
// Secrets never appear: a rejected stored secret shows as Old "rejected".
type HarborFieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// HarborAction is one write Apply performs.
type HarborAction struct {
	Kind HarborActionKind `json:"kind"`
	// Name is the namespace, endpoint or policy the action is about.
	Name string `json:"name"`
	// ID is the existing endpoint or policy updated, or the policy run.
	ID int64 `json:"id,omitempty"`
	// Changes lists the differing fields of an update.
	Changes []HarborFieldChange `json:"changes,omitempty"`
	// Reason says why the action is needed.
	Reason string `json:"reason,omitempty"`
}

func (a HarborAction) describe() string {
	s := string(a.Kind) + " " + fmt.Sprintf("%q", a.Name)
	if a.ID != 0 {
		s += fmt.Sprintf(" (id %d)", a.ID)
	}
	return s
}

// HarborPlan is what Apply will do to converge Harbor and ACR EE on a HarborSetup: a value
// with no I/O, safe to print and to save as JSON (the endpoint secret is redacted, so a
// plan read back needs HarborApplyOptions.AccessSecret to create or update the endpoint).
type HarborPlan struct {
	// Setup is the desired state, defaults filled in.
	Setup HarborSetup `json:"setup"`
	// Actions are the writes needed, in order. None: converged.
	Actions []HarborAction `json:"actions"`
	// Repositories maps every source repository the filters select to its ACR EE name.
	Repositories map[string]string `json:"repositories"`
	// EndpointID and PolicyID are the existing endpoint and policy, 0 if to be created.
	EndpointID int64 `json:"endpointId,omitempty"`
	PolicyID   int64 `json:"policyId,omitempty"`
	// Lag is Verify's report when the plan could check completeness (HarborClients.Tags).
	Lag *LagReport `json:"lag,omitempty"`
}

// HasChanges reports whether applying the plan would write anything.
func (p *HarborPlan) HasChanges() bool { return p != nil && len(p.Actions) > 0 }

// String describes the plan for people, one line per action; the secret never shows.
func (p *HarborPlan) String() string {
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

// PlanHarbor reads the current state of Harbor and ACR EE and returns the actions that
// bring them to setup. It validates everything before returning a plan, so that Apply
// writes nothing doomed: the setup itself (ErrHarborSetup), every selected source
// repository's ACR EE name (ErrInvalidName, ErrFlatten, ErrCollision, all reported at
// once), the namespace (ErrHarborNamespace) and the endpoint's connection test
// (ErrHarborEndpoint). It writes nothing.
func PlanHarbor(ctx context.Context, c HarborClients, setup HarborSetup) (*HarborPlan, error) {
	if c.Harbor == nil || c.Namespaces == nil {
		return nil, fmt.Errorf("%w: Harbor and Namespaces clients are required", ErrHarborSetup)
	}
	s := setup.withDefaults()
	if err := s.validate(); err != nil {
		return nil, err
	}
	p := &HarborPlan{Setup: s}
	repos, err := harborSelectedRepos(ctx, c.Harbor, s)
	if err != nil {
		return nil, err
	}
	if p.Repositories, err = MapNames(s.Flattener(), repos, ValidateACRName); err != nil {
		return nil, fmt.Errorf("mapping %d source repositories into %q: %w", len(repos), s.Namespace, err)
	}
	if err := p.planNamespace(ctx, c.Namespaces); err != nil {
		return nil, err
	}
	if err := p.planEndpoint(ctx, c.Harbor); err != nil {
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
func harborSelectedRepos(ctx context.Context, h harbor.Content, s HarborSetup) ([]string, error) {
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

func (p *HarborPlan) planNamespace(ctx context.Context, n NamespaceEnsurer) error {
	name, spec := p.Setup.Namespace, p.Setup.namespaceSpec()
	ns, err := n.GetNamespace(ctx, name)
	missing := errors.Is(err, acr.ErrNotFound)
	if err != nil && !missing {
		return fmt.Errorf("reading ACR EE namespace %q: %w", name, err)
	}
	switch {
	case missing && p.Setup.ExistingNamespace:
		return fmt.Errorf("%w: namespace %q does not exist (and the setup says not to create it)", ErrHarborNamespace, name)
	case missing:
		p.Actions = append(p.Actions, HarborAction{Kind: HarborEnsureNamespace, Name: name,
			Reason: fmt.Sprintf("namespace does not exist: create it with auto-create repository ON, %s", spec.DefaultRepoType)})
		return nil
	case !ns.AutoCreateRepo && p.Setup.ExistingNamespace:
		return fmt.Errorf("%w: namespace %q has auto-create repository OFF: pushes to new repositories would be refused", ErrHarborNamespace, name)
	case p.Setup.ExistingNamespace:
		return nil
	}
	var ch []HarborFieldChange
	if !ns.AutoCreateRepo {
		ch = append(ch, HarborFieldChange{Field: "auto_create_repo", Old: "false", New: "true"})
	}
	if !strings.EqualFold(ns.DefaultRepoType, spec.DefaultRepoType) {
		ch = append(ch, HarborFieldChange{Field: "default_repo_type", Old: ns.DefaultRepoType, New: spec.DefaultRepoType})
	}
	if len(ch) > 0 {
		p.Actions = append(p.Actions, HarborAction{Kind: HarborEnsureNamespace, Name: name, Changes: ch, Reason: "namespace differs"})
	}
	return nil
}

func (p *HarborPlan) planEndpoint(ctx context.Context, h harbor.Registries) error {
	want := p.Setup.registry()
	if err := h.PingRegistry(ctx, want); err != nil {
		return fmt.Errorf("%w: testing the connection to %s as %q: %w", ErrHarborEndpoint, want.URL, p.Setup.Endpoint.AccessKey, err)
	}
	all, err := h.ListRegistries(ctx)
	if err != nil {
		return fmt.Errorf("listing Harbor registry endpoints: %w", err)
	}
	i := slices.IndexFunc(all, func(r harbor.Registry) bool { return r.Name == want.Name })
	if i < 0 {
		p.Actions = append(p.Actions, HarborAction{Kind: HarborCreateEndpoint, Name: want.Name, Reason: "no endpoint of that name"})
		return nil
	}
	have := all[i]
	p.EndpointID = have.ID
	changes := harborEndpointChanges(have, want)
	if len(changes) == 0 {
		// Harbor never shows a stored secret: test it instead of comparing it.
		if err := h.PingRegistry(ctx, harbor.Registry{ID: have.ID}); err != nil {
			changes = append(changes, HarborFieldChange{Field: "access_secret", Old: "rejected", New: "(setup's)"})
		}
	}
	if len(changes) > 0 {
		p.Actions = append(p.Actions, HarborAction{Kind: HarborUpdateEndpoint, Name: want.Name, ID: have.ID, Changes: changes, Reason: "endpoint differs"})
	}
	return nil
}

func harborEndpointChanges(have, want harbor.Registry) []HarborFieldChange {
	var ch []HarborFieldChange
	add := func(field, old, new string) {
		if old != new {
			ch = append(ch, HarborFieldChange{Field: field, Old: old, New: new})
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

func (p *HarborPlan) planPolicy(ctx context.Context, h harbor.Policies) error {
	want := p.Setup.policy(p.EndpointID)
	have, err := h.GetPolicyByName(ctx, want.Name)
	if errors.Is(err, harbor.ErrNotFound) {
		p.Actions = append(p.Actions, HarborAction{Kind: HarborCreatePolicy, Name: want.Name, Reason: "no policy of that name"})
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading replication policy %q: %w", want.Name, err)
	}
	p.PolicyID = have.ID
	if ch := harborPolicyChanges(*have, want); len(ch) > 0 {
		p.Actions = append(p.Actions, HarborAction{Kind: HarborUpdatePolicy, Name: want.Name, ID: have.ID, Changes: ch, Reason: "policy drifted"})
	}
	return nil
}

func harborPolicyChanges(have, want harbor.Policy) []HarborFieldChange {
	var ch []HarborFieldChange
	add := func(field string, old, new any) {
		o, n := fmt.Sprint(old), fmt.Sprint(new)
		if o != n {
			ch = append(ch, HarborFieldChange{Field: field, Old: o, New: n})
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

func (p *HarborPlan) planExecution(ctx context.Context, c HarborClients) error {
	run := HarborAction{Kind: HarborRunExecution, Name: p.Setup.Policy, ID: p.PolicyID}
	for _, a := range p.Actions {
		switch a.Kind {
		case HarborCreatePolicy:
			run.Reason = "initial execution of the new policy"
		case HarborUpdatePolicy:
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
		v := &Verifier{Harbor: c.Harbor, Tags: c.Tags, Setup: p.Setup}
		lag, err := v.Verify(ctx)
		if err != nil {
			return err
		}
		p.Lag = lag
		if !lag.Complete() {
			run.Reason = fmt.Sprintf("ACR EE lags: %d missing, %d stale", len(lag.Missing), len(lag.Stale))
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
