package failover

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/regdr/regdr/internal/redact"
)

// DefaultThreshold is how many consecutive results change an endpoint's health.
const DefaultThreshold = 3

// Health is an endpoint's health as decided by a [HealthTracker].
type Health string

// Health values.
const (
	// HealthUnknown: not enough results yet to decide.
	HealthUnknown Health = "unknown"
	// HealthUp: a quorum of vantage points saw Threshold consecutive up results.
	HealthUp Health = "up"
	// HealthDown: a quorum of vantage points saw Threshold consecutive down results.
	HealthDown Health = "down"
)

// HealthPolicy decides when raw probe results change health, the way Route 53 health
// checks do: a vantage point's view changes only after Threshold consecutive results,
// and the endpoint's health only when Quorum vantage points agree.
type HealthPolicy struct {
	// Threshold is the number of consecutive results needed. The default is 3.
	Threshold int `json:"threshold,omitempty"`
	// Quorum is how many vantage points must agree. The default is a majority of the
	// vantage points (of a [Checker]; of those seen so far for a bare tracker).
	Quorum int `json:"quorum,omitempty"`
}

func (p HealthPolicy) validate() error {
	if p.Threshold < 0 || p.Quorum < 0 {
		return fmt.Errorf("%w: negative health threshold or quorum", ErrInvalid)
	}
	return nil
}

// HealthStatus is an endpoint's health with the evidence behind it.
type HealthStatus struct {
	// Endpoint is the endpoint's name.
	Endpoint string `json:"endpoint"`
	// Health is the decided health.
	Health Health `json:"health"`
	// Since is when Health last changed (zero while unknown).
	Since time.Time `json:"since,omitzero"`
	// UpStreak is the number of consecutive up results seen by at least a quorum of vantage
	// points; DownStreak likewise for down results.
	UpStreak   int `json:"up_streak"`
	DownStreak int `json:"down_streak"`
	// Threshold and Quorum are the policy in effect.
	Threshold int `json:"threshold"`
	Quorum    int `json:"quorum"`
	// Vantages is each vantage point's view, sorted by name.
	Vantages []VantageStatus `json:"vantages,omitempty"`
}

// VantageStatus is one vantage point's view of an endpoint.
type VantageStatus struct {
	// Vantage names the vantage point.
	Vantage string `json:"vantage"`
	// UpStreak and DownStreak count its consecutive up or down results (one is 0).
	UpStreak   int `json:"up_streak"`
	DownStreak int `json:"down_streak"`
	// Last is its latest result.
	Last ProbeResult `json:"last"`
}

// HealthTracker turns raw probe results into health. It is safe for concurrent use; the
// zero value is not usable, call [NewHealthTracker].
type HealthTracker struct {
	policy HealthPolicy

	mu       sync.Mutex
	endpoint string
	vantages map[string]*VantageStatus
	health   Health
	since    time.Time
}

// NewHealthTracker returns a tracker for one endpoint, starting unknown.
func NewHealthTracker(p HealthPolicy) (*HealthTracker, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if p.Threshold == 0 {
		p.Threshold = DefaultThreshold
	}
	return &HealthTracker{policy: p, vantages: map[string]*VantageStatus{}, health: HealthUnknown}, nil
}

// Observe records one result (keyed by its Vantage) and returns the health after it.
func (t *HealthTracker) Observe(r ProbeResult) HealthStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.endpoint = r.Endpoint
	v := t.vantages[r.Vantage]
	if v == nil {
		v = &VantageStatus{Vantage: r.Vantage}
		t.vantages[r.Vantage] = v
	}
	r.Error = redact.Text(r.Error) // a vantage point's error may quote a server's answer
	v.Last = r
	if r.Up {
		v.UpStreak++
		v.DownStreak = 0
	} else {
		v.DownStreak++
		v.UpStreak = 0
	}
	st := t.statusLocked()
	up, down := st.UpStreak >= st.Threshold, st.DownStreak >= st.Threshold
	next := t.health
	switch {
	case up && !down:
		next = HealthUp
	case down && !up:
		next = HealthDown
	}
	if next != t.health {
		t.health, t.since = next, r.At
	}
	st.Health, st.Since = t.health, t.since
	return st
}

// Status returns the current health.
func (t *HealthTracker) Status() HealthStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.statusLocked()
}

func (t *HealthTracker) statusLocked() HealthStatus {
	q := t.policy.Quorum
	if q == 0 {
		q = len(t.vantages)/2 + 1
	}
	st := HealthStatus{Endpoint: t.endpoint, Health: t.health, Since: t.since, Threshold: t.policy.Threshold, Quorum: q}
	ups := make([]int, 0, len(t.vantages))
	downs := make([]int, 0, len(t.vantages))
	for _, v := range t.vantages {
		st.Vantages = append(st.Vantages, *v)
		ups = append(ups, v.UpStreak)
		downs = append(downs, v.DownStreak)
	}
	sort.Slice(st.Vantages, func(i, j int) bool { return st.Vantages[i].Vantage < st.Vantages[j].Vantage })
	st.UpStreak, st.DownStreak = quorumStreak(ups, q), quorumStreak(downs, q)
	return st
}

// quorumStreak is the longest streak at least q vantage points share: the q-th largest.
func quorumStreak(streaks []int, q int) int {
	if q <= 0 || len(streaks) < q {
		return 0
	}
	slices.Sort(streaks)
	return streaks[len(streaks)-q]
}
