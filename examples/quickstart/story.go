package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/acr/acrtest"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/harbor/harbortest"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/managed"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/replication/reverse"
)

// story runs the runbook step by step, printing a line per step and counting checks.
type story struct {
	w      *world
	out    io.Writer
	plans  bool
	clock  *skipClock
	checks int

	client  *vpcClient
	harbor  *harbor.Client
	acr     *acr.Client
	setup   managed.Setup
	clients managed.Clients
	policy  int64
	pushed  map[string]v1.Hash // repo:tag → digest pushed into Harbor
	// outageRef is the tag the client pushed into ACR EE during the outage, by its ACR EE
	// (flattened) name, and outageHarborRef the Harbor name it maps back to.
	outageRef, outageHarborRef string

	dir         string // for the journal
	journalPath string
	journal     *failover.FileJournal
	sw          *failover.Switcher
	primary     *failover.Checker
	secondary   *failover.Checker
}

var (
	harborLogin = &authn.Basic{Username: harbortest.DefaultAdmin, Password: harbortest.DefaultPassword}
	acrLogin    = &authn.Basic{Username: acrUser, Password: acrPassword}
)

// ok prints a check that held.
func (s *story) ok(format string, args ...any) {
	s.checks++
	fmt.Fprintf(s.out, "✓ "+format+"\n", args...)
}

// note prints a line that is not a check.
func (s *story) note(format string, args ...any) {
	fmt.Fprintf(s.out, "  "+format+"\n", args...)
}

// show prints a plan, indented, unless -q.
func (s *story) show(title string, v fmt.Stringer) {
	if !s.plans {
		return
	}
	fmt.Fprintf(s.out, "  ┌ %s\n", title)
	for _, line := range strings.Split(strings.TrimRight(v.String(), "\n"), "\n") {
		fmt.Fprintf(s.out, "  │ %s\n", line)
	}
	fmt.Fprintln(s.out, "  └")
}

func (s *story) run(ctx context.Context) error {
	var err error
	w := s.w
	if s.dir, err = os.MkdirTemp("", "regdr-quickstart-"); err != nil {
		return err
	}
	defer os.RemoveAll(s.dir)
	defer func() {
		if s.journal != nil {
			s.journal.Close()
		}
	}()
	fmt.Fprintf(s.out, "regdr quickstart: Harbor %s · ACR EE %s (%s, registry %s) · PrivateZone %s for %s and %s · DNS for %s at %s\n",
		w.harborURL, "cri-acrtest", acrDomain, w.acrURL, customName, clientVPC, acrVPC, clientVPC, w.dnsAddr)
	if s.harbor, err = w.harborClient(); err != nil {
		return err
	}
	if s.acr, err = w.acrClient(); err != nil {
		return err
	}
	s.client = newVPCClient(w)
	for _, step := range []func(context.Context) error{
		s.pushImages,
		s.replicate,
		s.eventTrigger,
		s.failover,
		s.pullFromACR,
		s.failback,
	} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// pushImages: the client pushes into Harbor by the custom name.
func (s *story) pushImages(ctx context.Context) error {
	answer, err := s.client.resolve(ctx)
	if err != nil {
		return fmt.Errorf("resolve %s in %s: %w", customName, clientVPC, err)
	}
	if answer != fmt.Sprint([]string{harborIP}) {
		return fmt.Errorf("%s resolves to %s in %s, want Harbor's %s", customName, answer, clientVPC, harborIP)
	}
	s.ok("client in %s: %s → %s (Harbor)", clientVPC, customName, answer)

	fx := images{seed: 1, layerSize: 64 << 10}
	nginx := fx.image("nginx:1.25", 0, 1, 2)
	pushes := []struct {
		ref string
		img interface {
			Digest() (v1.Hash, error)
			Size() (int64, error)
			MediaType() (types.MediaType, error)
		}
	}{
		{project + "/nginx:1.25", nginx},
		{project + "/team-a/api:v1", fx.ociImage("api:v1", 0, 3)},
		{project + "/busybox:1.36", fx.index("busybox:1.36", []string{"linux/amd64", "linux/arm64"}, 4)},
		{project + "/nginx:" + cosignTag(descriptor(nginx).Digest), fx.signature(descriptor(nginx), "signed by ci")},
		{"sandbox/scratch:dev", fx.image("scratch:dev", 5)},
	}
	s.pushed = map[string]v1.Hash{}
	for _, im := range pushes {
		if err := s.client.push(ctx, im.ref, im.img, harborLogin); err != nil {
			return fmt.Errorf("push %s/%s: %w", s.client.host, im.ref, err)
		}
		s.pushed[im.ref] = descriptor(im.img).Digest
	}
	s.ok("pushed %d artifacts into Harbor as %s: nginx:1.25, a nested team-a/api:v1, a linux/amd64+arm64 index busybox:1.36, nginx's cosign signature, and sandbox/scratch:dev in another project",
		len(pushes), s.client.host)
	return nil
}

// cosignTag is the tag cosign stores a signature of digest d under.
func cosignTag(d v1.Hash) string { return d.Algorithm + "-" + d.Hex + ".sig" }

// replicate: the runbook's steps 1–3 as Compute and Apply, then Verify.
func (s *story) replicate(ctx context.Context) error {
	s.setup = managed.Setup{
		Policy:   project + "-to-acr",
		Projects: []string{project}, // namespace test-project, flatten 1 level, event-based (the defaults)
		Endpoint: managed.Endpoint{
			Name: "acr-ee",
			// In production: managed.ACREndpointURL(instance, region, vpc).
			URL:       s.w.acrURL,
			AccessKey: acrUser, AccessSecret: acrPassword,
		},
		BytesPerSecond: 20 << 20,
	}
	s.clients = managed.Clients{Harbor: s.harbor, Namespaces: managed.ACR{Client: s.acr}, Tags: managed.ACR{Client: s.acr}}
	// The runbook recommends "flatten 1 level", which keeps team-a/api three components
	// deep. ACR EE takes such multi-tier names; a target that holds only
	// namespace/repository (ACR Personal Edition: MaxDepth 2) does not, and the plan for it
	// refuses before any write.
	personal := s.setup
	personal.MaxDepth = 2
	_, err := managed.Compute(ctx, s.clients, personal)
	if !errors.Is(err, replication.ErrInvalidName) {
		return fmt.Errorf("planning flatten 1 level over a nested repository for namespace/repository names: %v, want ErrInvalidName", err)
	}
	if regs, lerr := s.harbor.ListRegistries(ctx); lerr != nil || len(regs) > 0 || len(s.w.acr.Namespaces(acrtest.DefaultInstanceID)) > 0 {
		return fmt.Errorf("a refused plan wrote something (%d endpoints, %v)", len(regs), lerr)
	}
	s.ok("flatten 1 level into namespace/repository names refused before any write: %v", err)
	// This story flattens every level, so that each image lands as namespace/name.
	flattenAll := harbor.FlattenAll
	s.setup.Flatten = &flattenAll
	plan, err := managed.Compute(ctx, s.clients, s.setup)
	if err != nil {
		return fmt.Errorf("plan runbook steps 1–3: %w", err)
	}
	var kinds []string
	for _, a := range plan.Actions {
		kinds = append(kinds, string(a.Kind))
	}
	s.ok("planned runbook steps 1–3: %s", strings.Join(kinds, ", "))
	s.show("replication plan (as reviewed; the endpoint secret is redacted)", plan)

	step := map[managed.ActionKind]string{
		managed.EnsureNamespace: "step 1: ACR EE namespace %s: auto-create repositories ON, default type PRIVATE",
		managed.CreateEndpoint:  "step 2: Harbor endpoint %s registered and its connection test passed",
		managed.CreatePolicy:    "step 3: replication policy %s: push-based, event-triggered, flatten all levels, 20 MiB/s",
		managed.RunExecution:    "step 3: policy %s run",
	}
	lastLine := ""
	res, err := plan.Apply(ctx, s.clients, managed.ApplyOptions{
		Verify: true,
		OnAction: func(a managed.Action) {
			if f, ok := step[a.Kind]; ok {
				s.ok(f, a.Name)
			} else {
				s.ok("%s %s", a.Kind, a.Name)
			}
		},
		Wait: harbor.WaitOptions{Interval: 20 * time.Millisecond, Progress: func(e harbor.Execution) {
			line := fmt.Sprintf("execution %d: %s, %d/%d tasks done", e.ID, e.Status, e.Succeed, e.Total)
			if line != lastLine {
				s.note("%s", line)
				lastLine = line
			}
		}},
	})
	if err != nil {
		return fmt.Errorf("apply runbook steps 1–3: %w", err)
	}
	s.policy = res.PolicyID
	if res.Execution == nil || res.Execution.Status != harbor.StatusSucceed {
		return fmt.Errorf("the first execution did not succeed: %+v", res.Execution)
	}
	s.ok("execution %d succeeded: %d/%d repositories replicated", res.Execution.ID, res.Execution.Succeed, res.Execution.Total)
	if err := s.checkLag(res.Lag); err != nil {
		return err
	}

	// What the Verifier does not look at: accessories, the flattening, the filter.
	tags, err := s.acr.TagsOf(ctx, project+"/nginx")
	if err != nil {
		return err
	}
	sig := cosignTag(s.pushed[project+"/nginx:1.25"])
	if !slices.ContainsFunc(tags, func(t acr.Tag) bool {
		return t.Tag == sig && t.Digest == s.pushed[project+"/nginx:"+sig].String()
	}) {
		return fmt.Errorf("ACR EE %s/nginx lacks the cosign signature %s", project, sig)
	}
	s.ok("the cosign signature came along; team-a/api is %s/api in ACR EE; sandbox was not replicated", project)
	if _, err := s.acr.TagsOf(ctx, "sandbox/scratch"); err == nil {
		return fmt.Errorf("sandbox/scratch reached ACR EE though the policy selects %s only", project)
	}
	again, err := managed.Compute(ctx, s.clients, s.setup)
	if err != nil {
		return err
	}
	if again.HasChanges() {
		return fmt.Errorf("a second plan still has changes:\n%s", again)
	}
	s.ok("planning again finds nothing to do: the setup has converged")
	return nil
}

// checkLag checks that a verification found ACR EE complete.
func (s *story) checkLag(r *lag.Report) error {
	if r == nil || !r.Complete() {
		return fmt.Errorf("ACR EE is incomplete: %v", r)
	}
	s.ok("verified: %s", r)
	for _, e := range r.Extra {
		s.note("extra: %+v", e)
	}
	return nil
}

// verifier is the completeness check of the setup.
func (s *story) verifier() (*lag.Verifier, error) {
	v, err := s.setup.Verifier(s.harbor, managed.ACR{Client: s.acr})
	if err != nil {
		return nil, err
	}
	v.Clock = s.clock
	// The reverse lag lists every repository of the namespace, to see those created
	// during the outage too.
	if v.Namespace == "" {
		v.Namespace = project
	}
	return v, nil
}

// verify runs the completeness check.
func (s *story) verify(ctx context.Context) error {
	v, err := s.verifier()
	if err != nil {
		return err
	}
	r, err := v.Verify(ctx)
	if err != nil {
		return err
	}
	return s.checkLag(r)
}

// eventTrigger: a push Harbor replicates on its own.
func (s *story) eventTrigger(ctx context.Context) error {
	before, err := s.harbor.ListExecutions(ctx, s.policy)
	if err != nil {
		return err
	}
	img := images{seed: 2, layerSize: 64 << 10}.image("nginx:1.26", 0, 1, 6)
	ref := project + "/nginx:1.26"
	if err := s.client.push(ctx, ref, img, harborLogin); err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	s.pushed[ref] = descriptor(img).Digest
	after, err := s.harbor.ListExecutions(ctx, s.policy)
	if err != nil {
		return err
	}
	var ev *harbor.Execution
	for i := range after {
		if after[i].Trigger == harbor.TriggerEventBased && !slices.ContainsFunc(before, func(e harbor.Execution) bool { return e.ID == after[i].ID }) {
			ev = &after[i]
		}
	}
	if ev == nil {
		return fmt.Errorf("pushing %s started no event-based execution", ref)
	}
	done, err := s.harbor.Wait(ctx, ev.ID, harbor.WaitOptions{Interval: 20 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("event-based execution %d: %w", ev.ID, err)
	}
	if done.Status != harbor.StatusSucceed {
		return fmt.Errorf("event-based execution %d ended %s", done.ID, done.Status)
	}
	s.ok("pushed %s; Harbor's event trigger replicated it (execution %d, %s)", ref, done.ID, done.Status)
	return s.verify(ctx)
}

// failover: Harbor stops; the monitor switches the PrivateZone record to ACR EE.
func (s *story) failover(ctx context.Context) error {
	w := s.w
	// Solution (a) keeps the clients' name: ACR EE serves cross-region.registry.io as a
	// custom domain, with a certificate for it.
	if err := s.acr.CreateCustomDomain(ctx, customName, acr.CustomDomainSpec{CertID: "cas-quickstart"}); err != nil {
		return fmt.Errorf("custom domain %s: %w", customName, err)
	}
	d, err := s.acr.GetCustomDomain(ctx, customName)
	if err != nil {
		return fmt.Errorf("custom domain %s: %w", customName, err)
	}
	s.ok("ACR EE custom domain %s (%s endpoint, certificate %s): clients keep their name, and TLS, after a switch", d.Domain, d.EndpointType, d.CertID)

	s.journalPath = filepath.Join(s.dir, "journal.jsonl")
	journal, err := failover.OpenFileJournal(s.journalPath)
	if err != nil {
		return err
	}
	zone, err := w.zone(ctx)
	if err != nil {
		return fmt.Errorf("find zone %s bound to %s: %w", customName, clientVPC, err)
	}
	// Solution (a): the zone's @ record, an A record to Harbor today, becomes a CNAME to
	// ACR EE's public endpoint, read from the instance.
	target, err := failover.PrivateZoneTarget(ctx, failover.TargetSpec{
		Name: clientVPC, Provider: zone,
		Primary:  failover.Value{Type: dns.TypeA, Value: harborIP},
		Resolver: w.dnsAddr,
	}, s.acr)
	if err != nil {
		return err
	}
	sw, err := failover.NewSwitcher([]failover.Target{target}, failover.WithClock(s.clock), failover.WithJournal(journal),
		failover.WithVerify(10*time.Second, 20*time.Millisecond))
	if err != nil {
		return err
	}
	prober, err := failover.NewProber(clientVPC, failover.WithProberClock(s.clock),
		failover.WithHTTPClient(&http.Client{Transport: w.pki.transport()}))
	if err != nil {
		return err
	}
	vantages := []failover.Vantage{prober}
	primary, err := failover.NewChecker(failover.Endpoint{Name: "harbor", URL: w.harborURL, Timeout: 2 * time.Second}, vantages, failover.HealthPolicy{})
	if err != nil {
		return err
	}
	secondary, err := failover.NewChecker(failover.Endpoint{Name: "acr-ee", URL: w.acrURL, Timeout: 2 * time.Second}, vantages, failover.HealthPolicy{})
	if err != nil {
		return err
	}
	forwardLag := &failover.LastKnownLag{Clock: s.clock, Reporter: failover.LagFunc(func(ctx context.Context) (failover.Lag, error) {
		v, err := s.verifier()
		if err != nil {
			return failover.Lag{}, err
		}
		sum, err := v.Lag(ctx)
		return failover.Lag(sum), err
	})}
	// The forward name map (Harbor repository → ACR EE repository), recorded with the
	// failover for the reverse replication to invert exactly at failback. Like the lag, it
	// is refreshed every round Harbor is up, and the last one read is recorded.
	mapper, err := s.verifier()
	if err != nil {
		return err
	}
	nameMap := &failover.LastKnownNameMap{Mapper: failover.NameMapFunc(mapper.ForwardMap), Clock: s.clock}
	mon, err := failover.NewMonitor(failover.MonitorConfig{
		Switcher: sw, Primary: primary, Secondary: secondary, AutoApply: true, Clock: s.clock,
		Failover: failover.FailoverRequest{
			Reason: "harbor unreachable", Actor: "regdr monitor",
			// The completeness check, held to a 15-minute data-loss budget. Once Harbor is
			// down it cannot be listed: the monitor refreshes the lag every round Harbor is
			// up, and the plan uses the last one, aged by the time since.
			Lag:     forwardLag,
			RPO:     15 * time.Minute,
			NameMap: nameMap,
		},
	})
	if err != nil {
		return err
	}
	s.sw, s.primary, s.secondary, s.journal = sw, primary, secondary, journal

	// The monitor probes every DefaultMonitorInterval; the simulated clock skips the waits
	// (Monitor.Run would sleep them).
	tick := func() []failover.MonitorEvent {
		defer s.clock.Skip(failover.DefaultMonitorInterval)
		return mon.Tick(ctx)
	}
	for range failover.DefaultThreshold {
		tick()
	}
	if h, a := primary.Status(), secondary.Status(); h.Health != failover.HealthUp || a.Health != failover.HealthUp {
		return fmt.Errorf("before the disaster: harbor %s, acr-ee %s; want both up", h.Health, a.Health)
	}
	s.ok("monitor: Harbor and ACR EE both up (%d probes each from %s, %v apart on the simulated clock); replication lag measured", failover.DefaultThreshold, clientVPC, failover.DefaultMonitorInterval)

	// Before any outage: a DR drill rehearses the failover without touching anything.
	ps := primary.Status()
	if err := s.drill(ctx, failover.FailoverRequest{
		Reason: "quarterly DR drill", Actor: "operator",
		Primary: &ps, Secondary: secondary.Status(),
		Lag: forwardLag, RPO: 15 * time.Minute,
	}); err != nil {
		return err
	}

	w.StopHarbor()
	s.note("— Harbor stops —")
	var applied *failover.MonitorEvent
	for round := 1; round <= failover.DefaultThreshold && applied == nil; round++ {
		noted := false // the lag and the name map fail to refresh alike: one line a round
		for _, e := range tick() {
			switch e.Kind {
			case failover.EventProbed:
				s.note("monitor round %d: %d failed probe(s) of Harbor in a row: harbor %s, acr-ee %s", round, e.Primary.DownStreak, e.Primary.Health, e.Secondary.Health)
			case failover.EventLagError:
				if !noted {
					s.note("monitor round %d: the replication lag and the name map cannot be refreshed (Harbor cannot be listed); the last ones read stand, the lag aging", round)
				}
				noted = true
			case failover.EventPlanned:
				s.ok("monitor: Harbor down after %d failed probes, ACR EE up: failover planned", e.Primary.DownStreak)
				s.show("failover plan", e.Plan)
			case failover.EventApplied:
				applied = &e
			default:
				return fmt.Errorf("monitor round %d: %s: %v", round, e.Kind, e.Err)
			}
		}
	}
	if applied == nil {
		return fmt.Errorf("no failover applied with Harbor down for %d rounds", failover.DefaultThreshold)
	}
	for _, c := range applied.Result.Changes {
		if !c.Verified {
			return fmt.Errorf("failover of %s not verified: %s", c.FQDN, c.Error)
		}
		s.ok("failover applied: %s %s %s in the zone bound to %s, seen through the DNS server (clients caching the old answer follow within its TTL, %s)",
			c.FQDN, c.Record.Type, c.Record.Value, clientVPC, c.Propagation)
	}
	return nil
}

// drill: the failover the monitor would make, rehearsed — the clients' name dialed at
// what the plan would write, TLS verified against it with the quickstart's CA, a sample
// of the pushed tags pulled and compared with Harbor's digests — writing nothing.
func (s *story) drill(ctx context.Context, fo failover.FailoverRequest) error {
	var samples []failover.DrillSample
	for _, p := range []struct{ repo, tag, pushed string }{
		// Repo is as the clients name it after a failover: ACR EE's flattened name.
		{project + "/nginx", "1.25", project + "/nginx:1.25"},
		{project + "/nginx", "1.26", project + "/nginx:1.26"},
		{project + "/api", "v1", project + "/team-a/api:v1"},
	} {
		samples = append(samples, failover.DrillSample{Repo: p.repo, Tag: p.tag, Digest: s.pushed[p.pushed].String()})
	}
	r, err := s.sw.Drill(ctx, failover.DrillRequest{
		Failover: fo,
		Samples:  samples,
		RootCAs:  s.w.pki.roots,
		Port:     s.w.port,
		Resolve:  s.client.resolver.LookupHost, // the CNAME target, as the clients' VPC resolves it
		Auth: func(next http.RoundTripper) http.RoundTripper {
			return basicAuth{next: next, user: acrUser, password: acrPassword}
		},
	})
	if err != nil {
		return fmt.Errorf("DR drill: %w\n%s", err, r)
	}
	if !r.Passed || r.Verified != len(samples) || len(r.Targets) != 1 || !r.Targets[0].TLSVerified {
		return fmt.Errorf("DR drill did not pass:\n%s", r)
	}
	s.ok("DR drill passed before any outage: %s dialed at %s, certificate for %s verified with the quickstart's CA, %d/%d sampled tags at Harbor's digests",
		r.Targets[0].FQDN, strings.Join(r.Targets[0].Addresses, ", "), customName, r.Verified, r.Sampled)
	s.show("DR drill report", r)
	// It wrote nothing: the record still points at Harbor and the journal was not created.
	answer, err := s.client.resolve(ctx)
	if err != nil {
		return err
	}
	if answer != fmt.Sprint([]string{harborIP}) {
		return fmt.Errorf("after the drill %s resolves to %s, want Harbor's %s", customName, answer, harborIP)
	}
	if _, err := os.Stat(s.journalPath); !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("the drill touched the journal %s: %v", s.journalPath, err)
	}
	s.ok("the drill wrote nothing: %s still → %s (Harbor), no journal created", customName, answer)
	return nil
}

// basicAuth adds the clients' ACR EE registry login to each request of the drill.
type basicAuth struct {
	next           http.RoundTripper
	user, password string
}

func (b basicAuth) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth(b.user, b.password)
	return b.next.RoundTrip(r)
}

// pullFromACR: the client pulls by the same name, now answered by ACR EE.
func (s *story) pullFromACR(ctx context.Context) error {
	answer, err := s.client.resolve(ctx)
	if err != nil {
		return fmt.Errorf("resolve %s: %w", customName, err)
	}
	if want := fmt.Sprintf("CNAME %s → %v", acrDomain, []string{acrIP}); answer != want {
		return fmt.Errorf("%s resolves to %s, want %s", customName, answer, want)
	}
	s.ok("client in %s: %s → %s (ACR EE)", clientVPC, customName, answer)
	// Flattening keeps test-project/nginx and turns test-project/team-a/api into
	// test-project/api: the client pulls the names ACR EE holds, by the custom name, with
	// its ACR EE login.
	for _, p := range []struct{ pull, pushed string }{
		{project + "/nginx:1.25", project + "/nginx:1.25"},
		{project + "/nginx:1.26", project + "/nginx:1.26"},
		{project + "/api:v1", project + "/team-a/api:v1"},
	} {
		got, err := s.client.pull(ctx, p.pull, acrLogin)
		if err != nil {
			return fmt.Errorf("pull %s/%s from ACR EE: %w", s.client.host, p.pull, err)
		}
		if want := s.pushed[p.pushed]; got != want {
			return fmt.Errorf("pulled %s with digest %s, but %s was pushed as %s", p.pull, got, p.pushed, want)
		}
	}
	s.ok("client pulled %s/%s (and nginx:1.26, api:v1) from ACR EE: %s, the digest it pushed to Harbor",
		s.client.host, project+"/nginx:1.25", s.pushed[project+"/nginx:1.25"])

	// CI keeps pushing through the outage, by the same name: the push lands in ACR EE,
	// under the name the client now sees (team-a/api flattened to api).
	img := images{seed: 3, layerSize: 64 << 10}.image("api:v2", 0, 7)
	s.outageRef, s.outageHarborRef = project+"/api:v2", project+"/team-a/api:v2"
	if err := s.client.push(ctx, s.outageRef, img, acrLogin); err != nil {
		return fmt.Errorf("push %s/%s into ACR EE during the outage: %w", s.client.host, s.outageRef, err)
	}
	s.pushed[s.outageRef] = descriptor(img).Digest
	tags, err := s.acr.TagsOf(ctx, project+"/api")
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(tags, func(t acr.Tag) bool { return t.Tag == "v2" && t.Digest == s.pushed[s.outageRef].String() }) {
		return fmt.Errorf("ACR EE %s/api lacks v2 at %s after the client pushed it", project, s.pushed[s.outageRef])
	}
	s.ok("during the outage the client pushed %s/%s by the same name: ACR EE holds it under the flattened name (%s)",
		s.client.host, s.outageRef, s.pushed[s.outageRef])
	return nil
}

// failback: Harbor returns; after the dwell time the journal's record comes back.
func (s *story) failback(ctx context.Context) error {
	if err := s.w.StartHarbor(); err != nil {
		return fmt.Errorf("restart Harbor: %w", err)
	}
	s.note("— Harbor is back —")
	var st failover.HealthStatus
	for range failover.DefaultFailbackHealthy {
		st = s.primary.Check(ctx)
	}
	if st.Health != failover.HealthUp || st.UpStreak < failover.DefaultFailbackHealthy {
		return fmt.Errorf("after Harbor's restart and %d probes: %s (%d up in a row)", failover.DefaultFailbackHealthy, st.Health, st.UpStreak)
	}
	s.ok("Harbor healthy again: %d successful probes in a row", st.UpStreak)
	req := failover.FailbackRequest{Reason: "harbor recovered", Actor: "operator", Primary: st}
	if _, err := s.sw.PlanFailback(ctx, req); !errors.Is(err, failover.ErrDwell) {
		return fmt.Errorf("failback right after failover: %v, want it refused (ErrDwell)", err)
	}
	s.ok("failback refused so soon after failover (%s dwell): %v", failover.DefaultMinDwell, failover.ErrDwell)
	s.clock.Skip(failover.DefaultMinDwell)
	s.note("— %s later (the simulated clock skips the dwell time) —", failover.DefaultMinDwell)
	reverseLag, err := s.reverse(ctx, req)
	if err != nil {
		return err
	}
	// The real failback is held to the same rule: the reverse lag is measured again.
	req.ReverseLag = reverseLag
	// Health evidence must be fresh: probe both once more.
	req.Primary = s.primary.Check(ctx)
	secondary := s.secondary.Check(ctx)
	req.Secondary = &secondary
	plan, err := s.sw.PlanFailback(ctx, req)
	if err != nil {
		return fmt.Errorf("plan failback: %w", err)
	}
	s.ok("failback planned from the journal %s", s.journalPath)
	s.show("failback plan", plan)
	res, err := s.sw.Apply(ctx, plan)
	if err != nil {
		return fmt.Errorf("apply failback: %w", err)
	}
	for _, c := range res.Changes {
		if !c.Verified {
			return fmt.Errorf("failback of %s not verified: %s", c.FQDN, c.Error)
		}
		s.ok("failback applied: %s %s %s again, seen through the DNS server", c.FQDN, c.Record.Type, c.Record.Value)
	}
	entries, err := s.journal.Entries(ctx)
	if err != nil {
		return err
	}
	// The journal is write-ahead: an intent before each write, its outcome after.
	written := 0
	for _, e := range entries {
		if e.Outcome == failover.OutcomeWritten {
			written++
		}
	}
	if written != 2 {
		return fmt.Errorf("the journal holds %d written entries, want the failover and the failback", written)
	}

	answer, err := s.client.resolve(ctx)
	if err != nil {
		return err
	}
	if answer != fmt.Sprint([]string{harborIP}) {
		return fmt.Errorf("after failback %s resolves to %s, want Harbor's %s", customName, answer, harborIP)
	}
	ref := project + "/nginx:1.26"
	got, err := s.client.pull(ctx, ref, harborLogin)
	if err != nil {
		return fmt.Errorf("pull %s/%s from Harbor: %w", s.client.host, ref, err)
	}
	if got != s.pushed[ref] {
		return fmt.Errorf("pulled %s from Harbor with digest %s, want %s", ref, got, s.pushed[ref])
	}
	s.ok("client in %s: %s → %s (Harbor) again, and pulls %s from it", clientVPC, customName, answer, ref)
	got, err = s.client.pull(ctx, s.outageHarborRef, harborLogin)
	if err != nil {
		return fmt.Errorf("pull %s/%s from Harbor: %w", s.client.host, s.outageHarborRef, err)
	}
	if want := s.pushed[s.outageRef]; got != want {
		return fmt.Errorf("pulled %s from Harbor with digest %s, want %s (pushed into ACR EE during the outage)", s.outageHarborRef, got, want)
	}
	s.ok("client pulls %s/%s from Harbor: %s, the digest it pushed into ACR EE during the outage", s.client.host, s.outageHarborRef, got)
	return nil
}

// reverse: failback is refused while ACR EE holds what Harbor lacks; a reverse
// replication (package reverse) carries it back through the inverse of the flattening.
func (s *story) reverse(ctx context.Context, req failover.FailbackRequest) (failover.ReverseLagReporter, error) {
	v, err := s.verifier()
	if err != nil {
		return nil, err
	}
	// The name map the failover recorded in the journal: the reverse lag and the reverse
	// replication invert it, exact even were Harbor's repositories to change since.
	entries, err := s.journal.Entries(ctx)
	if err != nil {
		return nil, err
	}
	forward, ok := failover.RecordedNameMap(entries)
	if !ok {
		return nil, fmt.Errorf("the failover recorded no name map in %s", s.journalPath)
	}
	inverse, err := lag.Invert(forward)
	if err != nil {
		return nil, err
	}
	v.NameMap = forward
	req.ReverseLag = failover.ReverseLagFunc(func(ctx context.Context) (failover.ReverseLag, error) {
		sum, err := v.ReverseLag(ctx)
		return failover.ReverseLag(sum), err
	})
	req.Primary = s.primary.Check(ctx)
	secondary := s.secondary.Check(ctx)
	req.Secondary = &secondary
	if _, err := s.sw.PlanFailback(ctx, req); !errors.Is(err, failover.ErrReverseLag) {
		return nil, fmt.Errorf("failback with a tag pushed into ACR EE during the outage: %v, want it refused (ErrReverseLag)", err)
	}
	// The reverse replication: the reverse lag, and the copy ACR EE → Harbor that closes it
	// through the exact inverse of the flattening (refused, lag.ErrAmbiguousInverse, were
	// two Harbor repositories flattened into one). Compute writes nothing: the dry run.
	cfg := reverse.Config{
		Verifier: v,
		Inverse:  inverse,
		ACR:      mirror.Endpoint{Registry: s.w.acrURL, Auth: acrLogin, Transport: s.w.pki.transport()},
		Harbor:   mirror.Endpoint{Registry: s.w.harborURL, Auth: harborLogin, Transport: s.w.pki.transport()},
		Sync:     mirror.Options{Clock: s.clock},
	}
	plan, err := reverse.Compute(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("planning the reverse replication ACR EE → Harbor: %w", err)
	}
	rev := plan.Lag
	// The tag pushed during the outage is missing from Harbor. So is the referrers
	// fallback tag sha256-<subject> of nginx:1.25 that the forward replication wrote into
	// ACR EE (an index of the signature's referrers, which Harbor does not list as a tag);
	// the sync carries it back too.
	if !slices.ContainsFunc(rev.Missing, func(a lag.Artifact) bool {
		return a.Source+":"+a.Tag == s.outageHarborRef && a.DestDigest == s.pushed[s.outageRef].String()
	}) || len(rev.Stale) != 0 || len(rev.Unmapped) != 0 {
		return nil, fmt.Errorf("reverse lag %s, want %s (pushed during the outage) missing: %+v", rev, s.outageHarborRef, rev.Missing)
	}
	s.ok("failback refused: %v — reverse lag: %s", failover.ErrReverseLag, rev)
	for _, a := range rev.Missing {
		s.note("missing in Harbor: %s:%s (ACR EE %s:%s)", a.Source, a.Tag, a.Dest, a.Tag)
	}
	if err := plan.Err(); err != nil || !plan.HasChanges() {
		return nil, fmt.Errorf("the reverse replication plan is refused (%v) or has nothing to copy:\n%s", err, plan)
	}
	if got := plan.Inverse[project+"/api"]; got != project+"/team-a/api" || !plan.Recorded {
		return nil, fmt.Errorf("the reverse plan maps %s/api back to %q (recorded map: %t), want %s/team-a/api through the recorded map", project, got, plan.Recorded, project)
	}
	s.ok("reverse replication planned: ACR EE → Harbor, %d item(s) through the inverse of the name map recorded at failover (%d repositories; %s/api → %s/team-a/api)", len(plan.Sync.Items), len(forward), project, project)
	s.show("reverse replication plan", plan)
	res, err := plan.Apply(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("applying the reverse replication: %w", err)
	}
	// Apply verified the reverse lag complete; the Verifier agrees.
	after, err := v.Reverse(ctx)
	if err != nil {
		return nil, err
	}
	if res.Sync == nil || !res.Sync.OK() || res.Copied() == 0 || !after.Complete() {
		return nil, fmt.Errorf("reverse replication: %s; Harbor still lacks: %s", res, after)
	}
	s.ok("reverse replication applied and verified: %d copied, %d verified; reverse lag now %s", res.Sync.Copied, res.Sync.Verified, after)
	return req.ReverseLag, nil
}

// skipClock is the wall clock, plus however far Skip has moved it: the quickstart
// skips the failback dwell time instead of waiting ten minutes.
type skipClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *skipClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *skipClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	time.AfterFunc(d, func() { ch <- c.Now() })
	return ch
}

// Skip moves the clock forward by d.
func (c *skipClock) Skip(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}
