package metrics_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/metrics"
)

// TestRefusalLabelsBounded: a thousand refusals, each with its own error text carrying a
// secret, add no series and put no error text in a label: the reason label takes only
// Reasons(). A refusal on a tampered journal — a security event, not an "other" — has a
// reason of its own.
func TestRefusalLabelsBounded(t *testing.T) {
	t.Parallel()
	m := metrics.NewMonitor(metrics.MonitorOptions{})
	for i := range 1000 {
		m.Observe(failover.MonitorEvent{Kind: failover.EventRefused,
			Err: fmt.Errorf("planning failover %d: https://admin:hunter2@harbor.example/%d: %w", i, i, errors.New("listing"))})
	}
	m.Observe(failover.MonitorEvent{Kind: failover.EventHoldDown,
		Err: fmt.Errorf("reading journal for the hold-down: %w: line 3 does not match its MAC", failover.ErrTamperedJournal)})
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(m)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		for _, s := range f.GetMetric() {
			for _, l := range s.GetLabel() {
				if strings.Contains(l.GetValue(), "hunter2") || strings.Contains(l.GetValue(), "harbor.example") {
					t.Errorf("%s label %s=%q carries error text", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
		if f.GetName() == "regdr_failover_refused_total" && len(f.GetMetric()) != len(metrics.Reasons()) {
			t.Errorf("regdr_failover_refused_total has %d series, want %d (Reasons())", len(f.GetMetric()), len(metrics.Reasons()))
		}
	}
	if got := metrics.RefusalReason(fmt.Errorf("reading journal: %w", failover.ErrTamperedJournal)); got != metrics.ReasonTamperedJournal {
		t.Errorf("RefusalReason(tampered journal) = %q, want %q", got, metrics.ReasonTamperedJournal)
	}
}
