package replication

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// SyncOutcome is what happened to one SyncItem.
type SyncOutcome string

// Outcomes.
const (
	SyncOutcomeCopied   SyncOutcome = "copied"   // manifest (and what it needs) copied, then tagged
	SyncOutcomeTagged   SyncOutcome = "tagged"   // tag pointed at a manifest already there
	SyncOutcomeSkipped  SyncOutcome = "skipped"  // already in place
	SyncOutcomeConflict SyncOutcome = "conflict" // destination tag holds another digest; left alone
	SyncOutcomeFailed   SyncOutcome = "failed"   // see Err
)

// SyncResult is the outcome of one planned item. Verified says the final HEAD found the
// item's digest at the destination.
type SyncResult struct {
	Item     SyncItem    `json:"item"`
	Outcome  SyncOutcome `json:"outcome"`
	Verified bool        `json:"verified"`
	Err      error       `json:"-"`
}

// MarshalJSON writes Err as a string.
func (r SyncResult) MarshalJSON() ([]byte, error) {
	type plain SyncResult
	v := struct {
		plain
		Error string `json:"error,omitempty"`
	}{plain: plain(r)}
	if r.Err != nil {
		v.Error = r.Err.Error()
	}
	return json.Marshal(v)
}

// SyncReport is what an Apply did. Reports of the shards of one plan merge with
// MergeSyncReports.
type SyncReport struct {
	Items     int `json:"items"`
	Copied    int `json:"copied"`
	Tagged    int `json:"tagged"`
	Skipped   int `json:"skipped"`
	Conflicts int `json:"conflicts"`
	Failed    int `json:"failed"`
	Verified  int `json:"verified"`

	BlobsUploaded int   `json:"blobsUploaded"`
	BlobsMounted  int   `json:"blobsMounted"`
	BlobsPresent  int   `json:"blobsPresent"` // found at the destination, nothing sent
	Manifests     int   `json:"manifests"`    // manifest PUTs, tags included
	BytesUploaded int64 `json:"bytesUploaded"`
	Retries       int64 `json:"retries"`
	// Requests sent during Apply, verification included, to each side.
	SourceRequests int64         `json:"sourceRequests"`
	DestRequests   int64         `json:"destRequests"`
	Duration       time.Duration `json:"duration"`

	Results []SyncResult `json:"results"`
}

// OK reports whether every planned item is verified in place (conflicts left alone and
// failures are not).
func (r *SyncReport) OK() bool {
	return r.Verified == r.Items && r.Failed == 0 && r.Conflicts == 0
}

// String summarises the report on one line.
func (r *SyncReport) String() string {
	return fmt.Sprintf("%d items: %d copied, %d tagged, %d unchanged, %d conflicts, %d failed, %d verified; "+
		"blobs %d uploaded (%s), %d mounted, %d present; %d+%d requests; %s",
		r.Items, r.Copied, r.Tagged, r.Skipped, r.Conflicts, r.Failed, r.Verified,
		r.BlobsUploaded, FormatBytes(r.BytesUploaded), r.BlobsMounted, r.BlobsPresent,
		r.SourceRequests, r.DestRequests, r.Duration.Round(time.Millisecond))
}

// Errors returns each failed item's error.
func (r *SyncReport) Errors() []error {
	var errs []error
	for _, res := range r.Results {
		if res.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", res.Item.Ref(), res.Err))
		}
	}
	return errs
}

// MergeSyncReports adds reports up; Duration is the longest, as shards run side by side.
func MergeSyncReports(reports ...*SyncReport) *SyncReport {
	out := &SyncReport{}
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

// SyncEventKind says what a SyncEvent reports.
type SyncEventKind string

// Event kinds.
const (
	SyncEventBytes    SyncEventKind = "bytes"    // Bytes more were uploaded for Digest
	SyncEventBlob     SyncEventKind = "blob"     // a blob is in place: Outcome uploaded|mounted|present
	SyncEventManifest SyncEventKind = "manifest" // a manifest was pushed to Ref
	SyncEventItem     SyncEventKind = "item"     // an item finished: Outcome, Err
	SyncEventRetry    SyncEventKind = "retry"    // a request is being retried after Err
)

// SyncEvent is one progress report from Apply.
type SyncEvent struct {
	Kind    SyncEventKind `json:"kind"`
	Repo    string        `json:"repo,omitempty"` // destination repository
	Ref     string        `json:"ref,omitempty"`  // tag or digest
	Digest  string        `json:"digest,omitempty"`
	Bytes   int64         `json:"bytes,omitempty"`
	Size    int64         `json:"size,omitempty"`
	Outcome string        `json:"outcome,omitempty"`
	Err     error         `json:"-"`
}

// String describes the event on one line.
func (e SyncEvent) String() string {
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
