package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/examples/internal/cli"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication/managed"
	"github.com/regdr/regdr/replication/mirror"
)

var (
	// errRefused: the plan has writes and -yes was not given.
	errRefused = errors.New("refusing to write without -yes")
	// errIncomplete: everything was applied but ACR EE still lacks tags (or their
	// accessories) Harbor holds.
	errIncomplete = errors.New("verification found tags or signatures missing or stale in ACR EE")
)

// world is the two systems the command talks to.
type world struct {
	harbor  *harbor.Client
	clients managed.Clients
	direct  *managed.Direct
}

func newWorld(c *config, log *slog.Logger) (*world, error) {
	hopts := []harbor.Option{harbor.WithBasicAuth(c.harborUser, c.harborPassword.Reveal()), harbor.WithTimeout(c.timeout), harbor.WithLogger(log)}
	if c.harborInsecure {
		hopts = append(hopts, harbor.WithInsecureSkipVerify())
	}
	hc, err := harbor.New(c.harborURL, hopts...)
	if err != nil {
		return nil, fmt.Errorf("building the Harbor client: %w", err)
	}
	// Credentials nil (no secret file): the Alibaba Cloud default credential chain.
	ac, err := acr.New(acr.Config{InstanceID: c.instance, Logger: log, Cloud: alicloud.Config{
		Region: c.region, Endpoint: c.openAPI, Insecure: c.openAPIPlainHTTP, Credentials: c.cloudCreds,
	}})
	if err != nil {
		return nil, fmt.Errorf("building the ACR EE client: %w", err)
	}
	// Registry: when Harbor's connection test fails, regdr tries the same login itself to
	// tell refused credentials from a network that drops Harbor.
	w := &world{harbor: hc, clients: managed.Clients{Harbor: hc, Namespaces: managed.ACR{Client: ac}, Tags: managed.ACR{Client: ac},
		Registry: managed.RegistryProbe{}}}
	if c.direct {
		src, err := syncEndpoint(c.harborURL, c.harborInsecure, &authn.Basic{Username: c.harborUser, Password: c.harborPassword.Reveal()})
		if err != nil {
			return nil, err
		}
		dst, err := syncEndpoint(c.acrURL, c.acrInsecure, &authn.Basic{Username: c.acrUser, Password: c.acrPassword.Reveal()})
		if err != nil {
			return nil, err
		}
		w.direct = &managed.Direct{Source: src, Dest: dst, Jobs: c.jobs, Logger: log}
	}
	return w, nil
}

// syncEndpoint is the registry at rawURL (Harbor's own, or ACR EE's) for the direct executor.
func syncEndpoint(rawURL string, insecure bool, auth authn.Authenticator) (mirror.Endpoint, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return mirror.Endpoint{}, errors.New("registry URL does not parse")
	}
	ep := mirror.Endpoint{Registry: u.Host, PlainHTTP: u.Scheme == "http", Auth: auth}
	if insecure {
		t, err := cli.InsecureTransport(remote.DefaultTransport)
		if err != nil {
			return mirror.Endpoint{}, err
		}
		ep.Transport = t
	}
	return ep, nil
}

// converge plans, and with -yes applies, then verifies. Every outcome is reported on out;
// the error says why the command fails (nil: exit 0).
func (w *world) converge(ctx context.Context, c *config, out *output, h hooks) error {
	s := c.setup
	out.stepf("planning: Harbor %s, ACR EE instance %s, namespace %q, policy %q", c.harborURL, c.instance, namespaceOf(s), s.Policy)
	plan, err := managed.Compute(ctx, w.clients, s)
	if err != nil {
		return fmt.Errorf("planning: %w%s", err, hint(err))
	}
	out.plan = plan
	out.stepf("step 2: Harbor's connection test to %s as %q passed", s.Endpoint.URL, s.Endpoint.AccessKey)
	out.printPlan()
	if c.dryRun {
		out.stepf("dry run: nothing written")
		return nil
	}
	if plan.HasChanges() && !c.yes {
		return fmt.Errorf("%w: the plan above has %d actions; run again with -yes to apply them, or -dry-run to only plan", errRefused, len(plan.Actions))
	}
	if plan.HasChanges() {
		opts := managed.ApplyOptions{
			Wait:     harbor.WaitOptions{Interval: c.poll, Clock: h.clock, Progress: out.executionProgress()},
			OnAction: out.actionDone,
			Logger:   out.log,
		}
		if w.direct != nil {
			d := *w.direct
			d.Progress = out.syncProgress()
			opts.Direct = &d
		}
		out.applied = true
		res, err := plan.Apply(ctx, w.clients, opts)
		out.result = res
		if err != nil {
			return fmt.Errorf("applying: %w", err)
		}
	} else {
		out.stepf("nothing to write: namespace, endpoint and policy are as wanted")
	}

	out.stepf("verifying: every selected Harbor tag, and its signatures, in ACR EE with the same digest")
	v, err := plan.Setup.Verifier(w.harbor, w.clients.Tags)
	if err != nil {
		return fmt.Errorf("verifying: %w", err)
	}
	rep, err := v.Verify(ctx)
	if err != nil {
		return fmt.Errorf("verifying: %w", err)
	}
	out.lag = rep
	out.printLag()
	if !rep.Complete() {
		return fmt.Errorf("%w: %s", errIncomplete, rep)
	}
	out.stepf("done: Harbor replicates %q into ACR EE namespace %q, and ACR EE holds everything selected", s.Policy, plan.Setup.Namespace)
	return nil
}

// namespaceOf is the setup's namespace, defaulted as Compute defaults it.
func namespaceOf(s managed.Setup) string {
	if s.Namespace == "" && len(s.Projects) == 1 {
		return s.Projects[0]
	}
	return s.Namespace
}

// hint says which flag or variable applies the fix the error names. The preflight
// diagnoses (managed.PreflightError) already name the cause and the fix in one line.
func hint(err error) string {
	switch {
	case errors.Is(err, harbor.ErrUnauthorized):
		return " (check the Harbor user and $" + envHarborPassword + ")"
	case errors.Is(err, acr.ErrUserNotActivated):
		return ""
	case errors.Is(err, managed.ErrEndpointType):
		return " (harbor-to-acr registers a docker-registry endpoint: delete that endpoint in Harbor, or choose another -endpoint-name)"
	case errors.Is(err, managed.ErrEndpointCredentials):
		return " (-acr-user or $" + envACRUser + " is the login name, $" + envACRPassword + " the registry password)"
	case errors.Is(err, managed.ErrEndpointUnreachable):
		return " (-acr-url sets the URL, -acr-public picks the instance's public endpoint, -acr-insecure skips TLS verification)"
	case errors.Is(err, managed.ErrEndpoint):
		return " (check -acr-url, the ACR EE login name and $" + envACRPassword + ", and that Harbor can reach the instance)"
	case errors.Is(err, acr.ErrUnauthorized):
		return " (check the Alibaba Cloud credentials of the default chain)"
	case errors.Is(err, managed.ErrNamespace):
		return " (drop -existing-namespace to let regdr create or fix it)"
	}
	return ""
}
