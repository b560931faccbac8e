// Command failover is the runbook's step 4 for real accounts: when Harbor fails, repoint
// DNS so that clients pull from ACR EE, and afterwards fail back to exactly what the
// journal says the record held. It is a thin program over the failover package: probe
// both registries, plan, print the plan for review, and write only when told to with -yes.
//
//	failover plan     plan a failover to ACR EE and print it; nothing is written
//	failover apply    fail over: plan anew (or read -plan FILE), print, write with -yes
//	failover failback restore what the journal says the record held before the failover
//	failover drill    rehearse a failover without writing anything (see below)
//	failover watch    run as a daemon: fail over (and with -auto-failback back) on its own
//	failover reverse  carry back into Harbor what clients pushed into ACR EE during the outage
//
// Each command has only its flags (failover <command> -h lists them); the zone, the
// clouds, the registries probed, the journal and the credentials are every command's.
// Results — plans, reports, -json — go to stdout; with -json the step lines go to stderr,
// and stdout is one JSON document whatever ends the run: an empty plan (drill: an empty
// report) when it ended before one was made, the error on stderr and in the exit status.
// Log lines (the failover package's writes; watch's applied and refused plans and lag
// errors) go to stderr through log/slog: -log-format text (default) or json, -log-level
// debug, info (default), warn or error.
//
// (a) Harbor on Alibaba Cloud, clients in a VPC: the PrivateZone zone bound to the VPC
// (several zones may share the name) gets its @ record CNAMEd to the ACR EE public
// endpoint, TTL unchanged:
//
//	go run ./examples/failover apply -solution privatezone -zone cross-region.registry.io -vpc vpc-bbbbb \
//	    -primary 10.0.0.1 -instance cri-xxxxxxxx -region cn-hangzhou \
//	    -harbor https://harbor.example.com -acr https://cri-xxxxxxxx-registry.cn-hangzhou.cr.aliyuncs.com \
//	    -resolver 100.100.2.136:53 -journal /var/lib/regdr/failover.jsonl -reason "harbor down" -yes
//
// (b) Harbor off Alibaba Cloud, clients on the internet: Harbor's public host name in
// Alibaba Cloud DNS becomes a CNAME to (or, with -type A, an A record holding the address
// of) the ACR EE public endpoint:
//
//	go run ./examples/failover apply -solution public -zone example.com -record harbor -type CNAME \
//	    -primary 203.0.113.10 -instance cri-xxxxxxxx -region cn-hangzhou \
//	    -harbor https://harbor.example.com -acr https://cri-xxxxxxxx-registry.cn-hangzhou.cr.aliyuncs.com \
//	    -resolver 223.5.5.5:53 -journal failover.jsonl -yes
//
// (c) Harbor off Alibaba Cloud, clients through a VPC: Harbor's host name in the
// PrivateZone zone bound to the VPC becomes an A record holding the ACR EE instance's IP
// in that VPC (GetInstanceVpcEndpoint):
//
//	go run ./examples/failover apply -solution vpc -zone example.com -record harbor -vpc vpc-bbbbb \
//	    -primary 203.0.113.10 -instance cri-xxxxxxxx -region cn-hangzhou \
//	    -acr https://cri-xxxxxxxx-registry-vpc.cn-hangzhou.cr.aliyuncs.com -journal failover.jsonl -yes
//
// Failback, once Harbor is healthy again, restores the exact previous type, value and TTL
// from the journal (no -primary or ACR EE instance needed: the journal has both sides):
//
//	go run ./examples/failover failback -solution privatezone -zone cross-region.registry.io \
//	    -vpc vpc-bbbbb -region cn-hangzhou -harbor https://harbor.example.com \
//	    -journal /var/lib/regdr/failover.jsonl -reason "harbor recovered" -yes
//
// Failback loses what clients pushed into ACR EE during the outage unless it is carried
// back first. failback -reverse-check measures the reverse lag (lag.Verifier.ReverseLag:
// the ACR EE namespace of -instance, listed through its OpenAPI, against Harbor's API as
// -harbor-user with -projects, -namespace, -flatten as the policy has them) and refuses
// with failover.ErrReverseLag (exit 3, nothing written) while ACR EE holds a tag Harbor
// lacks, holds at another digest, or holds in a repository no Harbor repository flattens
// to, or when the reverse lag cannot be read; -force -reason "…" overrides it, on the
// record. It is opt-in, not implied by Harbor credentials: it needs the ACR OpenAPI and
// Harbor's API besides the probes, and a failback run without it behaves as before. A
// saved failback plan (-plan) is held to the reverse lag measured when it is applied.
// examples/verify -reverse prints the same report in full. The inverse name map is the
// one the failover recorded in the journal (failover.RecordedNameMap) when it recorded
// one — apply records it with -rpo when Harbor answers, watch with -rpo or
// -auto-failback from the last listing while Harbor was up — and otherwise Harbor's projects
// flattened now; the report line says which.
//
// reverse carries those tags back before failback, as a plan (package
// replication/reverse): it measures the reverse lag and plans a direct copy ACR EE →
// Harbor through the exact inverse name map — the one the failover recorded in -journal
// (only read) when it recorded one, else Harbor's -projects flattened into -namespace now
// (-flatten); the output says which ("name map: recorded …" or "derived …"; -json:
// name_map). It prints the plan and writes nothing with -dry-run; -yes copies (pulling
// from -acr as -registry-user with -registry-password-file, $ACR_PASSWORD_FILE or
// $ACR_PASSWORD, or by default with GetAuthorizationToken's temporary credentials;
// pushing to -harbor as -harbor-user), then measures the reverse lag again and requires
// it complete. A second run writes nothing. Refused, exit 3 and nothing written: an
// inverse that cannot be exact (lag.ErrAmbiguousInverse — two Harbor repositories on one
// ACR EE repository), ACR EE repositories no Harbor repository maps back to
// (reverse.ErrUnmapped), Harbor tags at another digest (reverse.ErrStaleTag; -overwrite
// copies over them), a Harbor tag changed between plan and copy (reverse.ErrStalePlan),
// and a run without -yes, and a -journal that is missing or not a regular file, altered
// since written (failover.ErrTamperedJournal) or whose name-mapped failover was failed
// back already (failover.ErrNothingToFailBack); exit 3 too when the copy left the reverse
// lag incomplete (reverse.ErrIncomplete). With -json stdout is one document whatever ends
// the run, its error included. It touches no DNS record:
//
//	go run ./examples/failover reverse -harbor https://harbor.example.com \
//	    -acr https://cri-xxxxxxxx-registry.cn-hangzhou.cr.aliyuncs.com -instance cri-xxxxxxxx \
//	    -region cn-hangzhou -projects library -namespace dr-ns \
//	    -journal /var/lib/regdr/failover.jsonl -yes
//
// watch -auto-failback holds its failbacks to the same rule, by default: while ACR EE holds
// what Harbor lacks, each round's failback is refused with failover.ErrReverseLag (printed,
// logged, counted in regdr_failover_refused_total{reason="reverse_lag"}) until the tags
// are carried back; it needs -namespace (or one -projects) and Harbor's API as
// -harbor-user, and -reverse-check=false fails back on health and dwell alone.
//
// Rehearsing: drill runs failover.Switcher.Drill. It plans the failover as apply would
// (never applying it: the plan is sealed under a key thrown away), then connects to ACR
// EE as the clients would after it — the record's name dialed at what the plan would
// write (a CNAME target resolved through -resolver), on -drill-port, TLS verified against
// that name with the system roots plus -ca-file — and pulls sample manifests, comparing
// their digests with Harbor's: the first -sample N tags of -projects (name order) or the
// -sample-tags REPO:TAG,... named, taken from Harbor's API and flattened into -namespace
// as the policy does (-flatten). Pulls use the registry user of -registry-user or
// $ACR_USERNAME with the password of -registry-password-file, $ACR_PASSWORD_FILE or
// $ACR_PASSWORD (never a flag's value; none: anonymous). With -rpo the forward lag is
// held to it. The report (text, or -json) shows the would-be plan, the certificate check,
// n/N samples verified, the lag and an RTO estimate (detection = -threshold × -interval,
// DNS propagation = the old TTL, apply and verify measured). It writes nothing: no DNS
// record, no journal (-journal is only read), no plan key. Exit 0 when the drill passed,
// 1 when it failed (a certificate not covering the name, a digest that differs, a
// planning refusal), 2 for bad usage.
//
// Reviewing first: plan (or apply -dry-run) prints the plan and exits; -out FILE saves it
// (JSON, written atomically; never the -journal file), and apply -plan FILE -yes (failback
// -plan FILE -yes for a failback plan) applies exactly that plan
// later — refused as stale if a record changed since it was planned or the plan is older
// than -plan-ttl, and as altered if the file was edited. Both need -journal: a saved plan
// is sealed (HMAC-SHA256) with the key kept next to the journal, in FILE.key (created
// mode 0600 by the first -out), which also authenticates every journal line: an edited
// journal is refused, never "restored" by failback. A plan already applied and switched
// back since is refused too, however fresh. -out naming the journal or its key, even
// through a symlink, is refused. A plan file is validated before anything else: "{}",
// "null" or a plan without changes is refused.
//
// Holding a failover to an RPO: -rpo 15m compares Harbor (its API, as -harbor-user —
// default $HARBOR_USERNAME, else admin — with the password of -harbor-password-file,
// $HARBOR_PASSWORD_FILE or $HARBOR_PASSWORD; -projects, -namespace, -flatten as the policy has them) with ACR EE
// and refuses when the oldest missing artifact is older. In a real outage Harbor cannot be
// listed, so keep a lag report from while it was up — `examples/verify -json > lag.json`
// on a schedule — and pass -lag-file lag.json: it stands in, aged by the time since it was
// measured, up to -lag-max-age; a report dated more than 5 minutes in the future (a
// skewed clock) is refused. -force -reason "…" overrides the lag check, on the record.
//
// As a daemon, watch runs the failover package's Monitor until SIGINT or SIGTERM (exit 0):
// both registries are probed once every -interval, Harbor is failed over once it has been
// down for -threshold rounds in a row while ACR EE is up, and a switch back is held off for
// -hold-down after the last one. It prints one line per event — a probe round only when
// either registry's health changed, every plan in full, every write, refusal, hold-down
// and lag error. Without -yes it only reports the plans it would apply; with -yes it
// applies and journals them, and -auto-failback lets it fail back too (after -min-healthy
// healthy rounds and -min-dwell). With -rpo the lag is measured while Harbor is up, at most
// once per -lag-every, and the last one measured, aged, holds the failover to the RPO once
// Harbor can no longer be listed:
//
//	go run ./examples/failover watch -interval 30s -hold-down 30m -solution privatezone \
//	    -zone cross-region.registry.io -vpc vpc-bbbbb -primary 10.0.0.1 -instance cri-xxxxxxxx \
//	    -region cn-hangzhou -harbor https://harbor.example.com \
//	    -acr https://cri-xxxxxxxx-registry.cn-hangzhou.cr.aliyuncs.com -resolver 100.100.2.136:53 \
//	    -rpo 15m -lag-every 5m -projects library -namespace dr-ns \
//	    -journal /var/lib/regdr/failover.jsonl -yes
//
// watch has no -plan, -out, -dry-run, -json, -force or -probes: it plans every round, prints
// one line per event, never forces, and probes once per -interval.
//
// With -metrics-addr host:port (off by default) watch serves Prometheus metrics on
// /metrics — the probes and health of both registries, the replication lag against -rpo,
// the plans made, applied and refused, each target's side and last switch time (package
// github.com/regdr/regdr/metrics lists them), with the Go runtime's and the process's —
// and /healthz (200 while it serves) and /readyz (200 once a probe round has completed
// within the last three -interval, else 503). It logs the address it bound, so port 0
// picks a free one.
//
// Without -yes nothing is written: the plan is printed and the command exits 1. Alibaba
// Cloud credentials come from the default credential chain (ALIBABA_CLOUD_ACCESS_KEY_ID,
// ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN, profiles, ECS RAM role,
// OIDC) and are never printed.
//
// Secrets never come from a flag's value: every one can come from a file, so a Kubernetes
// Secret mounts without environment variables — -harbor-password-file or
// $HARBOR_PASSWORD_FILE for Harbor's password, -access-key-secret-file or
// $ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE for the AccessKey secret (with
// $ALIBABA_CLOUD_ACCESS_KEY_ID_FILE and $ALIBABA_CLOUD_SECURITY_TOKEN_FILE, or the plain
// variables, for the rest of the key). One trailing newline is trimmed; a file that
// cannot be read or is empty, or NAME and NAME_FILE both set, exits 2 naming the file,
// never its contents. Registries are probed with an anonymous GET /v2/ (a 401
// challenge counts as up), TLS verified unless -harbor-insecure / -acr-insecure; -ca-file
// adds trust roots.
//
// Exit status:
//
//	0  ok: the plan was printed (plan, -dry-run) or applied and verified, or watch was
//	   stopped by SIGINT or SIGTERM
//	1  failed
//	2  bad usage: bad flags or arguments, or a secret file that cannot be read
//	3  refused by a safety check, nothing written: a stale, altered or already undone
//	   plan, an altered journal, replication lag over -rpo (or a lag report from the
//	   future), the side switched to not healthy, -min-dwell or -hold-down not passed,
//	   nothing to fail back, a record not in the state expected, ACR EE holding what
//	   Harbor lacks (failover.ErrReverseLag), a reverse replication refused (above), a
//	   write not confirmed with -yes
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/regdr/regdr/clock"
	excli "github.com/regdr/regdr/examples/internal/cli"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/reverse"
)

func main() { excli.Main(run) }

// hooks are what tests change: the clock that drives watch's rounds, the probes, plan
// expiry, verification polling and the lag's age.
type hooks struct {
	clock clock.Clock // nil: the wall clock
}

// run is the whole program; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdout, stderr, hooks{})
}

func runWith(ctx context.Context, args []string, stdout, stderr io.Writer, h hooks) int {
	c, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "failover:", err)
		return exitUsage
	}
	// With -json, stdout carries the plan alone; the step lines go to stderr.
	steps := stdout
	if c.asJSON {
		steps = stderr
	}
	doc := &countingWriter{w: stdout}
	r := &runner{c: c, out: steps, stdout: doc, clock: h.clock, log: excli.NewLogger(stderr, c.logFormat, c.logLevel)}
	if err := r.run(ctx); err != nil {
		if c.asJSON && doc.n == 0 {
			// With -json stdout is one document whatever happens: a run that ended before
			// its plan or report was printed prints an empty one; the error goes to stderr.
			emptyDocument(c, stdout, stderr)
		}
		fmt.Fprintln(stderr, prefixed(err))
		return exitCode(err)
	}
	return exitOK
}

// countingWriter counts the bytes written through it: whether the -json document went out.
type countingWriter struct {
	w io.Writer
	n int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += n
	return n, err
}

// emptyDocument prints the -json document of a run that ended before it had one: an empty
// drill report for drill, an empty plan otherwise (reverse prints its own).
func emptyDocument(c *config, stdout, stderr io.Writer) {
	var v any = &failover.Plan{}
	if c.drill {
		v = &failover.DrillReport{}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(stderr, "failover:", err)
	}
}

// Exit statuses, as the command doc lists them.
const (
	exitOK      = excli.OK      // done: the plan printed, applied and verified, or watch stopped by a signal
	exitFailed  = excli.Failed  // failed
	exitUsage   = excli.Usage   // bad flags or arguments, or a secret file that cannot be read
	exitRefused = excli.Refused // refused by a safety check: nothing was written
)

// refusals are the failover package's safety checks: a run stopped by one of them wrote
// nothing, on purpose, and exits exitRefused so a script can tell it from a failure.
var refusals = []error{
	failover.ErrStalePlan, failover.ErrTamperedPlan, failover.ErrTamperedJournal,
	failover.ErrLagExceedsRPO, failover.ErrLagFromFuture, failover.ErrSecondaryUnhealthy,
	failover.ErrPrimaryUnhealthy, failover.ErrDwell, failover.ErrHoldDown,
	failover.ErrNothingToFailBack, failover.ErrUnexpectedRecord, failover.ErrReverseLag,
	// The reverse replication's: refused before any write, except ErrIncomplete (the
	// copy ran, and Harbor still lacks what ACR EE holds).
	lag.ErrAmbiguousInverse, reverse.ErrUnmapped, reverse.ErrStaleTag, reverse.ErrStalePlan, reverse.ErrIncomplete,
	errRefused,         // a write not confirmed with -yes, as harbor-to-acr says it
	errJournalUnusable, // reverse -journal names no journal file
}

// exitCode classifies a run's error: a safety check's refusal, or a failure.
func exitCode(err error) int {
	return excli.Classify(err, refusals...)
}

// prefixed is the error's one line, named after the program once: the failover
// package's sentinels already begin with "failover: ".
func prefixed(err error) string {
	msg := err.Error()
	if !strings.HasPrefix(msg, "failover: ") {
		msg = "failover: " + msg
	}
	return msg
}
