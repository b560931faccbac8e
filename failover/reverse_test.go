package failover

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// reverseLagOf reports rl (or err), counting the calls.
func reverseLagOf(rl ReverseLag, err error, calls *int) ReverseLagFunc {
	return func(context.Context) (ReverseLag, error) {
		*calls++
		return rl, err
	}
}

// TestFailbackReverseLag: while ACR EE holds artifacts Harbor lacks, failback is refused
// with ErrReverseLag unless forced with a reason; the plan shows the reverse lag as
// evidence and the force as an override. Without a source, failback is as before.
func TestFailbackReverseLag(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	clean := ReverseLag{CheckedAt: at}
	pushed := ReverseLag{Missing: 1, OldestMissing: time.Hour, CheckedAt: at}
	renamed := ReverseLag{Unmapped: 2, CheckedAt: at}
	stale := ReverseLag{Stale: 1, CheckedAt: at}
	broken := errors.New("harbor listing failed")
	tests := []struct {
		name         string
		source       bool
		rl           ReverseLag
		err          error
		force        string
		wantErr      error
		wantEv       *ReverseLag
		wantEvErr    string
		wantForced   bool
		wantOverrode int
	}{
		{name: "no source: as before", wantEv: nil},
		{name: "nothing pushed during the outage", source: true, rl: clean, wantEv: &clean},
		{name: "a tag pushed into ACR EE only", source: true, rl: pushed, wantErr: ErrReverseLag},
		{name: "a tag at another digest", source: true, rl: stale, wantErr: ErrReverseLag},
		{name: "a repository with no Harbor source", source: true, rl: renamed, wantErr: ErrReverseLag},
		{name: "forced over a reverse lag", source: true, rl: pushed, force: "harbor's copy is authoritative", wantEv: &pushed, wantForced: true, wantOverrode: 1},
		{name: "unreadable", source: true, err: broken, wantErr: broken},
		{name: "forced over an unreadable reverse lag", source: true, err: broken, force: "listing broken", wantEvErr: broken.Error(), wantForced: true, wantOverrode: 1},
		{name: "forced without a reverse lag", source: true, rl: clean, force: "habit", wantEv: &clean, wantForced: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			s := w.switcher(t)
			plan, err := s.PlanFailover(ctx(t), failoverRequest())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Apply(ctx(t), plan); err != nil {
				t.Fatal(err)
			}
			calls := 0
			req := FailbackRequest{Primary: healthy("harbor", 5), MinDwell: -1, Force: tt.force != "", ForceReason: tt.force}
			if tt.source {
				req.ReverseLag = reverseLagOf(tt.rl, tt.err, &calls)
			}
			back, err := s.PlanFailback(ctx(t), req)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || back != nil {
					t.Fatalf("PlanFailback = %v, %v; want no plan and %v", back, err, tt.wantErr)
				}
				if tt.wantErr == ErrReverseLag && !strings.Contains(err.Error(), "Harbor lacks") {
					t.Errorf("refusal %q does not say what ACR EE holds", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("PlanFailback = %v", err)
			}
			if tt.source && calls != 1 {
				t.Errorf("reverse lag read %d times, want 1", calls)
			}
			if diff := cmp.Diff(tt.wantEv, back.Evidence.ReverseLag); diff != "" {
				t.Errorf("evidence reverse lag (-want +got):\n%s", diff)
			}
			if back.Evidence.ReverseLagError != tt.wantEvErr {
				t.Errorf("evidence reverse lag error = %q, want %q", back.Evidence.ReverseLagError, tt.wantEvErr)
			}
			if (back.Force != nil) != tt.wantForced || back.Force != nil && (back.Force.Reason != tt.force || len(back.Force.Overrode) != tt.wantOverrode) {
				t.Errorf("plan force = %+v, want forced %v by %q overriding %d", back.Force, tt.wantForced, tt.force, tt.wantOverrode)
			}
			if tt.wantEv != nil && !strings.Contains(back.String(), "reverse lag:") {
				t.Errorf("plan text does not show the reverse lag:\n%s", back)
			}
			if _, err := s.Apply(ctx(t), back); err != nil {
				t.Errorf("Apply(failback) = %v", err)
			}
		})
	}
}

// TestFailbackReverseLagReadLast: the reverse lag (a listing of both registries) is not
// read while another check refuses, nor when no record would change.
func TestFailbackReverseLagReadLast(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.switcher(t)
	plan, err := s.PlanFailover(ctx(t), failoverRequest())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Apply(ctx(t), plan); err != nil {
		t.Fatal(err)
	}
	calls := 0
	req := FailbackRequest{Primary: healthy("harbor", 2), MinDwell: -1, ReverseLag: reverseLagOf(ReverseLag{Missing: 1}, nil, &calls)}
	if _, err := s.PlanFailback(ctx(t), req); !errors.Is(err, ErrPrimaryUnhealthy) || errors.Is(err, ErrReverseLag) || calls != 0 {
		t.Errorf("PlanFailback with an unproven primary = %v after %d reverse-lag reads, want ErrPrimaryUnhealthy alone and no read", err, calls)
	}
	if err := w.setRecord(w.record); err != nil { // restored by hand
		t.Fatal(err)
	}
	req.Primary = healthy("harbor", 5)
	if back, err := s.PlanFailback(ctx(t), req); err != nil || back.HasChanges() || calls != 0 {
		t.Errorf("PlanFailback after a manual restore = %v, %v after %d reads; want a plan without changes and no read", back, err, calls)
	}
}

// TestFailbackForceNeedsReason: a forced failback without a reason is refused before
// anything is read.
func TestFailbackForceNeedsReason(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	calls := 0
	_, err := w.switcher(t).PlanFailback(ctx(t), FailbackRequest{Primary: healthy("harbor", 5), Force: true, ForceReason: " ",
		ReverseLag: reverseLagOf(ReverseLag{Missing: 1}, nil, &calls)})
	if !errors.Is(err, ErrInvalid) || calls != 0 {
		t.Errorf("PlanFailback forced without a reason = %v (%d reads), want ErrInvalid and no read", err, calls)
	}
}

// TestMonitorAutoFailbackWaitsForReverseLag: on a fake clock, the monitor's automatic
// failback is refused (ErrReverseLag) round after round while ACR EE holds a tag Harbor
// lacks, writes nothing, and fails back in the first round after the tag is in Harbor.
func TestMonitorAutoFailbackWaitsForReverseLag(t *testing.T) {
	t.Parallel()
	behind := ReverseLag{Missing: 1}
	r := newMonitorRig(t, MonitorConfig{AutoApply: true, AutoFailback: true, HoldDown: time.Minute,
		Failback: FailbackRequest{MinHealthy: 3, MinDwell: time.Minute,
			ReverseLag: ReverseLagFunc(func(context.Context) (ReverseLag, error) { return behind, nil })}})
	r.harbor.set(false)
	for range 3 {
		r.tick(t)
	}
	if r.w.provider.Writes() != 1 {
		t.Fatalf("writes after failover = %d, want 1", r.w.provider.Writes())
	}
	r.harbor.set(true)
	var refused []error
	r.mon.cfg.OnEvent = func(e MonitorEvent) {
		if e.Kind == EventRefused {
			refused = append(refused, e.Err)
		}
	}
	for range 10 {
		r.tick(t)
	}
	if r.w.provider.Writes() != 1 || len(refused) == 0 {
		t.Fatalf("writes %d, refusals %d: want no failback while ACR EE holds a tag Harbor lacks", r.w.provider.Writes(), len(refused))
	}
	for _, err := range refused {
		if !errors.Is(err, ErrReverseLag) {
			t.Fatalf("refusal %v, want ErrReverseLag", err)
		}
	}
	behind = ReverseLag{} // the tag was replicated back
	r.tick(t)
	if r.w.provider.Writes() != 2 {
		t.Fatalf("writes = %d after the reverse lag cleared, want the failback", r.w.provider.Writes())
	}
	if got := r.w.current(t); got != r.w.record {
		t.Errorf("record after automatic failback = %s, want %s", got, r.w.record)
	}
}

// TestMonitorNeverForcesFailback: a monitor refuses a forced failback template.
func TestMonitorNeverForcesFailback(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c, err := NewChecker(Endpoint{Name: "harbor", URL: "https://harbor.example"}, []Vantage{&script{name: "hz", ups: []bool{true}, at: w.clock}}, HealthPolicy{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewMonitor(MonitorConfig{Switcher: w.switcher(t), Primary: c, Secondary: c,
		Failback: FailbackRequest{Force: true, ForceReason: "r"}})
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("NewMonitor with a forced failback = %v, want ErrInvalid", err)
	}
}
