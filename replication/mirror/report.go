package mirror

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/regdr/regdr/replication"
)

// Outcome is what happened to one Item.
type Outcome string

// Outcomes.
const (
	OutcomeCopied   Outcome = "copied"   // manifest (and what it needs) copied, then tagged
	OutcomeTagged   Outcome = "tagged"   // tag pointed at a manifest already there
	OutcomeSkipped  Outcome = "skipped"  // already in place
	OutcomeConflict Outcome = "conflict" // destination tag holds another digest; left alone
	OutcomeFailed   Outcome = "failed"   // see Err
)

// Result is the outcome of one planned item. Verified says the final HEAD found the
// item's digest at the destination.
type Result struct {
	Item     Item    `json:"item"`
	Outcome  Outcome `json:"outcome"`
	Verified bool    `json:"verified"`
	Err      error   `json:"-"`
}

// MarshalJSON writes Err as a string.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result
	v := struct {
		plain
		Error string `json:"error,omitempty"`
	}{plain: plain(r)}
	if r.Err != nil {
		v.Error = r.Err.Error()
	}
	return json.Marshal(v)
}

// Report is what an Apply did. Reports of the shards of one plan merge with
// MergeReports.
type Report struct {
	Items     int `json:"items"`
	Copied    int `json:"copied"`
	Tagged    int `json:"tagged"`
	Skipped   int `json:"skipped"`
	Conflicts int `json:"conflicts"`
	Failed    int `json:"failed"`
	Verified  int `json:"verified"`

	BlobsUploaded int   `json:"blobs_uploaded"`
	BlobsMounted  int   `json:"blobs_mounted"`
	BlobsPresent  int   `json:"blobs_present"` // found at the destination, nothing sent
	Manifests     int   `json:"manifests"`     // manifest PUTs, tags included
	BytesUploaded int64 `json:"bytes_uploaded"`
	Retries       int64 `json:"retries"`
	// Requests sent during Apply, verification included, to each side.
	SourceRequests int64         `json:"source_requests"`
	DestRequests   int64         `json:"dest_requests"`
	Duration       time.Duration `json:"duration"`

	Results []Result `json:"results"`
}

// OK reports whether every planned item is verified in place (conflicts left alone and
// failures are not).
func (r *Report) OK() bool {
	return r.Verified == r.Items && r.Failed == 0 && r.Conflicts == 0
}

// String summarises the report on one line.
func (r *Report) String() string {
	return fmt.Sprintf("%d items: %d copied, %d tagged, %d unchanged, %d conflicts, %d failed, %d verified; "+
		"blobs %d uploaded (%s), %d mounted, %d present; %d+%d requests; %s",
		r.Items, r.Copied, r.Tagged, r.Skipped, r.Conflicts, r.Failed, r.Verified,
		r.BlobsUploaded, replication.FormatBytes(r.BytesUploaded), r.BlobsMounted, r.BlobsPresent,
		r.SourceRequests, r.DestRequests, r.Duration.Round(time.Millisecond))
}

// Errors returns each failed item's error.
func (r *Report) Errors() []error {
	var errs []error
	for _, res := range r.Results {
		if res.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", res.Item.Ref(), res.Err))
		}
	}
	return errs
}

// MergeReports adds reports up; Duration is the longest, as shards run side by side.
func MergeReports(reports ...*Report) *Report {
	out := &Report{}
	for _, r := range reports {
		if r == nil {
			continue
		}
		out.Items += r.Items
		out.Copied += r.Copied
		out.Tagged += r.Tagged
		out.Skipped += r.Skipped
		out.Conflicts += r.Conflicts
		out.Failed += r.Failed
		out.Verified += r.Verified
		out.BlobsUploaded += r.BlobsUploaded
		out.BlobsMounted += r.BlobsMounted
		out.BlobsPresent += r.BlobsPresent
		out.Manifests += r.Manifests
		out.BytesUploaded += r.BytesUploaded
		out.Retries += r.Retries
		out.SourceRequests += r.SourceRequests
		out.DestRequests += r.DestRequests
		out.Duration = max(out.Duration, r.Duration)
		out.Results = append(out.Results, r.Results...)
	}
	sort.SliceStable(out.Results, func(i, j int) bool { return out.Results[i].Item.Ref() < out.Results[j].Item.Ref() })
	return out
}

// EventKind says what a Event reports.
type EventKind string

// Event kinds.
const (
	EventBytes    EventKind = "bytes"    // Bytes more were uploaded for Digest
	EventBlob     EventKind = "blob"     // a blob is in place: Outcome uploaded|mounted|present
	EventManifest EventKind = "manifest" // a manifest was pushed to Ref
	EventItem     EventKind = "item"     // an item finished: Outcome, Err
	EventRetry    EventKind = "retry"    // a request is being retried after Err
)

// Event is one progress report from Apply.
type Event struct {
	Kind    EventKind `json:"kind"`
	Repo    string    `json:"repo,omitempty"` // destination repository
	Ref     string    `json:"ref,omitempty"`  // tag or digest
	Digest  string    `json:"digest,omitempty"`
	Bytes   int64     `json:"bytes,omitempty"`
	Size    int64     `json:"size,omitempty"`
	Outcome string    `json:"outcome,omitempty"`
	Err     error     `json:"-"`
}

// String describes the event on one line.
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Kind, e.Repo)
	if e.Ref != "" {
		fmt.Fprintf(&b, " %s", e.Ref)
	}
	if e.Digest != "" {
		fmt.Fprintf(&b, " %s", syncShort(e.Digest))
	}
	if e.Outcome != "" {
		fmt.Fprintf(&b, " %s", e.Outcome)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}
