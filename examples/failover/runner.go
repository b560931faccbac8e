package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/dns"
	"github.com/regdr/regdr/dns/alidns"
	"github.com/regdr/regdr/dns/privatezone"
	excli "github.com/regdr/regdr/examples/internal/cli"
	"github.com/regdr/regdr/failover"
)

// errRefused: the plan was printed but not applied, because -yes was not given.
var errRefused = errors.New("refusing to write without -yes: nothing was changed")

// runner carries one invocation: its flags and where the step lines go.
type runner struct {
	c      *config
	out    io.Writer    // one line per step
	stdout io.Writer    // the JSON plan with -json
	log    *slog.Logger // stderr: the library's log lines
	acr    *acr.Client
	clock  clock.Clock     // nil: the wall clock
	keyOpt failover.Option // the plan key of a one-shot run (nil: the switcher's default)

	// watch: the health last printed, so unchanged rounds stay quiet.
	printed    bool
	lastHealth [2]failover.Health
}

func (r *runner) step(format string, a ...any) { fmt.Fprintf(r.out, format+"\n", a...) }

func (r *runner) run(ctx context.Context) error {
	c := r.c
	if c.watch {
		return r.watch(ctx)
	}
	if c.reverseCmd {
		return r.reverseRun(ctx)
	}
	if c.drill {
		// The drill's plan is sealed under a key of its own, thrown away: no key file.
		key := make([]byte, failover.PlanKeySize)
		rand.Read(key)
		r.keyOpt = failover.WithPlanKey(key)
		return r.drill(ctx)
	}
	var saved *failover.Plan
	if c.plan != "" {
		p, err := readPlan(c.plan)
		if err != nil {
			return err
		}
		// A saved plan was sealed with the key kept next to its journal.
		if _, err := os.Stat(failover.PlanKeyFile(c.journal)); err != nil {
			return fmt.Errorf("%w: no plan key %s: %s was not made with -journal %s", failover.ErrTamperedPlan, failover.PlanKeyFile(c.journal), c.plan, c.journal)
		}
		if (p.Kind == failover.KindFailback) != c.failback {
			return fmt.Errorf("%s is a %s plan: run %s -plan", c.plan, p.Kind, map[bool]string{true: "failback", false: "apply"}[p.Kind == failover.KindFailback])
		}
		saved = p
		r.step("plan %s read from %s", p.ID, c.plan)
	}
	// A plan saved (-out) or read (-plan) is sealed with the key kept next to the journal;
	// one made and applied in this run needs no file: a key of its own does.
	if c.out != "" || c.plan != "" {
		r.keyOpt = failover.WithPlanKeyFile(failover.PlanKeyFile(c.journal))
	} else {
		key := make([]byte, failover.PlanKeySize)
		rand.Read(key)
		r.keyOpt = failover.WithPlanKey(key)
	}
	target, planner, harbor, acrEE, err := r.planner(ctx)
	if err != nil {
		return err
	}

	plan := saved
	if plan == nil {
		if plan, err = r.planNew(ctx, planner, harbor, acrEE); err != nil {
			return err
		}
	} else if err := r.recheck(ctx, harbor, acrEE); err != nil {
		return err
	}
	if err := r.printPlan(plan); err != nil {
		return err
	}
	switch {
	case c.dryRun:
		r.step("dry run: nothing was written")
		return nil
	case !plan.HasChanges():
		r.step("nothing to do: every record already holds its %s value", plan.Kind)
		return nil
	case !c.yes:
		return errRefused
	}
	return r.apply(ctx, target, plan)
}

// planner opens the target, probes both registries, and returns a switcher that plans
// against the journal read into memory: the file is only opened for writing once a plan
// is confirmed, so a refused run (or a drill) leaves no file behind.
func (r *runner) planner(ctx context.Context) (target failover.Target, s *failover.Switcher, harborHealth, acrHealth *failover.HealthStatus, err error) {
	target, entries, err := r.openTarget(ctx)
	if err != nil {
		return target, nil, nil, nil, err
	}
	if harborHealth, acrHealth, err = r.probe(ctx); err != nil {
		return target, nil, nil, nil, err
	}
	mem := &failover.MemoryJournal{}
	for _, e := range entries {
		if err := mem.Append(ctx, e); err != nil {
			return target, nil, nil, nil, err
		}
	}
	s, err = r.switcher(target, mem)
	return target, s, harborHealth, acrHealth, err
}

// cloud returns the OpenAPI configuration of one product; credentials come from the
// default chain (nil Credentials).
func (r *runner) cloud(override string) alicloud.Config {
	endpoint, plain, _ := excli.APIEndpoint(override) // validated by parse
	return alicloud.Config{Region: r.c.region, Endpoint: endpoint, Insecure: plain, Credentials: r.c.cloudCreds}
}

// openTarget opens the zone, reads the journal (without opening it for writing) and
// builds the target from both.
func (r *runner) openTarget(ctx context.Context) (failover.Target, []failover.JournalEntry, error) {
	provider, zone, err := r.openZone(ctx)
	if err != nil {
		return failover.Target{}, nil, err
	}
	entries, err := failover.ReadJournalFile(r.c.journal)
	if err != nil {
		return failover.Target{}, nil, err
	}
	target, err := r.target(ctx, provider, zone, entries)
	if err != nil {
		return failover.Target{}, nil, err
	}
	r.step("target %s: %s %s (harbor) -> %s (acr-ee)", target.Name, dns.FQDN(target.Record, zone.Name), target.Primary, target.Secondary)
	return target, entries, nil
}

// openZone finds the zone: for PrivateZone the one of that name bound to the VPC.
func (r *runner) openZone(ctx context.Context) (dns.Provider, dns.Zone, error) {
	c := r.c
	var p dns.Provider
	var err error
	if c.solution == solPublic {
		p, err = alidns.New(ctx, r.cloud(c.alidnsAPI), c.zone)
	} else {
		p, err = privatezone.New(ctx, r.cloud(c.pvtzAPI), c.zone, c.vpc)
	}
	if err != nil {
		return nil, dns.Zone{}, fmt.Errorf("opening zone %s: %w", c.zone, err)
	}
	z, err := p.Zone(ctx)
	if err != nil {
		return nil, dns.Zone{}, fmt.Errorf("reading zone %s: %w", c.zone, err)
	}
	if c.solution == solPublic {
		r.step("zone %s (%s) in Alidns", z.Name, z.ID)
	} else {
		r.step("zone %s (%s) in PrivateZone, bound to %s", z.Name, z.ID, strings.Join(z.VPCs, ", "))
	}
	return p, z, nil
}

// target builds the switched record. Failover reads ACR EE's endpoints; failback takes
// both sides from the journal's last failover of this record.
func (r *runner) target(ctx context.Context, p dns.Provider, z dns.Zone, entries []failover.JournalEntry) (failover.Target, error) {
	c := r.c
	spec := failover.TargetSpec{Name: z.ID + "/" + c.record, Provider: p, Record: c.record, Primary: c.primary, Resolver: c.resolver}
	if c.failback {
		last, ok := failover.FailoverToUndo(entries, spec.Name)
		if !ok {
			return failover.Target{}, fmt.Errorf("%w: %s holds no failover of %s", failover.ErrNothingToFailBack, c.journal, spec.Name)
		}
		r.step("journal %s: %s failed over by plan %s at %s", c.journal, last.FQDN, last.PlanID, last.At.Format("2006-01-02T15:04:05Z07:00"))
		t := failover.Target{Name: spec.Name, Provider: p, Record: c.record, Resolver: c.resolver,
			Primary: failover.Value{Type: last.From.Type, Value: last.From.Value}, Secondary: failover.Value{Type: last.To.Type, Value: last.To.Value}}
		return t, t.Validate()
	}
	client, err := acr.New(acr.Config{InstanceID: c.instance, Cloud: r.cloud(c.acrAPI)})
	if err != nil {
		return failover.Target{}, fmt.Errorf("ACR EE client: %w", err)
	}
	r.acr = client
	var t failover.Target
	switch c.solution {
	case solPrivateZone:
		t, err = failover.PrivateZoneTarget(ctx, spec, client)
	case solPublic:
		mode := failover.PublicCNAME
		if c.recordType == dns.TypeA {
			mode = failover.PublicA
		}
		t, err = failover.PublicTarget(ctx, spec, client, mode, resolverAt(c.resolver))
	case solVPC:
		t, err = failover.VPCTarget(ctx, spec, client, c.vpc)
	}
	if err != nil {
		return failover.Target{}, fmt.Errorf("instance %s: %w", c.instance, err)
	}
	return t, nil
}

// resolverAt returns a resolver that asks the DNS server at addr ("" = the system's).
func resolverAt(addr string) *net.Resolver {
	if addr == "" {
		return nil
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

func (r *runner) switcher(t failover.Target, j failover.JournalStore) (*failover.Switcher, error) {
	c := r.c
	opts := []failover.Option{failover.WithJournal(j), failover.WithLogger(r.log),
		failover.WithPlanTTL(c.planTTL), failover.WithVerify(c.verifyTimeout, c.verifyInterval),
		failover.WithAudit(func(e failover.AuditEvent) {
			if e.Outcome == failover.OutcomeWritten {
				r.step("wrote %s record %s: %s -> %s", e.FQDN, e.RecordID, e.From, e.To)
			} else {
				r.step("FAILED to write %s record %s: %s", e.FQDN, e.RecordID, e.Error)
			}
		})}
	if r.clock != nil {
		opts = append(opts, failover.WithClock(r.clock))
	}
	if r.keyOpt != nil {
		opts = append(opts, r.keyOpt)
	}
	return failover.NewSwitcher([]failover.Target{t}, opts...)
}

// journalEntries reads -journal as it is now (no file: no entries).
func (r *runner) journalEntries(context.Context) ([]failover.JournalEntry, error) {
	return failover.ReadJournalFile(r.c.journal)
}

// planNew asks the library for a plan; its refusals are the command's.
func (r *runner) planNew(ctx context.Context, s *failover.Switcher, harbor, acrEE *failover.HealthStatus) (*failover.Plan, error) {
	c := r.c
	if c.failback {
		req := failover.FailbackRequest{Reason: c.reason, Actor: c.actor, Primary: *harbor, Secondary: acrEE,
			MinHealthy: c.minHealthy, MinDwell: c.minDwell}
		if c.minDwell == 0 {
			req.MinDwell = -1 // the library reads 0 as its default
		}
		if c.reverseCheck {
			rl, err := r.reverseLag(r.journalEntries)
			if err != nil {
				return nil, err
			}
			req.ReverseLag, req.Force, req.ForceReason = rl, c.force, c.reason
		}
		return s.PlanFailback(ctx, req)
	}
	req := failover.FailoverRequest{Reason: c.reason, Actor: c.actor, Primary: harbor, Secondary: *acrEE,
		RPO: c.rpo, Force: c.force, ForceReason: c.reason}
	if c.rpo > 0 {
		lag, err := r.lagReporter()
		if err != nil {
			return nil, err
		}
		req.Lag = lag
		if c.harborURL != "" {
			// Harbor's API is read anyway: record its name map with the failover (when
			// Harbor answers), for the reverse lag to invert at failback.
			nm, err := r.nameMapper()
			if err != nil {
				return nil, err
			}
			req.NameMap = nm
		}
	}
	return s.PlanFailover(ctx, req)
}

// recheck holds a saved plan to the same health gate a new one passes: the side being
// switched to must be healthy now, not only when the plan was made; with -reverse-check a
// failback plan is held to the reverse lag measured now, too (unless -force).
func (r *runner) recheck(ctx context.Context, harbor, acrEE *failover.HealthStatus) error {
	if r.c.failback {
		if harbor.Health != failover.HealthUp || harbor.UpStreak < r.c.minHealthy {
			return fmt.Errorf("%w: harbor is %s with %d consecutive up probes, need %d", failover.ErrPrimaryUnhealthy, harbor.Health, harbor.UpStreak, r.c.minHealthy)
		}
		if !r.c.reverseCheck || r.c.force {
			return nil
		}
		rl, err := r.reverseLag(r.journalEntries)
		if err != nil {
			return err
		}
		l, err := rl.ReverseLag(ctx)
		if err != nil {
			return fmt.Errorf("%w: measuring the reverse lag: %w", failover.ErrReverseLag, err)
		}
		if l.Missing+l.Stale+l.Unmapped > 0 {
			return fmt.Errorf("%w: ACR EE holds %d tags Harbor lacks, %d at another digest, %d unmapped", failover.ErrReverseLag, l.Missing, l.Stale, l.Unmapped)
		}
		return nil
	}
	if acrEE.Health != failover.HealthUp {
		return fmt.Errorf("%w: acr-ee is %s", failover.ErrSecondaryUnhealthy, acrEE.Health)
	}
	return nil
}

func (r *runner) printPlan(p *failover.Plan) error {
	if r.c.out != "" {
		b, err := json.MarshalIndent(p, "", "  ")
		if err != nil {
			return err
		}
		if err := writeFileAtomic(r.c.out, append(b, '\n')); err != nil {
			return fmt.Errorf("saving the plan: %w", err)
		}
		r.step("plan saved to %s", r.c.out)
	}
	if r.c.asJSON {
		enc := json.NewEncoder(r.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	fmt.Fprint(r.out, strings.TrimRight(p.String(), "\n")+"\n")
	return nil
}

// apply opens the journal file and carries the plan out.
func (r *runner) apply(ctx context.Context, t failover.Target, p *failover.Plan) error {
	j, err := failover.OpenFileJournal(r.c.journal)
	if err != nil {
		return fmt.Errorf("opening the journal: %w", err)
	}
	defer j.Close()
	s, err := r.switcher(t, j)
	if err != nil {
		return err
	}
	res, err := s.Apply(ctx, p)
	r.report(t, res)
	return err
}

// report prints what Apply did, one line per change.
func (r *runner) report(t failover.Target, res *failover.Result) {
	if res != nil {
		for _, ch := range res.Changes {
			switch {
			case ch.Error != "":
				r.step("FAILED %s: %s", ch.FQDN, ch.Error)
			case !ch.Written && ch.Verified:
				r.step("%s already held %s %s: nothing written (verified through %s)", ch.FQDN, ch.Record.Type, ch.Record.Value, t.Resolver)
			case !ch.Written:
				r.step("%s already held %s %s: nothing written", ch.FQDN, ch.Record.Type, ch.Record.Value)
			case ch.Verified:
				r.step("verified %s through %s: answers %s %s (clients may keep the old answer up to %v)", ch.FQDN, t.Resolver, ch.Record.Type, ch.Record.Value, ch.Propagation)
			default:
				r.step("not verified %s: no -resolver given (clients may keep the old answer up to %v)", ch.FQDN, ch.Propagation)
			}
		}
		r.step("journal %s: %d record(s) written by plan %s", r.c.journal, res.Writes(), res.PlanID)
	}
}

// readPlan reads and validates a saved plan before anything else is done: "null", "{}"
// or a plan without changes are refused here. Its seal is checked by Apply.
func readPlan(path string) (*failover.Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the plan: %w", err)
	}
	defer f.Close()
	p, err := failover.DecodePlan(f)
	if err != nil {
		return nil, fmt.Errorf("reading the plan %s: %w", path, err)
	}
	return p, nil
}

// writeFileAtomic writes b to path through a temporary file in the same directory,
// synced and renamed over path: a reader never sees half a plan, and a failure leaves
// whatever path held.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
