// Command sync copies container images directly from one registry to another with regdr's
// sync engine, verifying every artifact it copies by digest. It plans each repository and
// copies it as soon as it is planned (mirror.Syncer.Sync), so listing overlaps copying:
// there is no plan to print first, one "syncing" line on stderr says the run started, and
// the report follows. -dry-run prints the plan and copies nothing. -shards N -shard I
// (mirror.Options.Shards) plans and copies part I of N only — the destination
// repositories that mirror.ShardIndex puts there — so N processes, a Kubernetes Indexed
// Job's pods, share the work, each listing the source but planning only its own part.
//
//	go run ./examples/sync -src harbor.example.com -dst ns-registry.cn-hangzhou.cr.aliyuncs.com \
//	    -namespace acr-ns -flatten 1 -repos 'library/**' -tags 'v*' -jobs 8 -bandwidth 20MiB/s
//
// With -harbor the source is a Harbor, listed through its API (its tokens never grant
// the registry catalog, and the API gives digests, labels and signatures without a HEAD
// per tag); its login comes from HARBOR_USERNAME and the password from the file named by
// -harbor-password-file or $HARBOR_PASSWORD_FILE (a mounted Kubernetes Secret; a trailing
// newline is trimmed), else from HARBOR_PASSWORD — never from a flag's value:
//
//	HARBOR_USERNAME=admin HARBOR_PASSWORD=... go run ./examples/sync -harbor -projects test-project \
//	    -src harbor.example.com -dst ns-registry.cn-hangzhou.cr.aliyuncs.com -namespace acr-ns -flatten 1
//
// Other credentials come from the Docker config (docker login), like other registry tools.
// Registries are reached over HTTPS, private and loopback addresses included; http://HOST
// in -src or -dst, or -plain-http for both, says otherwise, and credentials are then sent
// in clear only to loopback unless -plain-http-credentials says so.
//
// Logs go to stderr through log/slog (-log-level debug|info|warn|error, -log-format
// text|json; with json every stderr line is a JSON object, progress included); the plan and
// the report, or the -json document, go to stdout. The -json report (mirror.Report) keeps
// its shape; without -dry-run its request counts include the planning's, and
// when a repository cannot be planned it covers the repositories synced before it (the
// error goes to stderr, the exit status is 1) — empty when nothing could be planned, so
// stdout is one JSON document whatever happens. An interrupted run says how many of the
// items planned so far are verified: with Sync, repositories not yet planned were not
// started.
//
// -state FILE keeps a record of what each run left at the destination (mirror.Options.State)
// so that the next run asks the destination about only some of the unchanged tags: a
// re-sync that copies nothing costs fewer requests. A missing, corrupt or foreign file only
// costs requests. With -shards each part records its own repositories: give each part its
// own file.
//
// A run's metrics (metrics.Sync: regdr_sync_ bytes, blobs, items by outcome, retries, the
// run's result and duration) are exported at its end, failed or not (not with -dry-run),
// since a Kubernetes Job is gone before Prometheus could scrape it: -metrics-file
// DIR/NAME.prom writes them in the text format of node-exporter's textfile collector
// (beside and renamed over, so the collector never reads half a file), and -pushgateway
// URL adds them to a Prometheus Pushgateway under job regdr_sync (and shard with -shards).
// A run that could not plan every repository is a failed run, whatever it copied before.
// A failed export turns exit status 0 into 1.
//
// Exit status:
//
//   - 0: every planned artifact is verified at the destination.
//   - 1: something failed, or the run was interrupted (SIGINT, or SIGTERM as Kubernetes
//     sends), or its metrics could not be exported.
//   - 2: bad flags or settings, or an unreadable secret file (-h is not an error).
//   - 3: refused by a safety check and nothing else failed: a destination tag holds another
//     digest and -override is off, or changed since the plan (mirror.ErrConflict,
//     mirror.ErrTagChanged, mirror.ErrStalePlan); it was left alone.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/regdr/regdr/examples/internal/cli"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/managed"
	"github.com/regdr/regdr/replication/mirror"
)

func main() { cli.Main(run) }

type config struct {
	src, dst, namespace, repos, tags, bandwidth, referrers  string
	projects                                                string
	projectList                                             []string
	plainHTTP, plainCreds, dryRun, asJSON, override, harbor bool
	flatten, jobs, shard, shards                            int

	harborPasswordFile string
	harborPassword     string
	logf               cli.LogFlags

	metricsFile, pushgateway string
	state                    string
}

func parse(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `sync copies images directly from one registry to another, each repository as soon as it is
planned, and verifies them by digest (-dry-run prints the plan; -shards N -shard I does part I
of N).

Usage: sync -src [http[s]://]HOST[:PORT] -dst [http[s]://]HOST[:PORT] [-harbor [-projects P,...]]
            [-namespace NS -flatten N] [-repos GLOB] [-tags GLOB] [-jobs N] [-bandwidth RATE]
            [-shards N -shard I] [-override] [-dry-run] [-json] [-state FILE]
            [-metrics-file DIR/NAME.prom] [-pushgateway URL]

Registries are reached over HTTPS unless http:// or -plain-http says otherwise; there is no
fallback. Credentials come from the Docker config (docker login); with -harbor the source's
from HARBOR_USERNAME and the file -harbor-password-file, $HARBOR_PASSWORD_FILE or
$HARBOR_PASSWORD. Never put them in -src or -dst.
Logs go to stderr (-log-level, -log-format text|json); results (plan, report, -json) to stdout.
-state FILE records what each run left at the destination, so the next asks it less; a
missing or damaged file only costs requests (with -shards, one file per part).
A run's regdr_sync_ metrics (a Job is gone before any scrape) go at its end, failed or not,
to -metrics-file for node-exporter's textfile collector and/or to -pushgateway.
Exit status: 0 everything verified; 1 failure or interruption; 2 bad flags or an unreadable
secret file; 3 refused by a safety check (a destination tag holds another digest and
-override is off, or changed since the plan), nothing else failing.

`)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.src, "src", "", "source registry `[http[s]://]HOST[:PORT]` (HTTPS unless http://)")
	fs.StringVar(&c.dst, "dst", "", "destination registry `[http[s]://]HOST[:PORT]` (HTTPS unless http://)")
	fs.BoolVar(&c.plainHTTP, "plain-http", false, "talk HTTP, not HTTPS, to both registries")
	fs.BoolVar(&c.plainCreds, "plain-http-credentials", false, "allow credentials over plain HTTP to a registry off loopback (readable on the network)")
	fs.BoolVar(&c.harbor, "harbor", false, "the source is a Harbor: list it through its API, logged in as $HARBOR_USERNAME with $HARBOR_PASSWORD")
	fs.StringVar(&c.harborPasswordFile, "harbor-password-file", "", "with -harbor: read Harbor's password from `FILE` (default $HARBOR_PASSWORD_FILE, then $HARBOR_PASSWORD)")
	c.logf.Register(fs)
	fs.StringVar(&c.projects, "projects", "", "with -harbor: comma-separated projects to list (default: all)")
	fs.StringVar(&c.namespace, "namespace", "", "destination namespace (Harbor's dest_namespace); empty keeps names")
	fs.IntVar(&c.flatten, "flatten", -1, "Harbor's dest_namespace_replace_count: -1 keeps the last component, N replaces the first N")
	fs.StringVar(&c.repos, "repos", "", "repository `GLOB` (doublestar, e.g. 'library/**')")
	fs.StringVar(&c.tags, "tags", "", "tag `GLOB` (e.g. 'v*')")
	fs.IntVar(&c.jobs, "jobs", 4, "requests at a time to each registry")
	fs.StringVar(&c.bandwidth, "bandwidth", "", "shared bandwidth cap, e.g. 20MiB/s (empty: unlimited)")
	fs.BoolVar(&c.dryRun, "dry-run", false, "print the plan, copy nothing")
	fs.BoolVar(&c.asJSON, "json", false, "print the plan or the report as JSON")
	fs.BoolVar(&c.override, "override", false, "overwrite destination tags that hold another digest")
	fs.StringVar(&c.referrers, "referrers", "all", "which images to ask the OCI referrers API about: all, new (cheapest re-sync) or none")
	fs.IntVar(&c.shards, "shards", 0, "split the work into N parts by destination repository and do one (see -shard)")
	fs.IntVar(&c.shard, "shard", -1, "part to plan and copy, 0 to N-1 (default: $JOB_COMPLETION_INDEX)")
	fs.StringVar(&c.state, "state", "", "record what the run left at the destination in `FILE` (created, mode 0600) and take it from there next run: fewer destination requests on a re-sync (with -shards, one file per part)")
	fs.StringVar(&c.metricsFile, "metrics-file", "", "at the end of the run, failed or not, write its regdr_sync_ metrics to `DIR/NAME.prom` for node-exporter's textfile collector (replaced atomically; not with -dry-run)")
	fs.StringVar(&c.pushgateway, "pushgateway", "", "at the end of the run, failed or not, push its regdr_sync_ metrics to the Prometheus Pushgateway at `URL` (job regdr_sync, grouped by shard; not with -dry-run)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if c.src == "" || c.dst == "" || fs.NArg() > 0 {
		return nil, usageErr("-src and -dst are required, and nothing else")
	}
	for _, f := range []struct{ flag, v string }{{"-src", c.src}, {"-dst", c.dst}} {
		if strings.Contains(f.v, "@") {
			return nil, usageErr(f.flag + ": credentials do not belong in the address; use docker login (or HARBOR_PASSWORD with -harbor)")
		}
	}
	switch {
	case c.jobs < 1 || c.jobs > maxJobs:
		return nil, usageErr(fmt.Sprintf("-jobs %d: want 1 to %d", c.jobs, maxJobs))
	case c.flatten < -1:
		return nil, usageErr(fmt.Sprintf("-flatten %d: want -1 (keep the last component) or more", c.flatten))
	case c.shards < 0:
		return nil, usageErr(fmt.Sprintf("-shards %d: want 1 or more", c.shards))
	case c.shard >= 0 && c.shards == 0:
		return nil, usageErr("-shard needs -shards (without it every pod would copy the whole plan)")
	case c.shards > 0 && c.shard >= c.shards:
		return nil, usageErr(fmt.Sprintf("-shard %d: want 0 to %d for -shards %d", c.shard, c.shards-1, c.shards))
	case c.shard < -1:
		return nil, usageErr(fmt.Sprintf("-shard %d: want 0 or more", c.shard))
	}
	if c.projects != "" {
		if !c.harbor {
			return nil, usageErr("-projects needs -harbor")
		}
		for _, p := range strings.Split(c.projects, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				return nil, usageErr(fmt.Sprintf("-projects %q: an empty project name", c.projects))
			}
			c.projectList = append(c.projectList, p)
		}
	}
	if err := checkMetricsFile(c.metricsFile); err != nil {
		return nil, err
	}
	if err := checkPushgateway(c.pushgateway); err != nil {
		return nil, err
	}
	if err := checkState(c.state); err != nil {
		return nil, err
	}
	if c.state != "" && c.metricsFile != "" && sameFile(c.state, c.metricsFile) {
		return nil, usageErr(fmt.Sprintf("-state %q is the -metrics-file: each would replace the other", c.state))
	}
	if cfg := dockerConfigFile(); c.state != "" && cfg != "" && sameFile(c.state, cfg) {
		return nil, usageErr(fmt.Sprintf("-state %q is the Docker config the registry logins come from: the state would replace it", c.state))
	}
	if c.harborPasswordFile != "" && !c.harbor {
		return nil, usageErr("-harbor-password-file needs -harbor")
	}
	if c.harbor {
		pwFile := c.harborPasswordFile
		if pwFile == "" {
			pwFile = os.Getenv("HARBOR_PASSWORD_FILE")
		}
		if err := checkMetricsNotRead(c.metricsFile, "the Harbor password file", pwFile); err != nil {
			return nil, err
		}
		if c.state != "" && pwFile != "" && sameFile(c.state, pwFile) {
			return nil, usageErr(fmt.Sprintf("-state %q is the Harbor password file: the state would replace it", c.state))
		}
		p, err := cli.Secret("-harbor-password-file", c.harborPasswordFile, "HARBOR_PASSWORD")
		if err != nil {
			return nil, usageErr(err.Error())
		}
		c.harborPassword = p
	}
	if c.shards > 0 && c.shard < 0 {
		i, err := strconv.Atoi(os.Getenv("JOB_COMPLETION_INDEX"))
		if err != nil || i < 0 || i >= c.shards {
			return nil, usageErr(fmt.Sprintf("-shards %d needs -shard or $JOB_COMPLETION_INDEX between 0 and %d", c.shards, c.shards-1))
		}
		c.shard = i
	}
	return c, nil
}

// checkState accepts a -state FILE whose directory exists and which, if it exists, is a
// regular file.
func checkState(f string) error {
	if f == "" {
		return nil
	}
	if fi, err := os.Stat(filepath.Dir(f)); err != nil || !fi.IsDir() {
		return usageErr(fmt.Sprintf("-state %q: directory %q does not exist", f, filepath.Dir(f)))
	}
	if fi, err := os.Stat(f); err == nil && !fi.Mode().IsRegular() {
		return usageErr(fmt.Sprintf("-state %q: not a regular file", f))
	}
	return nil
}

// sameFile says whether paths a and b name one file: the same path once cleaned and made
// absolute, or, when both exist, the same file (a link to the other included).
func sameFile(a, b string) bool {
	aa, errA := filepath.Abs(a)
	ab, errB := filepath.Abs(b)
	if errA == nil && errB == nil && aa == ab {
		return true
	}
	ai, errA := os.Stat(a)
	bi, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(ai, bi)
}

// dockerConfigFile is the Docker config authn.DefaultKeychain reads the logins from:
// $DOCKER_CONFIG/config.json, else ~/.docker/config.json; empty when neither can be told.
func dockerConfigFile() string {
	if d := os.Getenv("DOCKER_CONFIG"); d != "" {
		return filepath.Join(d, "config.json")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".docker", "config.json")
}

// maxJobs bounds -jobs: more concurrent transfers than this only exhausts sockets.
const maxJobs = 256

// errUsage marks a bad flag or setting: exit status 2.
var errUsage = errors.New("usage")

func usageErr(msg string) error { return fmt.Errorf("%w: %s", errUsage, msg) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.Is(err, errUsage) {
			fmt.Fprintln(stderr, "sync:", strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
		}
		return exitUsage // the flag package has printed its own complaint
	}
	return runConfig(ctx, c, stdout, stderr)
}

// runConfig is run after the flags are parsed.
func runConfig(ctx context.Context, c *config, stdout, stderr io.Writer) int {
	log, err := c.logf.Logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "sync:", err)
		return exitUsage
	}
	progress, stderr := c.logf.Streams(stderr, log)
	var exp *exporter // nil: no -metrics-file, no -pushgateway
	if !c.dryRun {
		exp = newExporter(c)
	}
	s, err := newSyncer(c, exp.progress(newProgress(progress)), log)
	if err != nil {
		fmt.Fprintln(stderr, "sync:", err)
		return exitUsage
	}
	rep, cutShort, code := syncOnce(ctx, c, s, stdout, progress, stderr)
	if c.dryRun {
		return code
	}
	if err := exp.finish(ctx, rep, cutShort); err != nil {
		fmt.Fprintln(stderr, "sync: exporting metrics:", err)
		if code == exitOK {
			code = exitFailed // the run did not do all it was asked
		}
	}
	return code
}

// syncOnce syncs and prints the results with Syncer.Sync (syncPipelined), or with
// -dry-run plans and prints the plan. It returns the report (nil when no item was
// planned, or with -dry-run), whether the run ended before every repository was planned
// (a failed run even when the report is clean), and the exit status.
func syncOnce(ctx context.Context, c *config, s *mirror.Syncer, stdout, progress, stderr io.Writer) (*mirror.Report, bool, int) {
	if !c.dryRun {
		return syncPipelined(ctx, c, s, stdout, progress, stderr)
	}
	plan, err := s.Plan(ctx)
	if err != nil {
		// With -json stdout is one document whatever happens: an empty plan, nothing
		// having been copied; the error goes to stderr.
		if c.asJSON {
			printOut(stdout, stderr, true, &mirror.Plan{})
		}
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "sync: interrupted while planning; nothing was copied")
			return nil, true, exitFailed
		}
		fmt.Fprintln(stderr, "sync: planning:", err)
		return nil, true, exitFailed
	}
	return nil, false, printOut(stdout, stderr, c.asJSON, plan)
}

// syncPipelined runs Syncer.Sync: each repository is copied as soon as it is planned, so
// there is no plan to print first, one line on stderr says the run started. A repository
// that cannot be planned ends the run after those before it (in destination name order)
// are copied: its error is printed, the report covers what was copied, and the run
// failed.
func syncPipelined(ctx context.Context, c *config, s *mirror.Syncer, stdout, progress, stderr io.Writer) (*mirror.Report, bool, int) {
	fmt.Fprintf(progress, "sync: syncing %s to %s: each repository is copied as soon as it is planned\n", c.src, c.dst)
	rep, err := s.Sync(ctx)
	interrupted := ctx.Err() != nil
	if rep == nil { // the source could not be listed, or the names mapped: nothing started
		if c.asJSON { // stdout is one document whatever happens: an empty report
			printReport(stdout, stderr, true, &mirror.Report{})
		}
		if interrupted {
			fmt.Fprintln(stderr, "sync: interrupted while planning; nothing was copied")
		} else {
			fmt.Fprintln(stderr, "sync: planning:", err)
		}
		return nil, true, exitFailed
	}
	printReport(stdout, stderr, c.asJSON, rep)
	planErr := planningError(err)
	if planErr != nil && !interrupted {
		fmt.Fprintln(stderr, "sync:", planErr)
		fmt.Fprintf(stderr, "sync: the run stopped there: the repositories before it were synced (%d items, %d verified), none after it was started\n", rep.Items, rep.Verified)
	}
	if planErr != nil || err != nil || !rep.OK() {
		printFailures(stderr, rep, interrupted)
	}
	if planErr != nil {
		return rep, true, exitFailed
	}
	return rep, false, exitCode(rep)
}

// planningError is Sync's error for the repository that could not be planned (or whose
// planning was cut short), which ended the run; nil when every error is an item's.
func planningError(err error) error {
	var pe *mirror.PlanningError
	if errors.As(err, &pe) {
		return pe
	}
	return nil
}

// printReport prints the report, as JSON with -json.
func printReport(stdout, stderr io.Writer, asJSON bool, rep *mirror.Report) {
	if asJSON {
		printOut(stdout, stderr, true, rep)
	} else {
		fmt.Fprintln(stdout, rep)
	}
}

// exitCode is the exit status of an applied plan: exitOK when everything is verified,
// exitRefused when the only failures are destination tags left alone by a safety check
// (mirror.ErrConflict, mirror.ErrTagChanged, mirror.ErrStalePlan), exitFailed otherwise.
func exitCode(rep *mirror.Report) int {
	if rep.OK() {
		return exitOK
	}
	refused := false
	for _, res := range rep.Results {
		switch {
		case res.Err == nil:
		case errors.Is(res.Err, mirror.ErrConflict) || errors.Is(res.Err, mirror.ErrStalePlan):
			refused = true
		default:
			return exitFailed
		}
	}
	if refused {
		return exitRefused
	}
	return exitFailed
}

// printFailures writes one line per distinct cause of failure, with how many items it hit
// and one of them, then one line if the run was interrupted: a registry going down, or ^C,
// fails every item in flight the same way, and one line says so.
func printFailures(w io.Writer, rep *mirror.Report, interrupted bool) {
	type cause struct {
		n     int
		first string
	}
	causes := map[string]*cause{}
	var order []string
	for _, res := range rep.Results {
		if res.Err == nil {
			continue
		}
		if interrupted && (errors.Is(res.Err, context.Canceled) || errors.Is(res.Err, context.DeadlineExceeded)) {
			continue
		}
		k := string(res.Outcome) + ": " + rootCause(res.Err)
		if causes[k] == nil {
			causes[k] = &cause{first: res.Item.Ref()}
			order = append(order, k)
		}
		causes[k].n++
	}
	for _, k := range order {
		c := causes[k]
		if c.n == 1 {
			fmt.Fprintf(w, "sync: %s: %s\n", c.first, k)
		} else {
			fmt.Fprintf(w, "sync: %d items (%s and others): %s\n", c.n, c.first, k)
		}
	}
	if interrupted {
		fmt.Fprintln(w, interruptedLine(rep))
	}
}

// interruptedLine says what an interrupted Sync left: its report covers the repositories
// planned before the interruption, and some of them may be copied; none after them was
// started.
func interruptedLine(rep *mirror.Report) string {
	const again = "run again to finish (what is in place is not sent again)"
	if rep.Items == 0 {
		return "sync: interrupted while planning; nothing was copied"
	}
	return fmt.Sprintf("sync: interrupted: %d of the %d items planned so far verified (%d copied, %d tagged); "+
		"repositories not yet planned were not started; %s", rep.Verified, rep.Items, rep.Copied, rep.Tagged, again)
}

// rootCause is the innermost error of err's chain, which names the cause without the
// item, or for a registry's answer its status and code without the path.
func rootCause(err error) string {
	for {
		switch e := err.(type) {
		case *mirror.HTTPError:
			s := fmt.Sprintf("%s %d %s", e.Method, e.StatusCode, http.StatusText(e.StatusCode))
			if e.Code != "" {
				s += ": " + e.Code
			}
			return s
		case *url.Error:
			return e.Err.Error() // the URL names the item
		case interface{ Unwrap() []error }: // errors.Join: the first error stands for all
			if errs := e.Unwrap(); len(errs) > 0 {
				err = errs[0]
				continue
			}
		}
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

func newSyncer(c *config, progress func(mirror.Event), log *slog.Logger) (*mirror.Syncer, error) {
	rate, err := replication.ParseRate(c.bandwidth)
	if err != nil {
		return nil, err
	}
	if c.shards > 1 {
		rate = mirror.ShardRate(rate, c.shards)
	}
	if c.referrers == "all" {
		c.referrers = ""
	}
	opts := mirror.Options{
		Referrers: mirror.Referrers(c.referrers),
		Jobs:      c.jobs,
		Override:  c.override,
		Limiter:   replication.NewBandwidthLimiter(rate),
		Progress:  progress,
		Logger:    log,
		State:     c.state,
	}
	if c.shards > 0 {
		opts.Shard, opts.Shards = c.shard, c.shards
	}
	if c.namespace != "" {
		opts.Flattener = replication.HarborFlatten(c.namespace, c.flatten)
	}
	var filters []replication.Filter
	if c.repos != "" {
		filters = append(filters, replication.Filter{Kind: replication.FilterName, Pattern: c.repos})
	}
	if c.tags != "" {
		filters = append(filters, replication.Filter{Kind: replication.FilterTag, Pattern: c.tags})
	}
	if opts.Selector, err = replication.NewRules(filters...); err != nil {
		return nil, err
	}
	ep := func(host string) mirror.Endpoint {
		return mirror.Endpoint{Registry: host, PlainHTTP: c.plainHTTP && !strings.HasPrefix(host, "https://"),
			AllowPlainHTTPCredentials: c.plainCreds, Keychain: authn.DefaultKeychain}
	}
	src := ep(c.src)
	if c.harbor {
		user, password := os.Getenv("HARBOR_USERNAME"), c.harborPassword
		if user == "" || password == "" {
			return nil, errors.New("-harbor needs $HARBOR_USERNAME and a password (-harbor-password-file, $HARBOR_PASSWORD_FILE or $HARBOR_PASSWORD)")
		}
		u := c.src
		if !strings.Contains(u, "://") {
			u = "https://" + u
			if c.plainHTTP {
				u = "http://" + c.src
			}
		}
		hc, err := harbor.New(u, harbor.WithBasicAuth(user, password), harbor.WithLogger(log))
		if err != nil {
			return nil, err
		}
		setup := managed.Setup{}
		setup.Projects = c.projectList
		opts.Source = &managed.Source{Harbor: hc, Setup: setup}
		src.Keychain, src.Auth = nil, &authn.Basic{Username: user, Password: password}
	}
	return mirror.New(src, ep(c.dst), opts)
}

func printOut(stdout, stderr io.Writer, asJSON bool, v fmt.Stringer) int {
	if !asJSON {
		fmt.Fprint(stdout, v)
		return 0
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(stderr, "sync:", err)
		return 1
	}
	return 0
}

// Exit statuses, documented in the command doc and -h: the examples' shared ones.
const (
	exitOK      = cli.OK      // the run did what it was asked
	exitFailed  = cli.Failed  // something failed, or the run was interrupted
	exitUsage   = cli.Usage   // bad flags or settings, an unreadable secret file
	exitRefused = cli.Refused // a safety check refused
)
