package failover

import (
	"context"
	"time"
)

// ReverseLag is how far Harbor is behind ACR EE after a failover: what clients pushed into
// ACR EE during the outage, which a failback now would hide from them (it would exist only
// in ACR EE, under the flattened name). Package lag measures it (lag.Verifier.Reverse);
// its ReverseSummary converts to a ReverseLag field for field.
type ReverseLag struct {
	// Missing counts tags ACR EE holds that Harbor lacks; Stale those Harbor holds at
	// another digest.
	Missing int `json:"missing"`
	Stale   int `json:"stale"`
	// Unmapped counts tags in ACR EE repositories that no Harbor repository flattens to
	// (created during the outage under a new name): they have no place in Harbor to go
	// back to.
	Unmapped int `json:"unmapped"`
	// OldestMissing is the age of the oldest missing or stale tag whose push time ACR EE
	// reported; 0 when none did.
	OldestMissing time.Duration `json:"oldest_missing"`
	// CheckedAt is when the comparison ran.
	CheckedAt time.Time `json:"checked_at,omitzero"`
}

// Behind reports whether ACR EE holds anything Harbor lacks: a failback now would lose it.
func (r ReverseLag) Behind() bool { return r.Missing+r.Stale+r.Unmapped > 0 }

// ReverseLagReporter reports the reverse lag; package lag's verifier satisfies it through
// [ReverseLagFunc].
type ReverseLagReporter interface {
	ReverseLag(ctx context.Context) (ReverseLag, error)
}

// ReverseLagFunc adapts a function to [ReverseLagReporter].
type ReverseLagFunc func(ctx context.Context) (ReverseLag, error)

// ReverseLag calls f.
func (f ReverseLagFunc) ReverseLag(ctx context.Context) (ReverseLag, error) { return f(ctx) }

var _ ReverseLagReporter = ReverseLagFunc(nil)
