package metrics

import (
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/replication/mirror"
)

// Sync is a prometheus.Collector of the sync engine's work: bytes uploaded, blobs
// uploaded, mounted or already present, manifests pushed, items by outcome, retries, and
// each run's result and duration. Counters come from mirror.Event values (Observe, given
// as mirror.Options.Progress), run-level metrics from the final mirror.Report
// (ObserveReport), so feeding both counts nothing twice. The zero value is not usable:
// call NewSync. A Sync is safe for concurrent use.
type Sync struct {
	clock clock.Clock

	bytes       prometheus.Counter
	blobs       *prometheus.CounterVec
	manifests   prometheus.Counter
	items       *prometheus.CounterVec
	retries     prometheus.Counter
	runs        *prometheus.CounterVec
	duration    prometheus.Gauge
	lastRun     prometheus.Gauge
	lastSuccess prometheus.Gauge
	lastFailed  prometheus.Gauge
	succeeded   atomic.Bool // lastSuccess is set: collected only then
}

var (
	blobOutcomes = []string{"uploaded", "mounted", "present"}
	itemOutcomes = []string{string(mirror.OutcomeCopied), string(mirror.OutcomeTagged), string(mirror.OutcomeSkipped),
		string(mirror.OutcomeConflict), string(mirror.OutcomeFailed)}
)

// NewSync returns a collector with every counter at zero. c dates the runs reported to
// ObserveReport; nil is the system clock.
func NewSync(c clock.Clock) *Sync {
	s := &Sync{
		clock:       clock.Or(c),
		bytes:       prometheus.NewCounter(prometheus.CounterOpts{Name: "regdr_sync_uploaded_bytes_total", Help: "Blob bytes uploaded to the destination."}),
		blobs:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "regdr_sync_blobs_total", Help: "Blobs put in place at the destination, by how: uploaded, mounted from another repository, or already present."}, []string{"outcome"}),
		manifests:   prometheus.NewCounter(prometheus.CounterOpts{Name: "regdr_sync_manifests_total", Help: "Manifests pushed to the destination, tags included."}),
		items:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "regdr_sync_items_total", Help: "Plan items (tags) finished, by outcome; failed ones are the sync failures."}, []string{"outcome"}),
		retries:     prometheus.NewCounter(prometheus.CounterOpts{Name: "regdr_sync_retries_total", Help: "Requests retried after a transient failure."}),
		runs:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "regdr_sync_runs_total", Help: "Sync runs (Apply calls) finished, by result: ok, or failed when an item failed."}, []string{"result"}),
		duration:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "regdr_sync_last_run_duration_seconds", Help: "How long the last sync run took."}),
		lastRun:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "regdr_sync_last_run_timestamp_seconds", Help: "When the last sync run finished, in seconds since the epoch."}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{Name: "regdr_sync_last_success_timestamp_seconds", Help: "When the last sync run without a failed item finished, in seconds since the epoch."}),
		lastFailed:  prometheus.NewGauge(prometheus.GaugeOpts{Name: "regdr_sync_last_run_failed_items", Help: "Items that failed in the last sync run."}),
	}
	for _, o := range blobOutcomes {
		s.blobs.WithLabelValues(o)
	}
	for _, o := range itemOutcomes {
		s.items.WithLabelValues(o)
	}
	s.runs.WithLabelValues("ok")
	s.runs.WithLabelValues("failed")
	return s
}

// Observe records one progress event; it is meant as mirror.Options.Progress (or to be
// called from it). Repository, tag and digest are never used as labels.
func (s *Sync) Observe(ev mirror.Event) {
	switch ev.Kind {
	case mirror.EventBytes:
		if ev.Bytes > 0 {
			s.bytes.Add(float64(ev.Bytes))
		}
	case mirror.EventBlob:
		s.blobs.WithLabelValues(bounded(ev.Outcome, blobOutcomes)).Inc()
	case mirror.EventManifest:
		s.manifests.Inc()
	case mirror.EventItem:
		s.items.WithLabelValues(bounded(ev.Outcome, itemOutcomes)).Inc()
	case mirror.EventRetry:
		s.retries.Inc()
	}
}

// Progress returns a mirror.Options.Progress that records each event, then passes it to
// next (nil: none).
func (s *Sync) Progress(next func(mirror.Event)) func(mirror.Event) {
	return func(ev mirror.Event) {
		s.Observe(ev)
		if next != nil {
			next(ev)
		}
	}
}

// ObserveReport records the end of a run: its result, duration and failed items. Counters
// are left to Observe. A nil report is ignored.
//
// regdr_sync_last_success_timestamp_seconds is exported only once a run has succeeded: a
// zero would read as 1970 (an alert on its age would fire at once), and pushed to a
// Pushgateway with Add it would overwrite the time an earlier run succeeded.
func (s *Sync) ObserveReport(r *mirror.Report) {
	if r == nil {
		return
	}
	now := seconds(s.clock.Now())
	result := "ok"
	if r.Failed > 0 {
		result = "failed"
	} else {
		s.lastSuccess.Set(now)
		s.succeeded.Store(true)
	}
	s.endRun(result, now, r.Duration, r.Failed)
}

// ObserveRunError records a run that failed before it had a report — the plan could not
// be made (the source could not be listed, or the run was interrupted while planning): a
// failed run of duration d with no item failed, since none was planned. Alert on
// regdr_sync_last_run_timestamp_seconds being later than the last success.
func (s *Sync) ObserveRunError(d time.Duration) {
	s.endRun("failed", seconds(s.clock.Now()), d, 0)
}

func (s *Sync) endRun(result string, now float64, d time.Duration, failed int) {
	s.runs.WithLabelValues(result).Inc()
	s.duration.Set(d.Seconds())
	s.lastRun.Set(now)
	s.lastFailed.Set(float64(failed))
}

func (s *Sync) collectors() []prometheus.Collector {
	return []prometheus.Collector{s.bytes, s.blobs, s.manifests, s.items, s.retries, s.runs, s.duration, s.lastRun, s.lastFailed}
}

// Describe sends the descriptors of every metric the sync collector exports.
func (s *Sync) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range s.collectors() {
		c.Describe(ch)
	}
	s.lastSuccess.Describe(ch)
}

// Collect sends the current values; the last success time once there is one.
func (s *Sync) Collect(ch chan<- prometheus.Metric) {
	for _, c := range s.collectors() {
		c.Collect(ch)
	}
	if s.succeeded.Load() {
		s.lastSuccess.Collect(ch)
	}
}

// bounded keeps a label within its known values, so an unexpected outcome cannot grow the
// series count.
func bounded(v string, known []string) string {
	for _, k := range known {
		if v == k {
			return v
		}
	}
	return "other"
}

var _ prometheus.Collector = (*Sync)(nil)
