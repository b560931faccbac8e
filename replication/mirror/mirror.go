package mirror

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/retry"
)

// Referrers says which artifacts that refer to an image (signatures, SBOMs, attestations)
// a plan looks for through the OCI referrers API. Cosign-style tags (`sha256-<hex>.sig`,
// `.att`, `.sbom`, and the OCI fallback tag `sha256-<hex>`) come with their image in every
// mode, as they cost no extra request.
type Referrers string

// Referrer modes.
const (
	// ReferrersAll asks the referrers API about every selected image: complete, and one
	// extra source request per image on a no-op run — with State, only for the images
	// whose record's turn to be checked again it is (1 in 8). The default.
	ReferrersAll Referrers = ""
	// ReferrersNew asks only about images being copied: the cheapest no-op run, but a
	// signature added later to an image already copied is not seen.
	ReferrersNew Referrers = "new"
	// ReferrersNone never asks.
	ReferrersNone Referrers = "none"
)

// Defaults of a zero Options.
const (
	// DefaultJobs is how many requests a Syncer sends to each registry at once.
	DefaultJobs = 4
	// DefaultAttempts is how many times a request is tried in all.
	DefaultAttempts = 10
	// DefaultTimeout is how long a request may wait for a header or body progress.
	DefaultTimeout = 60 * time.Second
	// DefaultGiveUp is how long a registry may fail everything before it is declared down.
	DefaultGiveUp = 2 * time.Minute
)

// Options configures a Syncer. The zero value copies every repository and tag under
// the same names, four at a time, unthrottled.
type Options struct {
	// Source lists the source. Nil: the source registry's catalog (NewRegistrySource).
	Source Source
	// Flattener maps source repositories to destination repositories. Nil: same names.
	Flattener replication.Flattener
	// Validate checks each destination name before anything is written, e.g.
	// ValidateACRName. Nil: ValidateRepositoryName.
	Validate func(string) error
	// Selector picks repositories, tags and labels. Nil: everything.
	Selector replication.Selector
	// Override lets a plan overwrite destination tags holding another digest. Apply
	// overwrites one only if, right before its manifest push, the tag still holds what the
	// plan saw (otherwise ErrStalePlan); a tag the plan saw absent that holds another
	// digest by then is left alone, with or without Override (ErrTagChanged).
	Override bool
	// Reverify makes Apply's final check cover the items the plan found already in place
	// too. By default the plan's own observation of them (one HEAD each) stands, so a
	// no-op re-sync costs one manifest HEAD per tag on each side plus the listings. Set it
	// when applying a plan made a while ago. With State, Reverify also makes the plan
	// look at every tag instead of taking it from the record.
	Reverify bool
	// State is the path of a file where Apply records what the run left in place at the
	// destination (each tag's digest, each image's referrers), so that the next Plan takes
	// a tag whose source digest is the one recorded from the record instead of asking the
	// destination (a manifest HEAD) and, with ReferrersAll, the referrers API: a no-op
	// re-sync then costs one source HEAD per tag plus the two tag listings per repository,
	// and the 1/8 of the records whose turn it is to be checked again. The file holds
	// registry and repository names, tags and digests, never credentials; it is replaced
	// atomically, mode 0600. A missing, corrupt, edited or foreign file only costs
	// requests. A destination tag moved by someone else between two runs, or a referrer
	// added through the referrers API to an image that did not change, is found when its
	// record's turn comes (at most 8 runs later), or at once with Reverify. Apply records
	// a plan that this Syncer's Plan returned, not one split by Plan.ShardOf or read back from JSON;
	// two runs that write one file at once leave it without records. Empty: no state.
	State string
	// Referrers picks which images the referrers API is asked about.
	Referrers Referrers
	// Shard and Shards, with Shards above 0, make Plan and Sync take one part of the work:
	// the destination repositories whose name ShardIndex puts in part Shard of Shards, as
	// Plan.ShardOf would split the whole plan. n processes — a Kubernetes Indexed Job,
	// each given its JOB_COMPLETION_INDEX — each list the source, and each plans and
	// copies its own part only (splitting a whole plan makes every process plan
	// everything). Every selected repository's destination name is still mapped and
	// validated, collisions included, before anything else, so all parts refuse a bad
	// mapping alike. A blob needed by repositories of different parts is copied once per
	// part. With State, each part records its own repositories and keeps no other part's
	// records (they would be stale once that part synced with another file): give each
	// its own file (one file shared by parts, or files swapped between them, only costs
	// requests). Shards 0: everything (Shard must be 0); Shard outside 0 to Shards-1 is
	// refused (ErrInvalidOptions).
	Shard, Shards int
	// Jobs bounds the requests in flight to each registry: at most Jobs to the source and
	// Jobs to the destination at a time (a blob's transfer, its GET streaming into its
	// PUT, holds one of each; each planner's listings aside): the load on each registry
	// — say a Harbor serving its users during the copy — is what the limit is for, and
	// one registry's requests do not take the other's slots. 0: DefaultJobs (4);
	// negative is refused (ErrInvalidOptions).
	Jobs int
	// Limiter is the shared bandwidth budget for every byte read from the source. Nil:
	// unlimited. Give every shard of a plan a share (ShardRate).
	Limiter replication.BandwidthLimiter
	// Retry is how often a failed request is tried again and how long to back off: 5xx,
	// 429 (honouring Retry-After, capped at Max), 408, timeouts, connection resets and
	// truncated bodies are retried; other 4xx answers, such as authentication failures,
	// never. Zero fields take retry's defaults, except Attempts: 0 is DefaultAttempts (10),
	// the engine's own default.
	Retry retry.Policy
	// Timeout bounds every wait of a request on a registry: it fails with ErrTimeout (and
	// is retried) once it has waited Timeout for a response header, or for progress on
	// its body in either direction. For a blob's transfer it is an idle timeout, not a
	// deadline: a large layer that keeps moving is never cut. Small requests — manifests,
	// listings, tokens, HEADs, everything but a blob's transfer — also have a deadline of
	// 5 × Timeout in all, so an answer dripped a byte at a time ends too (ErrTimeout,
	// retried). 0: DefaultTimeout (60 s); negative is refused.
	Timeout time.Duration
	// GiveUp is how long a registry may answer nothing successfully, while requests to it
	// keep failing, before it is declared down: every operation on it then fails at once
	// with ErrRegistryDown instead of retrying, and no request is sent to it for another
	// GiveUp. A registry failing only some of its requests, however many, is never
	// declared down. Measured on Clock. 0: DefaultGiveUp (2 minutes); negative is refused.
	GiveUp time.Duration
	// Clock times backoffs and the report. Nil: the system clock.
	Clock clock.Clock
	// Progress receives events as Apply goes. It is called from many goroutines, one call
	// at a time, and must return quickly.
	Progress func(Event)
	// Logger receives debug and warning records. Nil: none.
	Logger *slog.Logger
}

// Syncer copies images from one registry to another directly: Plan observes both sides,
// Apply copies what the plan says. One Syncer keeps one authenticated connection per
// registry for its whole life, so Plan then Apply pings each registry once.
//
// A Syncer is safe for concurrent use, but one Apply at a time is what the report assumes.
type Syncer struct {
	src, dst *registryClient
	source   Source
	opts     Options
	policy   policy // of opts.Retry, Timeout and GiveUp, with defaults

	// srcSlots and dstSlots are the Jobs request slots of each registry, which Plan's
	// per-tag requests take and a pipelined Sync's copies share.
	srcSlots, dstSlots *slots
	retries            atomic.Int64
	noReferrersAPI     atomic.Bool // the source answered a referrers request as an unknown route
	emitMu             sync.Mutex
}

// New returns a Syncer from src to dst. It does no I/O.
func New(src, dst Endpoint, opts Options) (*Syncer, error) {
	if src.Registry == "" || dst.Registry == "" {
		return nil, errors.New("creating syncer: source and destination registries are required")
	}
	for _, ep := range []Endpoint{src, dst} {
		if _, err := ep.registry(); err != nil {
			return nil, fmt.Errorf("creating syncer: %w", err)
		}
		// Explicit credentials are known without I/O: refuse now, not at the first request.
		// Keychain credentials are checked when the registry is first reached.
		scheme, host, _ := schemeOf(ep.Registry, ep.PlainHTTP)
		if err := checkCleartext(scheme, host, ep.Auth != nil && ep.Auth != authn.Anonymous, ep.AllowPlainHTTPCredentials); err != nil {
			return nil, fmt.Errorf("creating syncer: %w", err)
		}
	}
	switch opts.Referrers {
	case ReferrersAll, ReferrersNew, ReferrersNone:
	default:
		return nil, fmt.Errorf("creating syncer: %w: unknown referrers mode %q", ErrInvalidOptions, opts.Referrers)
	}
	if err := opts.Retry.Validate(); err != nil {
		return nil, fmt.Errorf("creating syncer: %w: %w", ErrInvalidOptions, err)
	}
	switch {
	case opts.Timeout < 0 || opts.GiveUp < 0:
		return nil, fmt.Errorf("creating syncer: %w: Timeout %v and GiveUp %v may not be negative", ErrInvalidOptions, opts.Timeout, opts.GiveUp)
	case opts.Jobs < 0:
		return nil, fmt.Errorf("creating syncer: %w: Jobs %d is negative", ErrInvalidOptions, opts.Jobs)
	case opts.Jobs == 0:
		opts.Jobs = DefaultJobs
	}
	if opts.Shards < 0 || opts.Shard < 0 || (opts.Shards > 0 && opts.Shard >= opts.Shards) || (opts.Shards == 0 && opts.Shard != 0) {
		return nil, fmt.Errorf("creating syncer: %w: shard %d of %d", ErrInvalidOptions, opts.Shard, opts.Shards)
	}
	if opts.Limiter == nil {
		opts.Limiter = replication.Unlimited
	}
	if opts.Clock == nil {
		opts.Clock = systemClock{}
	}
	if opts.Validate == nil {
		opts.Validate = replication.ValidateRepositoryName
	}
	if opts.Selector == nil {
		opts.Selector = replication.MustRules()
	}
	if opts.Flattener == nil {
		opts.Flattener = replication.FlattenFunc(func(r string) (string, error) { return r, nil })
	}
	s := &Syncer{
		src:  newSyncClient(src, opts.Limiter, false),
		dst:  newSyncClient(dst, nil, true),
		opts: opts,
		policy: policy{Attempts: opts.Retry.Attempts, Base: opts.Retry.Initial, Max: opts.Retry.Max,
			Timeout: opts.Timeout, GiveUp: opts.GiveUp}.withDefaults(),
		srcSlots: newSlots(opts.Jobs),
		dstSlots: newSlots(opts.Jobs),
	}
	for _, c := range []*registryClient{s.src, s.dst} {
		c.retry, c.clock, c.onRetry = s.policy, opts.Clock, s.retried
	}
	s.src.peers, s.dst.peers = []*registryClient{s.dst}, []*registryClient{s.src}
	s.source = opts.Source
	if s.source == nil {
		s.source = &RegistrySource{c: s.src}
	}
	return s, nil
}

// Requests returns how many HTTP requests the Syncer has sent to the source and to the
// destination so far (token requests included).
func (s *Syncer) Requests() (source, destination int64) {
	return s.src.requests.Load(), s.dst.requests.Load()
}

func (s *Syncer) retried(err error, wait time.Duration) {
	s.retries.Add(1)
	s.logger().Debug("retrying", "err", err, "wait", wait)
	s.emit(Event{Kind: EventRetry, Err: err})
}

func (s *Syncer) emit(e Event) {
	if s.opts.Progress == nil {
		return
	}
	s.emitMu.Lock()
	defer s.emitMu.Unlock()
	s.opts.Progress(e)
}

func (s *Syncer) logger() *slog.Logger {
	if s.opts.Logger != nil {
		return s.opts.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// String names the two registries, never credentials.
func (s *Syncer) String() string {
	if s == nil || s.src == nil || s.dst == nil {
		return "sync (no registries)"
	}
	return fmt.Sprintf("sync %s → %s", s.src.ep, s.dst.ep)
}

// Format prints the Syncer as String does under every verb, and for %#v as a Go-like value
// of its two endpoints: a Syncer holds credentials, which fmt would otherwise print
// field by field (%v of a pointer, or %s, which fmt does not send to String inside a struct).
func (s *Syncer) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') && s != nil && s.src != nil && s.dst != nil {
		fmt.Fprintf(f, "&mirror.Syncer{Source: %#v, Destination: %#v}", s.src.ep, s.dst.ep)
		return
	}
	fmt.Fprint(f, s.String())
}

// MarshalJSON writes the two endpoints, redacted.
func (s *Syncer) MarshalJSON() ([]byte, error) {
	if s == nil || s.src == nil || s.dst == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(struct {
		Source      Endpoint `json:"source"`
		Destination Endpoint `json:"destination"`
	}{s.src.ep, s.dst.ep})
}

// LogValue is what slog records: the two endpoints, redacted.
func (s *Syncer) LogValue() slog.Value {
	if s == nil || s.src == nil || s.dst == nil {
		return slog.GroupValue()
	}
	return slog.GroupValue(slog.Any("source", s.src.ep), slog.Any("destination", s.dst.ep))
}
