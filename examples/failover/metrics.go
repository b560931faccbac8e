package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/metrics"
)

// newMetrics is watch's metrics.Monitor: fed the monitor's events, the lag measured and
// the journal already written, so a restarted daemon reports each target's side at once.
// It is ready once a probe round has completed within the last three -interval.
func (r *runner) newMetrics(targets []failover.Target, entries []failover.JournalEntry) *metrics.Monitor {
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.Name
	}
	m := metrics.NewMonitor(metrics.MonitorOptions{RPO: r.c.rpo, Clock: r.clock, MaxRoundAge: 3 * r.c.interval, Targets: names})
	m.ObserveJournal(entries)
	return m
}

// serveMetrics serves /metrics (m, with the Go runtime's and the process's collectors),
// /healthz and /readyz on -metrics-addr, and logs the address it bound (an address with
// port 0 gets a free one). The returned stop closes the listener and every connection.
func (r *runner) serveMetrics(m *metrics.Monitor) (stop func(), err error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(m, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ln, err := net.Listen("tcp", r.c.metricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listening on -metrics-addr: %w", err)
	}
	srv := &http.Server{Handler: metrics.Handler(reg, m.Ready), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.log.Error("serving metrics failed", "error", err)
		}
	}()
	r.log.Info("serving metrics", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		<-done
	}, nil
}
