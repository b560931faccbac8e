package managed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/retry"
)

// ApplyOptions tunes Plan.Apply. The zero value has Harbor run the execution
// and polls it every 2 seconds on the system clock.
type ApplyOptions struct {
	// AccessSecret is the endpoint's secret, for a plan read back from JSON (which has
	// lost it). Empty: the plan's own.
	AccessSecret harbor.Secret
	// Direct, if set, copies with the direct sync engine instead of a Harbor execution:
	// same plan, different executor (the runbook's "if you need higher sync speed").
	Direct *Direct
	// Wait tunes the wait for Harbor's execution: Interval, Clock and Progress (called
	// with the execution after every poll).
	Wait harbor.WaitOptions
	// Verify checks after the copy, through Clients.Tags (required with it: Apply
	// refuses with ErrSetup before any write without it), that ACR EE holds
	// everything (Verifier), and fails with ErrIncomplete otherwise; the report is in
	// the result.
	Verify bool
	// OnAction, if set, is called after each action is done.
	OnAction func(Action)
	// Logger receives a record per action. Nil: none.
	Logger *slog.Logger
}

// harborRedacted is what a harbor.Secret becomes through JSON.
var harborRedacted = harbor.Secret("x").String()

// Direct is the direct executor: a Syncer from Harbor's registry to ACR EE's, listing
// Harbor through its API (Source: digests and labels known, no per-tag HEAD).
type Direct struct {
	// Source is Harbor's registry (its host), Dest ACR EE's, each with credentials.
	Source, Dest mirror.Endpoint
	// What to copy, where to and under which names (the source listing, flattening, name
	// validation, selection, override) comes from the plan's setup; the rest tunes the
	// copy as in mirror.Options.

	// Jobs bounds the requests in flight to each registry (mirror.Options.Jobs); 0:
	// mirror.DefaultJobs, negative is refused.
	Jobs int
	// Limiter is the bandwidth budget shared by every transfer. Nil: one budget of the
	// setup's BytesPerSecond (unlike Harbor's per-blob speed), or unlimited.
	Limiter replication.BandwidthLimiter
	// Retry, Timeout and GiveUp bound the copy's requests as in mirror.Options.
	Retry   retry.Policy
	Timeout time.Duration
	GiveUp  time.Duration
	// Referrers picks which images the referrers API is asked about.
	Referrers mirror.Referrers
	// Reverify makes the final check cover items already in place too.
	Reverify bool
	// Clock times backoffs and the report. Nil: the system clock.
	Clock clock.Clock
	// Progress receives the copy's events (see mirror.Options.Progress).
	Progress func(mirror.Event)
	// Logger receives debug and warning records. Nil: none.
	Logger *slog.Logger
}

// ApplyResult is what Apply did.
type ApplyResult struct {
	// Done are the actions performed, in order.
	Done []Action `json:"done"`
	// EndpointID and PolicyID are the endpoint and policy, created or existing.
	EndpointID int64 `json:"endpoint_id,omitempty"`
	PolicyID   int64 `json:"policy_id,omitempty"`
	// Execution is Harbor's execution, when one ran.
	Execution *harbor.Execution `json:"execution,omitempty"`
	// Sync is the direct executor's report, when it ran.
	Sync *mirror.Report `json:"sync,omitempty"`
	// Lag is the check made with ApplyOptions.Verify.
	Lag *lag.Report `json:"lag,omitempty"`
}

// Apply performs the plan's actions in order: ensure the namespace, create or update the
// endpoint, create or update the policy, run the copy and wait for it to end. Each action
// checks before it writes, so applying a converged plan writes nothing, and applying a plan
// twice converges. Apply stops at the first failed action with a *ActionError that
// records what was done; a failed execution is a *ExecutionError listing its failed
// tasks. The result is returned in every case.
func (p *Plan) Apply(ctx context.Context, c Clients, opts ApplyOptions) (*ApplyResult, error) {
	res := &ApplyResult{EndpointID: p.EndpointID, PolicyID: p.PolicyID}
	if c.Harbor == nil || c.Namespaces == nil {
		return res, fmt.Errorf("%w: Harbor and Namespaces clients are required", ErrSetup)
	}
	if opts.Verify && c.Tags == nil {
		// Without a way to list ACR EE, the copy would be reported done unverified.
		return res, fmt.Errorf("%w: verifying needs the Tags client (ACR EE's tag listing)", ErrSetup)
	}
	s := p.Setup.withDefaults()
	if err := s.validate(); err != nil {
		return res, err
	}
	if opts.AccessSecret != "" {
		s.Endpoint.AccessSecret = opts.AccessSecret
	}
	needsSecret := slices.ContainsFunc(p.Actions, func(a Action) bool {
		return a.Kind == CreateEndpoint || a.Kind == UpdateEndpoint
	})
	if needsSecret && s.Endpoint.AccessKey != "" && (s.Endpoint.AccessSecret == "" || s.Endpoint.AccessSecret.Reveal() == harborRedacted) {
		return res, fmt.Errorf("%w: endpoint %q", ErrSecret, s.Endpoint.Name)
	}
	for _, a := range p.Actions {
		err := p.apply(ctx, c, s, a, res, opts)
		if err != nil {
			return res, &ActionError{Action: a, Done: slices.Clone(res.Done), Err: err}
		}
		res.Done = append(res.Done, a)
		if opts.Logger != nil {
			opts.Logger.LogAttrs(ctx, slog.LevelInfo, "harbor replication action done",
				slog.String("kind", string(a.Kind)), slog.String("name", a.Name))
		}
		if opts.OnAction != nil {
			opts.OnAction(a)
		}
	}
	return res, nil
}

func (p *Plan) apply(ctx context.Context, c Clients, s Setup, a Action, res *ApplyResult, opts ApplyOptions) error {
	switch a.Kind {
	case EnsureNamespace:
		if err := c.Namespaces.EnsureNamespace(ctx, a.Name, s.namespaceSpec()); err != nil {
			return fmt.Errorf("ensuring ACR EE namespace %q: %w", a.Name, err)
		}
		return nil
	case CreateEndpoint, UpdateEndpoint:
		return applyHarborEndpoint(ctx, c.Harbor, s, res)
	case CreatePolicy, UpdatePolicy:
		return applyHarborPolicy(ctx, c.Harbor, s, res)
	case RunExecution:
		var err error
		if opts.Direct != nil {
			err = p.runDirect(ctx, c, s, res, opts.Direct)
		} else {
			err = runHarborExecution(ctx, c.Harbor, res, opts.Wait, s.Endpoint.Type)
		}
		if err != nil || !opts.Verify {
			return err
		}
		v, err := s.Verifier(c.Harbor, c.Tags)
		if err != nil {
			return err
		}
		v.Clock = opts.Wait.Clock
		if res.Lag, err = v.Verify(ctx); err != nil {
			return fmt.Errorf("verifying: %w", err)
		}
		if !res.Lag.Complete() {
			return fmt.Errorf("%w: %s: %s", ErrIncomplete, res.Lag, lag.Describe(append(res.Lag.Missing, res.Lag.Stale...)))
		}
		return nil
	default:
		return fmt.Errorf("%w: unknown action %q", ErrSetup, a.Kind)
	}
}

// applyHarborEndpoint creates the endpoint, or updates the one of that name if it differs
// (or exists since the plan was made).
func applyHarborEndpoint(ctx context.Context, h HarborAPI, s Setup, res *ApplyResult) error {
	want := s.registry()
	all, err := h.ListRegistries(ctx)
	if err != nil {
		return fmt.Errorf("listing Harbor registry endpoints: %w", err)
	}
	if i := slices.IndexFunc(all, func(r harbor.Registry) bool { return r.Name == want.Name }); i >= 0 {
		want.ID = all[i].ID
		res.EndpointID = want.ID
		if len(harborEndpointChanges(all[i], want)) == 0 && h.PingRegistry(ctx, harbor.Registry{ID: want.ID}) == nil {
			return nil
		}
		if err := h.UpdateRegistry(ctx, want); err != nil {
			return fmt.Errorf("updating registry endpoint %q: %w", want.Name, err)
		}
		return nil
	}
	id, err := h.CreateRegistry(ctx, want)
	if err != nil {
		return fmt.Errorf("creating registry endpoint %q: %w", want.Name, err)
	}
	res.EndpointID = id
	return nil
}

// applyHarborPolicy creates the policy, or updates the one of that name if it differs.
func applyHarborPolicy(ctx context.Context, h HarborAPI, s Setup, res *ApplyResult) error {
	if res.EndpointID == 0 {
		all, err := h.ListRegistries(ctx)
		if err != nil {
			return fmt.Errorf("listing Harbor registry endpoints: %w", err)
		}
		i := slices.IndexFunc(all, func(r harbor.Registry) bool { return r.Name == s.Endpoint.Name })
		if i < 0 {
			return fmt.Errorf("%w: endpoint %q does not exist", harbor.ErrNotFound, s.Endpoint.Name)
		}
		res.EndpointID = all[i].ID
	}
	want := s.policy(res.EndpointID)
	have, err := h.GetPolicyByName(ctx, want.Name)
	switch {
	case errors.Is(err, harbor.ErrNotFound):
		id, err := h.CreatePolicy(ctx, want)
		if err != nil {
			return fmt.Errorf("creating replication policy %q: %w", want.Name, err)
		}
		res.PolicyID = id
		return nil
	case err != nil:
		return fmt.Errorf("reading replication policy %q: %w", want.Name, err)
	}
	res.PolicyID = have.ID
	if len(harborPolicyChanges(*have, want)) == 0 {
		return nil
	}
	want.ID = have.ID
	// PUT replaces the whole policy: keep what the setup does not manage.
	want.CopyByChunk = have.CopyByChunk
	if err := h.UpdatePolicy(ctx, want); err != nil {
		return fmt.Errorf("updating replication policy %q: %w", want.Name, err)
	}
	return nil
}

// runHarborExecution starts the policy once and waits for the execution to end.
func runHarborExecution(ctx context.Context, h HarborAPI, res *ApplyResult, wo harbor.WaitOptions, endpointType string) error {
	if res.PolicyID == 0 {
		return fmt.Errorf("%w: no policy to run", harbor.ErrNotFound)
	}
	id, err := h.StartExecution(ctx, res.PolicyID)
	if err != nil {
		return fmt.Errorf("starting policy %d: %w", res.PolicyID, err)
	}
	exec, err := h.Wait(ctx, id, wo)
	if exec != nil {
		e := *exec
		res.Execution = &e
	}
	if err == nil {
		return nil
	}
	if !errors.Is(err, harbor.ErrExecutionFailed) && !errors.Is(err, harbor.ErrStopped) {
		return fmt.Errorf("waiting for execution %d: %w", id, err)
	}
	xe := &ExecutionError{Err: err}
	if exec != nil {
		xe.Execution = *exec
	}
	tasks, terr := h.ListTasks(ctx, id)
	if terr != nil {
		return errors.Join(xe, fmt.Errorf("listing tasks of execution %d: %w", id, terr))
	}
	for _, t := range tasks {
		if t.Status != harbor.StatusSucceed {
			xe.FailedTasks = append(xe.FailedTasks, t)
		}
	}
	diagnoseTasks(ctx, h, xe, endpointType)
	return xe
}

// runDirect copies with the sync engine instead of a Harbor execution.
func (p *Plan) runDirect(ctx context.Context, c Clients, s Setup, res *ApplyResult, d *Direct) error {
	sel, err := s.selector()
	if err != nil {
		return err
	}
	o := mirror.Options{
		Source:    &Source{Harbor: c.Harbor, Setup: s},
		Flattener: s.Flattener(),
		Validate:  s.names().Validate,
		Selector:  sel,
		Override:  s.Override,
		Jobs:      d.Jobs, Limiter: d.Limiter, Retry: d.Retry, Timeout: d.Timeout, GiveUp: d.GiveUp, Referrers: d.Referrers, Reverify: d.Reverify,
		Clock: d.Clock, Progress: d.Progress, Logger: d.Logger,
	}
	if o.Limiter == nil && s.BytesPerSecond > 0 {
		o.Limiter = replication.NewBandwidthLimiter(s.BytesPerSecond)
	}
	sy, err := mirror.New(d.Source, d.Dest, o)
	if err != nil {
		return err
	}
	plan, err := sy.Plan(ctx)
	if err != nil {
		return fmt.Errorf("planning the direct copy: %w", err)
	}
	rep, err := sy.Apply(ctx, plan)
	res.Sync = rep
	if err != nil {
		return fmt.Errorf("direct copy: %w", err)
	}
	return nil
}
