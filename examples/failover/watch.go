package main

import (
	"context"
	"fmt"
	"time"

	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/metrics"
)

// watch is -watch: a failover.Monitor probing both registries every -interval until ctx is
// done (SIGINT, SIGTERM), which is a clean stop. Without -yes the plans it would apply are
// only printed and nothing is written, not even the journal; with -yes they are applied
// and journaled, and with -auto-failback so is the failback once Harbor is healthy again —
// and, unless -reverse-check=false, Harbor holds every tag ACR EE holds (the reverse lag;
// until then each round's failback is refused with failover.ErrReverseLag, logged and
// counted under reason="reverse_lag"). With -rpo or the reverse check, each failover
// records the name map Harbor last had, for the reverse lag to invert.
// With -metrics-addr it serves Prometheus metrics, /healthz and /readyz there.
func (r *runner) watch(ctx context.Context) error {
	c := r.c
	target, entries, err := r.openTarget(ctx)
	if err != nil {
		return err
	}

	// The hold-down reads the journal, so even a run that writes nothing sees the switches
	// already recorded; only -yes opens the file for writing.
	var journal failover.JournalStore
	if c.yes {
		fj, err := failover.OpenFileJournal(c.journal)
		if err != nil {
			return fmt.Errorf("opening the journal: %w", err)
		}
		defer fj.Close()
		journal = fj
	} else {
		mem := &failover.MemoryJournal{}
		for _, e := range entries {
			if err := mem.Append(ctx, e); err != nil {
				return err
			}
		}
		journal = mem
	}
	s, err := r.switcher(target, journal)
	if err != nil {
		return err
	}
	harborCheck, acrCheck, err := r.checkers()
	if err != nil {
		return err
	}
	var mon *metrics.Monitor // nil: no -metrics-addr
	if c.metricsAddr != "" {
		mon = r.newMetrics(s.Targets(), entries)
	}
	cfg := failover.MonitorConfig{
		Switcher: s, Primary: harborCheck, Secondary: acrCheck,
		Interval: c.interval, HoldDown: c.holdDown, AutoApply: c.yes, AutoFailback: c.autoFailback,
		Failover: failover.FailoverRequest{Reason: orDefault(c.reason, "examples/failover watch: harbor is down"), Actor: c.actor, RPO: c.rpo},
		Failback: failover.FailbackRequest{Reason: orDefault(c.reason, "examples/failover watch: harbor is healthy again"), Actor: c.actor,
			MinHealthy: c.minHealthy, MinDwell: c.minDwell},
		Clock: r.clock,
		OnEvent: func(e failover.MonitorEvent) {
			if mon != nil {
				mon.Observe(e)
			}
			r.event(target, e)
		},
	}
	if c.minDwell == 0 {
		cfg.Failback.MinDwell = -1 // the library reads 0 as its default
	}
	if c.rpo > 0 {
		lag, err := r.lagReporter()
		if err != nil {
			return err
		}
		if mon != nil {
			// Only fresh measurements are recorded, and the one -lag-file seeded.
			lag.Reporter = mon.WatchLag(lag.Reporter)
			if l, ok := lag.Last(); ok {
				mon.ObserveLag(l)
			}
		}
		cfg.Failover.Lag = lag
	}
	// An automatic failback must not hide what clients pushed into ACR EE during the
	// outage: it waits (refused with ErrReverseLag, every round) until Harbor holds it.
	reverse := c.autoFailback && c.reverseCheck
	if reverse {
		rl, err := r.reverseLag(journal.Entries)
		if err != nil {
			return err
		}
		cfg.Failback.ReverseLag = rl
	}
	if c.rpo > 0 || reverse {
		// Harbor's API is read anyway: record the name map with the failover, for the
		// reverse lag and the reverse sync to invert.
		nm, err := r.nameMapper()
		if err != nil {
			return err
		}
		cfg.Failover.NameMap = nm
	}
	m, err := failover.NewMonitor(cfg)
	if err != nil {
		return err
	}
	if mon != nil {
		stop, err := r.serveMetrics(mon)
		if err != nil {
			return err
		}
		defer stop()
	}
	mode := "plans are only reported (no -yes)"
	switch {
	case reverse:
		mode = "failover and failback are applied and journaled to " + c.journal + "; failback waits while ACR EE holds tags Harbor lacks"
	case c.yes && c.autoFailback:
		mode = "failover and failback are applied and journaled to " + c.journal + "; failback does not check what ACR EE holds (-reverse-check=false)"
	case c.yes:
		mode = "failover is applied and journaled to " + c.journal + "; failback stays manual"
	}
	r.step("watching every %v (health after %d consecutive probes, hold-down %v): %s", c.interval, c.threshold, c.holdDown, mode)
	err = m.Run(ctx)
	if ctx.Err() != nil {
		r.step("stopped: %v", context.Cause(ctx))
		return nil
	}
	return err
}

// event prints one line per monitor event. Probe rounds are printed only when either
// registry's health changed, to keep a daemon's log quiet; plans are printed in full.
// The log records are the monitor's own (failover.MonitorConfig.Logger, by default the
// switcher's logger, r.log).
func (r *runner) event(t failover.Target, e failover.MonitorEvent) {
	at := e.Time.UTC().Format(time.RFC3339)
	switch e.Kind {
	case failover.EventProbed:
		h := [2]failover.Health{e.Primary.Health, e.Secondary.Health}
		if r.printed && h == r.lastHealth {
			return
		}
		r.printed, r.lastHealth = true, h
		r.step("%s health %s, %s", at, health(e.Primary), health(e.Secondary))
	case failover.EventPlanned:
		if r.c.yes {
			r.step("%s planned %s %s: applying", at, e.Plan.Kind, e.Plan.ID)
		} else {
			r.step("%s planned %s %s: not applied (no -yes); review it, then apply it with -yes", at, e.Plan.Kind, e.Plan.ID)
		}
		_ = r.printPlan(e.Plan) // -out and -json are not watch flags: this only prints
	case failover.EventApplied:
		r.report(t, e.Result)
		if e.Err != nil {
			r.step("%s applied %s %s, but: %v", at, e.Plan.Kind, e.Plan.ID, e.Err)
		} else {
			r.step("%s applied %s %s", at, e.Plan.Kind, e.Plan.ID)
		}
	case failover.EventRefused:
		r.step("%s refused: %v", at, e.Err)
	case failover.EventHoldDown:
		r.step("%s hold-down: %s %s waits: %v", at, e.Plan.Kind, e.Plan.ID, e.Err)
	case failover.EventLagError:
		r.step("%s lag-error: not refreshed: %v", at, e.Err)
	default:
		r.step("%s %s: %v", at, e.Kind, e.Err)
	}
}

// health is one registry's health with its latest probe.
func health(s failover.HealthStatus) string {
	line := fmt.Sprintf("%s: %s (%d up, %d down in a row", s.Endpoint, s.Health, s.UpStreak, s.DownStreak)
	if len(s.Vantages) > 0 {
		line += "; last " + describe(s.Vantages[0].Last)
	}
	return line + ")"
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
