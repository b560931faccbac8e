// Package failover moves registry clients from Harbor (the primary) to Alibaba Cloud
// Container Registry Enterprise Edition (the secondary) by changing DNS, and back — the
// runbook's disaster-recovery step — the way trusted failover systems do it: health
// checks that never act on one failed probe (Route 53), plans computed from an
// observation and applied only when they have changes (external-dns), and the refusal of
// a plan whose world changed since it was made (Terraform).
//
// # Probing
//
// An [Endpoint] is a registry's base URL. A [Prober] is one vantage point: it sends
// GET <base>/v2/ and counts 200, or 401 with a WWW-Authenticate challenge, as up; any
// other status, a transport or TLS failure, or the per-probe timeout as down. TLS is
// verified unless the endpoint opts out. A [Checker] probes an endpoint from every vantage
// point and feeds a [HealthTracker], whose [HealthPolicy] changes health only after
// Threshold consecutive results (3 by default) agreed by a quorum of vantage points.
//
// # Targets
//
// A [Target] is one DNS record that points at Harbor (Primary) and, after failover, at
// ACR EE (Secondary). The runbook's three solutions have constructors:
// [PrivateZoneTarget] (a: a PrivateZone zone bound to the clients' VPC, record → CNAME to
// the ACR EE public endpoint, TTL kept), [PublicTarget] (b: a public Alidns name → the
// ACR EE public address, as a CNAME or an A record), and [VPCTarget] (c: a name → the ACR
// EE instance's IP in a VPC). They read the instance's endpoints through the one
// interface failover needs from the acr package, [Endpoints].
//
// # Plan, apply, failback
//
// A [Switcher] holds the targets. [Switcher.PlanFailover] observes each record and
// returns a [Plan] — a value with JSON tags, a String for review and HasChanges — naming
// every record change with its record ID, old and new value, type and TTL, and the
// evidence it rests on: both registries' health, the replication lag ([LagReporter];
// replication.Verifier's Lag converts to it) and the observed records. Harbor cannot be
// listed once it is down, so wrap the lag in a [LastKnownLag]: the last lag measured,
// aged by the time since, stands in (a [Monitor] keeps it fresh while Harbor is up).
// Preflight refuses with [ErrSecondaryUnhealthy], [ErrLagExceedsRPO] (unless forced; the
// force and its reason are recorded) or [ErrUnexpectedRecord]. A plan only ever rewrites one existing record to another full
// value: no name is left without an answer. Planning without applying is a dry run.
//
// [Switcher.Apply] refuses a plan that expired or whose records changed since they were
// observed ([ErrStalePlan]), writes each change by compare-and-swap through the record's
// dns.Provider, journals it in a [JournalStore] ([FileJournal], [MemoryJournal]), emits
// one [AuditEvent] per write, and verifies each change by querying the target's resolver
// until it answers the new value or the deadline passes ([ErrNotVerified]); the result
// reports the expected propagation time (the old TTL). Applying a plan twice writes once.
//
// [Switcher.PlanFailback] builds, from the journal, the plan that restores exactly the
// previous type, value and TTL — only once the primary has been up for M consecutive
// probes and a minimum dwell time has passed since failover.
//
// Clients keep pushing during the outage, into ACR EE under the same name; failing back
// would hide what they pushed. Give FailbackRequest.ReverseLag a [ReverseLagReporter]
// (package lag's Verifier.ReverseLag, adapted by a [ReverseLagFunc]) and failback is refused
// with [ErrReverseLag] while ACR EE holds tags Harbor lacks, holds at another digest, or
// holds in a repository no Harbor repository flattens to — unless forced with a reason,
// recorded in the plan as for the forward lag; the plan's evidence shows the reverse lag
// ([ReverseLag]). A reverse lag that cannot be read (an ambiguous inverse name map
// included) refuses failback too, unless forced. Without a ReverseLag source, failback is
// decided on health and dwell alone, as before.
//
// Carrying those pushes back needs the inverse of the name flattening, which is not
// exact in general (a replace count of -1 over nested sources) and changes with Harbor's
// repositories. So a failover records the forward name map (Harbor repository → ACR EE
// repository) as it stands: give FailoverRequest.NameMap a [NameMapper] (package lag's
// Verifier.ForwardMap, adapted by a [NameMapFunc]), wrapped in a [LastKnownNameMap] that
// a Monitor keeps fresh while Harbor is up. The plan carries the map (Plan.NameMap,
// sealed), Apply journals it with the failover's writes (JournalEntry.NameMap, under the
// journal's MAC), and [RecordedNameMap] reads it back at failback for the reverse lag
// (lag.Verifier.NameMap) and reverse replication to invert. A map that cannot be read
// never holds a failover up: the plan says why none was recorded.
//
// A [Monitor] optionally runs the loop: probe both registries at an interval; when the
// primary is down and the secondary up, plan failover, and apply it if AutoApply is set.
// Failback stays manual unless AutoFailback is set, and a hold-down separates two
// switches in opposite directions so the monitor cannot flap (a switch half done is
// finished at once). Automatic failback obeys the reverse lag as a manual one does (it
// never forces): it is refused each round while ACR EE holds what Harbor lacks.
//
// # DR drill
//
// A failover that was never rehearsed is a hope. [Switcher.Drill] rehearses one without
// writing anything: it plans the failover as PlanFailover would — the same refusals fail
// the drill — but seals the plan under a key made for the drill and thrown away, so the
// plan it reports can never be applied, and a switcher journaling to a file creates
// neither the journal nor its key. Then, for every record the plan would switch, it
// connects as the clients would after the switch: their registry name (the record's
// FQDN) is dialed at what the plan would write — an A or AAAA record's address, or the
// addresses a CNAME's target resolves to (DrillRequest.Resolve) — and TLS is verified
// against that name (DrillRequest.RootCAs), so a custom domain's certificate that does
// not cover the clients' name fails the drill. Through that connection it pulls the
// manifests of the [DrillSample]s (HEAD, or GET when no Docker-Content-Digest comes back),
// with the credentials DrillRequest.Auth adds (anonymous by default), and compares each
// digest with the one Harbor reported. The [DrillReport] — JSON and a String — holds the
// would-be plan, the certificate check, n/N samples verified with each mismatch, the
// forward lag against the RPO, and an [RTOEstimate]: detection (Threshold × Interval),
// DNS propagation (the old record's TTL) and apply and verify (the drill's own planning
// and pulls, measured on the switcher's clock). A drill that finds anything wrong
// returns its report and an error wrapping [ErrDrillFailed] and each cause (the planning
// refusal, the TLS error, [ErrDigestMismatch]).
//
// # Plan integrity
//
// A plan saved to a file can be edited; Apply does not take its word. Every plan is
// sealed when it is made: Seal is an HMAC-SHA256, under the switcher's plan key, of the
// whole plan — kind, ID, creation and expiry, every change (from and to, with their TTLs,
// the observed record, the journal entry a failback undoes), reason, actor, force and
// evidence. Apply recomputes it and refuses a plan that does not match
// ([ErrTamperedPlan]): an edited value, TTL or expires_at, or a plan sealed under another
// key. A keyed MAC rather than a plain digest, because anyone can recompute a digest
// after editing. The key comes from [WithPlanKey] or [WithPlanKeyFile]; by default a
// switcher whose journal is a [FileJournal] keeps it next to the journal
// ([PlanKeyFile]: the journal's path + ".key", 32 random bytes, hex, created mode 0600 on
// first use by linking a complete temporary file into place, so two processes racing to
// create it agree on one key; refused if other users may read it), so whoever may write
// the journal may also seal plans, and a plan only applies where its journal is. Any
// other switcher uses a random key of its own: its plans are applied by it alone. [DecodePlan] and
// [Plan.Validate] check a plan read from a file before anything else ("null", "{}", no
// changes: [ErrInvalid]).
//
// The seal is not trusted alone either: Apply re-derives every change and refuses
// ([ErrStalePlan]) one that differs from what it derives now — the record must be the
// target's (zone ID and name from the target's provider, record name and FQDN from
// Target.Record, the observed record the one named, and for a failback the record its
// journal entry switched), so even a re-sealed plan cannot switch another record of the
// zone; From must be the observed record (type, value, TTL), which must still be what the
// record holds; a failover's To the target's secondary (its TTL, or the observed one); a
// failback's Restores the journal's failover to undo now, and its To exactly what that
// failover replaced.
//
// A plan is applied once. Applying it again while its records already hold its values
// writes nothing and succeeds, but a plan the journal shows spent — its write journaled,
// or its intent followed by another plan's write — is refused ([ErrStalePlan]) when it
// would write again: a failover plan cannot be replayed after its failback, even before
// it expires.
//
// # Write-ahead journal
//
// Apply journals before it writes: an intent entry (Outcome [OutcomeIntent]) is appended
// — and, in a FileJournal, synced — before the record is written; then the outcome
// ([OutcomeWritten] or [OutcomeFailed]). When the intent cannot be journaled the record
// is not written. A crash between the write and the outcome leaves an open intent, which
// failback counts as a failover: [Switcher.PlanFailback] re-reads the record and
// restores it when the write landed, or plans nothing when it did not. A write call that
// failed is only journaled as failed once the record, read back, proves it did not land.
// When Apply finds a record already holding what the target's last journaled switch, an
// open intent, was to write — the write landed before a crash lost its outcome — it
// journals that outcome ([OutcomeWritten]) for the intent's plan, so rerunning a crashed
// failback closes it and the journal no longer shows a failover to undo.
// [FailoverToUndo] tells which journal entry failback undoes. A [FileJournal] creates
// its file on the first append (O_EXCL), so an apply refused before any write leaves no
// file; [ReadJournalFile] reads one (lines of any length) without opening it for writing.
//
// The journal is authenticated: each line of a FileJournal carries an HMAC-SHA256 of its
// entry under the plan key kept next to it ([PlanKeyFile] — the key the switcher seals
// plans with by default), and reading refuses a line that does not match
// ([ErrTamperedJournal]), so an edited journal cannot make failback restore a value that
// never was there. Lines without a MAC are accepted only in the layout of the version
// before journals were authenticated (no outcome field) and only before every
// authenticated line: a journal that version wrote, carried on by this one. Such lines
// are as trustworthy as the file's permissions — whoever may write the file could
// rewrite it whole in that layout — so a journal file other users may
// write (mode & 0022) is refused ([ErrInvalid]), as is a file that is not a journal (a
// plan saved over it). Where flock(2) exists (Linux, the BSDs, macOS) appends and the
// repair of a partial last line hold an exclusive lock on the file, so two processes
// sharing a journal — a -watch daemon and an operator — never cut each other's entries.
// A [MemoryJournal] is not authenticated: it never leaves the process.
//
// # Credentials
//
// No credentials pass through this package: endpoints refuse URLs that carry them, and
// plans, journal entries, audit events and errors hold record data only.
//
// # Errors
//
// Refusals and failures are sentinels matched with errors.Is: [ErrInvalid] (bad input,
// found before any I/O), [ErrSecondaryUnhealthy], [ErrLagExceedsRPO],
// [ErrUnexpectedRecord], [ErrStalePlan], [ErrTamperedPlan], [ErrTamperedJournal] and
// [ErrNotVerified] for failover and failback;
// [ErrPrimaryUnhealthy], [ErrDwell], [ErrNothingToFailBack] and [ErrReverseLag] for failback; [ErrHoldDown]
// for the monitor; [ErrDrillFailed] and [ErrDigestMismatch] for a drill; [ErrLagFromFuture] for a lag report dated beyond the allowed clock
// skew ([LastKnownLag].MaxSkew, 5 minutes by default), which would never age. Errors from the DNS providers keep the dns sentinels
// (dns.ErrRecordChanged, dns.ErrUnauthorized…) matchable through every wrap.
//
// # Concurrency
//
// Probers, checkers, trackers, switchers and journals are safe for concurrent use, as are
// the *acr.Client, privatezone and alidns providers they are usually given. Two
// Applies racing on one record are separated only by the providers' compare-and-swap,
// which narrows but cannot close the window (the Alibaba APIs have no conditional
// write). A Monitor is driven by one goroutine.
//
// # Testing
//
// Time comes from a [clock.Clock] (probes, plan expiry, verification polling, the monitor
// interval: [WithClock], [WithProberClock], MonitorConfig.Clock); tests inject a fake one
// — any type with Now and After — and never sleep. Monitor.Tick runs one round
// synchronously. Run everything on loopback: registries behind net/http/httptest (or
// harbortest and acrtest), DNS through the emulators and the real DNS server of
// github.com/regdr/regdr/dns/dnstest, whose address goes in [Target].Resolver; hand the
// targets an *acr.Client on the acrtest emulator, or [StaticEndpoints]. The package's
// Example runs solution (a) and failback this way.
package failover
