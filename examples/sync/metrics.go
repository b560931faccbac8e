package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"

	"github.com/regdr/regdr/internal/redact"
	"github.com/regdr/regdr/metrics"
	"github.com/regdr/regdr/replication/mirror"
)

// pushJob is the job label of the metrics pushed to a Pushgateway.
const pushJob = "regdr_sync"

// exportTimeout bounds writing -metrics-file and pushing to -pushgateway at the end of a
// run, which may be an interrupted one (its context is done by then).
const exportTimeout = 30 * time.Second

// exporter hands the run's sync metrics (metrics.Sync) to Prometheus at the end of the run,
// since a Job is gone before any scrape: to -metrics-file, in the text format of
// node-exporter's textfile collector, written beside and renamed over so the collector
// never reads half a file; and to -pushgateway, with Add (POST), under job regdr_sync and,
// with -shards, a shard grouping label, so that shards do not overwrite each other and
// a failed run leaves the previous run's last-success time in place.
type exporter struct {
	sync    *metrics.Sync
	reg     *prometheus.Registry
	file    string
	gateway string
	shard   int // -1: not sharded
	start   time.Time
}

// newExporter returns nil when neither -metrics-file nor -pushgateway is given.
func newExporter(c *config) *exporter {
	if c.metricsFile == "" && c.pushgateway == "" {
		return nil
	}
	e := &exporter{sync: metrics.NewSync(nil), reg: prometheus.NewRegistry(),
		file: c.metricsFile, gateway: c.pushgateway, shard: -1, start: time.Now()}
	if c.shards > 0 {
		e.shard = c.shard
	}
	e.reg.MustRegister(e.sync)
	return e
}

// progress counts each event, then passes it to next. A nil exporter counts nothing.
func (e *exporter) progress(next func(mirror.Event)) func(mirror.Event) {
	if e == nil {
		return next
	}
	return e.sync.Progress(next)
}

// finish records the run — rep, or when the plan could not be made (rep nil) a failed run
// — and exports the metrics. cutShort says the run ended before every repository was
// planned (Sync: a repository could not be planned, or the run was interrupted between
// repositories): a failed run even if the items copied before are all verified; the items
// are counted all the same (their events were). A nil exporter does nothing.
func (e *exporter) finish(ctx context.Context, rep *mirror.Report, cutShort bool) error {
	if e == nil {
		return nil
	}
	switch {
	case rep == nil:
		e.sync.ObserveRunError(time.Since(e.start))
	case cutShort && rep.Failed == 0:
		e.sync.ObserveRunError(rep.Duration)
	default:
		e.sync.ObserveReport(rep) // a run cut short with failed items is failed: they say how many
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), exportTimeout)
	defer cancel()
	var errs []error
	if e.file != "" {
		if err := prometheus.WriteToTextfile(e.file, e.reg); err != nil {
			errs = append(errs, fmt.Errorf("writing -metrics-file: %w", err))
		}
	}
	if e.gateway != "" {
		client := &http.Client{Timeout: exportTimeout, Transport: shortErrors{http.DefaultTransport}}
		p := push.New(e.gateway, pushJob).Gatherer(e.reg).Client(client)
		if e.shard >= 0 {
			p = p.Grouping("shard", strconv.Itoa(e.shard))
		}
		if err := p.AddContext(ctx); err != nil {
			errs = append(errs, fmt.Errorf("pushing to -pushgateway: %w", err))
		}
	}
	return errors.Join(errs...)
}

// checkMetricsFile refuses a -metrics-file the textfile collector would ignore (its name
// must end in .prom) or that could not be written at the end of a long run (no such
// directory).
func checkMetricsFile(f string) error {
	if f == "" {
		return nil
	}
	if !strings.HasSuffix(f, ".prom") || strings.HasSuffix(f, "/.prom") || f == ".prom" {
		return usageErr(fmt.Sprintf("-metrics-file %q: node-exporter's textfile collector reads only NAME.prom", f))
	}
	if fi, err := os.Stat(filepath.Dir(f)); err != nil || !fi.IsDir() {
		return usageErr(fmt.Sprintf("-metrics-file %q: directory %q does not exist", f, filepath.Dir(f)))
	}
	if fi, err := os.Lstat(f); err == nil && fi.IsDir() {
		return usageErr(fmt.Sprintf("-metrics-file %q is a directory", f))
	}
	return nil
}

// checkMetricsNotRead refuses a -metrics-file that is a file the run reads — the Harbor
// password file, or what it links to: the metrics would replace it at the end of the run.
func checkMetricsNotRead(metrics, flag, read string) error {
	if metrics == "" || read == "" {
		return nil
	}
	mi, err := os.Stat(metrics)
	if err != nil {
		return nil // no file there yet: none the run reads
	}
	if ri, err := os.Stat(read); err == nil && os.SameFile(mi, ri) {
		return usageErr(fmt.Sprintf("-metrics-file %q is %s: the metrics would replace it", metrics, flag))
	}
	return nil
}

// checkPushgateway accepts http(s)://HOST[:PORT][/PATH] without credentials, a query or a
// fragment: the push package appends /metrics/job/… to the path. Its complaints never
// repeat the address, which may hold a secret however it is misspelled.
func checkPushgateway(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return usageErr("-pushgateway: not a URL") // the parser's message would repeat it
	case u.User != nil:
		return usageErr("-pushgateway: credentials do not belong in the address")
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return usageErr("-pushgateway: want http(s)://HOST[:PORT]")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return usageErr("-pushgateway: no query or fragment")
	}
	return nil
}

// maxErrorBody bounds how much of a Pushgateway's error answer the push error quotes.
const maxErrorBody = 512

// shortErrors hands the push package a gateway's error answer as redact.Message makes it
// fit to quote — at most maxErrorBody bytes, control characters (newlines, terminal
// escapes) replaced, withheld whole if it quotes a credential: the package quotes the
// whole body in its error, which is printed on stderr, so a gateway or a proxy in front
// of it could otherwise flood the log, forge lines in it or echo a secret into it.
type shortErrors struct{ next http.RoundTripper }

func (t shortErrors) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := t.next.RoundTrip(r)
	if err != nil || res.StatusCode < 300 {
		return res, err
	}
	b, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody+1)) // one more: Message marks the cut
	res.Body.Close()
	msg := redact.Message(string(b), maxErrorBody)
	res.Body, res.ContentLength = io.NopCloser(strings.NewReader(msg)), int64(len(msg))
	return res, nil
}
