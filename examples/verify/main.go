// Command verify is the independent completeness check between Harbor and ACR EE: every
// artifact Harbor holds under the selected filters must be present in ACR EE, under its
// flattened name, with the same digest. It prints a lag report — missing tags, stale tags
// (ACR EE holds another digest), extra tags (in ACR EE only), and the age of the oldest
// missing or stale artifact, which is the effective RPO: the data a failover now would lose.
//
//	export HARBOR_USERNAME=robot-dr HARBOR_PASSWORD=...      # Harbor's API, read-only
//	export ALIBABA_CLOUD_ACCESS_KEY_ID=... ALIBABA_CLOUD_ACCESS_KEY_SECRET=...
//	go run ./examples/verify -harbor https://harbor.example.com -projects test-project \
//	    -instance cri-xxxxxxxx -region cn-hangzhou -rpo 15m
//
// It only reads, on both sides: it never writes to Harbor or ACR EE, so it has no -yes and
// may run as often as a monitor likes.
//
// Harbor is listed through its API v2.0 (projects, repositories, artifacts with their
// tags, digests and push times). The Harbor password comes from the file named by
// -harbor-password-file or $HARBOR_PASSWORD_FILE (a mounted Kubernetes Secret), else from
// $HARBOR_PASSWORD — never from a flag's value; the user from -harbor-user or
// $HARBOR_USERNAME (neither: anonymous, public projects only). A trailing newline in a
// secret file is trimmed; an unreadable one exits 2 and its contents are never printed.
//
// ACR EE is listed one of two ways:
//
//   - by default through the ACR OpenAPI (ListRepoTag): -instance, plus -region or
//     -acr-endpoint. With -access-key-secret-file or $ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE
//     the AccessKey is that secret with the ID of $ALIBABA_CLOUD_ACCESS_KEY_ID (or the file
//     $ALIBABA_CLOUD_ACCESS_KEY_ID_FILE) and an optional STS token from
//     $ALIBABA_CLOUD_SECURITY_TOKEN(_FILE); otherwise it comes from the Alibaba Cloud
//     default credential chain ($ALIBABA_CLOUD_ACCESS_KEY_ID,
//     $ALIBABA_CLOUD_ACCESS_KEY_SECRET, $ALIBABA_CLOUD_SECURITY_TOKEN, profiles, an ECS RAM
//     role, OIDC). This way also finds
//     extra repositories of the namespace that Harbor does not have.
//   - with -registry URL through the instance's registry: tags/list and one manifest HEAD
//     per tag for its digest, needing only registry credentials: user from -registry-user or
//     $ACR_USERNAME, password from -registry-password-file, $ACR_PASSWORD_FILE or
//     $ACR_PASSWORD. Extra tags are found in the
//     repositories Harbor has; extra repositories are not.
//
// TLS certificates are verified unless -harbor-insecure or -registry-insecure opts out for
// that endpoint; the OpenAPI has no opt-out. An http:// URL talks plain HTTP, meant for
// emulators on loopback: -acr-endpoint (signed API calls) refuses it for any other host,
// and -harbor or -registry refuse it for any other host when a password would go with it,
// unless -insecure-plain-http (exit 2, before any request). A URL is never echoed with its
// user information. SIGTERM (as Kubernetes sends) stops a run as Ctrl-C does.
//
// Which tags are expected follows a Harbor replication policy: -projects (comma-separated;
// empty: every project), -repos and -tags (doublestar globs, e.g. 'test-project/**', 'v*'),
// -namespace (the ACR EE namespace; the default is the only project's name) and -flatten
// (Harbor's dest_namespace_replace_count; the default 1 is "Flatten 1 level":
// test-project/nginx → acr-ns/nginx, and a nested test-project/team/nginx →
// acr-ns/team/nginx, a multi-tier name ACR EE takes; -1 keeps only the last component).
// Tags are compared; untagged artifacts and accessories (signatures, SBOMs) are not.
//
// Output: one line per missing, stale and extra tag (the first -limit of them, then
// "... N more"), then a summary line with the counts and the effective RPO. With -json the
// output is the lag.Report as the library marshals it, every artifact included; when the
// check could not be made it is an empty report (the error goes to stderr, exit 1 or 3),
// so stdout is one JSON document whatever happens after the flags were accepted.
//
// With -reverse the check runs the other way (lag.Verifier.Reverse), for failback: what
// ACR EE holds that Harbor lacks — tags missing from the Harbor repository they map back
// to, tags Harbor holds at another digest (stale), and tags of ACR EE repositories no
// Harbor repository flattens to (unmapped, e.g. created during an outage under a new name).
// It needs the OpenAPI mode (every repository of the namespace is listed; -registry is
// refused) and takes no -rpo: anything there is lag. Exit 3 when Harbor lacks anything, 0
// when not; -json prints the lag.ReverseReport. With -journal FILE (the journal of
// examples/failover, only read) it inverts the name map the failover recorded there
// (failover.RecordedNameMap), as failback -reverse-check and the reverse replication do,
// exact where Harbor's projects flattened now would be ambiguous (flatten-all over nested
// repositories, refused: exit 1) or have changed since; without it, or when the failover
// recorded none, Harbor's projects flattened now. With -journal the output's first line
// says which map was inverted. A -journal that is missing or not a regular file is bad
// usage (exit 2), never read as one that recorded none; a journal altered since it was
// written is refused (exit 3, failover.ErrTamperedJournal) and its map not used.
//
// Logs go to stderr through log/slog (-log-level debug|info|warn|error, -log-format
// text|json; with json every stderr line is a JSON object) and the library's clients log
// into it; the report, or the -json document, goes to stdout.
//
// Exit status:
//
//   - 0: complete — nothing missing or stale (extra tags do not count). With -rpo D,
//     also when tags are missing or stale but the oldest of them was pushed to Harbor at
//     most D before the check (OldestMissing ≤ D: the rule failover's preflight applies to
//     its RPO); a missing or stale tag whose push time Harbor does not know fails the budget.
//   - 1: an error: the check could not be made (Harbor or ACR EE unreachable,
//     credentials refused, …), written to stderr without any secret.
//   - 2: bad flags or missing settings, or an unreadable secret file. -h prints the help
//     and exits 0.
//   - 3: the check ran and found lag: tags missing or stale beyond the -rpo budget (any,
//     without -rpo) — what failover's preflight would refuse to switch over, since a
//     failover now would lose them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/examples/internal/cli"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/managed"
	"github.com/regdr/regdr/replication/mirror"
)

// Environment variables holding credentials: secrets never come from flags, where ps and
// shell histories would show them.
const (
	envHarborUser     = "HARBOR_USERNAME"
	envHarborPassword = "HARBOR_PASSWORD"
	envACRUser        = "ACR_USERNAME"
	envACRPassword    = "ACR_PASSWORD"
)

func main() { cli.Main(run) }

type config struct {
	harborURL, harborUser, harborPassword string
	projects                              []string
	repos, tags, namespace                string
	flatten, jobs, limit                  int

	instance, region, acrEndpoint string

	registry, registryUser, registryPassword string

	harborInsecure, registryInsecure, asJSON bool
	reverse                                  bool   // -reverse: what ACR EE holds that Harbor lacks
	journal                                  string // -journal: the failover journal whose recorded name map -reverse inverts
	plainHTTP                                bool   // -insecure-plain-http
	rpo                                      time.Duration

	harborPasswordFile, registryPasswordFile, accessKeySecretFile string
	cloudCreds                                                    *alicloud.Credentials
	logf                                                          cli.LogFlags
}

// errUsage marks a bad flag or setting: exit status 2.
var errUsage = errors.New("usage")

func parse(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	var projects string
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `verify checks that ACR EE holds every artifact Harbor holds, by digest. It only reads.

Usage: verify -harbor URL [-projects P,...] [filters] (-instance ID -region R | -registry URL) [-json] [-rpo D | -reverse [-journal FILE]]

Secrets come from files or the environment, never from a flag's value: the Harbor password
from -harbor-password-file, $HARBOR_PASSWORD_FILE or $HARBOR_PASSWORD (user: -harbor-user or
HARBOR_USERNAME); the AccessKey from -access-key-secret-file or
$ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE with $ALIBABA_CLOUD_ACCESS_KEY_ID(_FILE), else the default
chain (ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET, ...); with -registry the
password from -registry-password-file, $ACR_PASSWORD_FILE or $ACR_PASSWORD (user:
-registry-user or ACR_USERNAME). A trailing newline in a file is trimmed.
Logs go to stderr (-log-level, -log-format text|json); the report (-json) to stdout.
Exit status: 0 complete (or within -rpo); 1 error (the check could not be made); 2 bad flags
or an unreadable secret file; 3 lag found, over the -rpo budget (a failover now would lose it;
with -reverse: ACR EE holds what Harbor lacks, a failback now would lose it).

`)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.harborURL, "harbor", "", "Harbor `URL`, e.g. https://harbor.example.com (required)")
	fs.StringVar(&c.harborUser, "harbor-user", "", "Harbor `USER` (default $"+envHarborUser+"; password from $"+envHarborPassword+")")
	fs.StringVar(&c.harborPasswordFile, "harbor-password-file", "", "read the Harbor password from `FILE` (default $"+envHarborPassword+"_FILE, then $"+envHarborPassword+")")
	fs.StringVar(&c.registryPasswordFile, "registry-password-file", "", "with -registry: read the registry password from `FILE` (default $"+envACRPassword+"_FILE, then $"+envACRPassword+")")
	fs.StringVar(&c.accessKeySecretFile, "access-key-secret-file", "", "read the AccessKey secret from `FILE` (default $"+cli.EnvAccessKeySecret+"_FILE; the ID from $"+cli.EnvAccessKeyID+"); without either, the default credential chain")
	c.logf.Register(fs)
	fs.BoolVar(&c.harborInsecure, "harbor-insecure", false, "skip TLS certificate verification towards Harbor")
	fs.StringVar(&projects, "projects", "", "Harbor `PROJECTS`, comma-separated (empty: every project)")
	fs.StringVar(&c.repos, "repos", "", "repository `GLOB`, project included (doublestar, e.g. 'library/**')")
	fs.StringVar(&c.tags, "tags", "", "tag `GLOB` (e.g. 'v*')")
	fs.StringVar(&c.namespace, "namespace", "", "ACR EE namespace (default: the only project's name)")
	fs.IntVar(&c.flatten, "flatten", managed.DefaultFlatten, "Harbor's dest_namespace_replace_count: `N` leading components replaced by the namespace; -1 keeps only the last")
	fs.StringVar(&c.instance, "instance", "", "ACR EE instance `ID`, e.g. cri-xxxxxxxx (OpenAPI mode)")
	fs.StringVar(&c.region, "region", "", "ACR EE `REGION`, e.g. cn-hangzhou (OpenAPI mode)")
	fs.StringVar(&c.acrEndpoint, "acr-endpoint", "", "ACR OpenAPI endpoint `HOST[:PORT]` instead of cr.REGION.aliyuncs.com; http://127.0.0.1:PORT for an emulator")
	fs.StringVar(&c.registry, "registry", "", "check ACR EE through its registry at `URL` (tags/list, a manifest HEAD per tag for its digest) instead of the OpenAPI")
	fs.StringVar(&c.registryUser, "registry-user", "", "registry `USER` with -registry (default $"+envACRUser+"; password from $"+envACRPassword+")")
	fs.BoolVar(&c.registryInsecure, "registry-insecure", false, "skip TLS certificate verification towards -registry")
	fs.BoolVar(&c.plainHTTP, "insecure-plain-http", false, "allow an http:// -harbor or -registry that is not loopback although a password goes with it (in clear)")
	fs.IntVar(&c.jobs, "jobs", 4, "Harbor repositories listed concurrently (ACR EE's OpenAPI is listed one call at a time)")
	fs.BoolVar(&c.asJSON, "json", false, "print the lag report as JSON")
	fs.DurationVar(&c.rpo, "rpo", 0, "RPO budget `D`: exit 0 while the oldest missing or stale artifact is at most D old (0: no budget, any lag fails)")
	fs.BoolVar(&c.reverse, "reverse", false, "the other way: report what ACR EE holds that Harbor lacks (missing, stale, unmapped) — what a failback now would lose; needs the OpenAPI mode")
	fs.StringVar(&c.journal, "journal", "", "with -reverse: invert the name map the failover recorded in this journal `FILE` (examples/failover -journal; only read) instead of Harbor's projects flattened now")
	fs.IntVar(&c.limit, "limit", 50, "`N` artifacts listed in the human output (0: all)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	var errs []string
	if fs.NArg() > 0 {
		errs = append(errs, fmt.Sprintf("unexpected arguments %q", fs.Args()))
	}
	if c.harborURL == "" {
		errs = append(errs, "-harbor is required")
	}
	for p := range strings.SplitSeq(projects, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.projects = append(c.projects, p)
		}
	}
	if c.namespace == "" && len(c.projects) != 1 {
		errs = append(errs, "-namespace is required unless -projects names exactly one project")
	}
	if c.flatten < -1 {
		errs = append(errs, fmt.Sprintf("-flatten %d is below -1", c.flatten))
	}
	if c.jobs < 1 {
		errs = append(errs, "-jobs must be at least 1")
	}
	if c.limit < 0 {
		errs = append(errs, "-limit must not be negative")
	}
	if c.rpo < 0 {
		errs = append(errs, "-rpo must not be negative")
	}
	if c.reverse && c.rpo != 0 {
		errs = append(errs, "-rpo does not apply to -reverse: anything ACR EE holds that Harbor lacks is lag")
	}
	if c.journal != "" && !c.reverse {
		errs = append(errs, "-journal applies to -reverse only: the name map recorded at failover is inverted")
	}
	if c.reverse && c.registry != "" {
		errs = append(errs, "-reverse needs the OpenAPI mode (-instance), which lists every repository of the namespace; -registry does not")
	}
	if c.harborUser == "" {
		c.harborUser = os.Getenv(envHarborUser)
	}
	var err error
	if c.harborPassword, err = cli.Secret("-harbor-password-file", c.harborPasswordFile, envHarborPassword); err != nil {
		errs = append(errs, err.Error())
	}
	if c.harborUser != "" && c.harborPassword == "" {
		errs = append(errs, fmt.Sprintf("Harbor user %q needs $%s", c.harborUser, envHarborPassword))
	}
	if c.harborUser == "" && c.harborPassword != "" {
		errs = append(errs, fmt.Sprintf("$%s is set but no Harbor user (-harbor-user or $%s)", envHarborPassword, envHarborUser))
	}
	if c.registry != "" {
		if c.instance != "" || c.region != "" || c.acrEndpoint != "" {
			errs = append(errs, "-registry replaces -instance, -region and -acr-endpoint: give one or the other")
		}
		if c.registryUser == "" {
			c.registryUser = os.Getenv(envACRUser)
		}
		if c.registryPassword, err = cli.Secret("-registry-password-file", c.registryPasswordFile, envACRPassword); err != nil {
			errs = append(errs, err.Error())
		}
		if c.registryUser != "" && c.registryPassword == "" {
			errs = append(errs, fmt.Sprintf("registry user %q needs $%s", c.registryUser, envACRPassword))
		}
		if c.registryUser == "" && c.registryPassword != "" {
			errs = append(errs, fmt.Sprintf("$%s is set but no registry user (-registry-user or $%s)", envACRPassword, envACRUser))
		}
	} else {
		if c.instance == "" {
			errs = append(errs, "-instance (or -registry) is required")
		}
		if c.region == "" && c.acrEndpoint == "" {
			errs = append(errs, "-region (or -acr-endpoint) is required")
		}
		if c.registryUser != "" || c.registryInsecure || c.registryPasswordFile != "" {
			errs = append(errs, "-registry-user, -registry-password-file and -registry-insecure need -registry")
		}
		if c.cloudCreds, err = cli.CloudCredentials(c.accessKeySecretFile); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if err := cli.CheckPlainHTTP("-harbor", c.harborURL, c.harborPassword != "", c.plainHTTP); err != nil {
		errs = append(errs, err.Error())
	}
	if c.registry != "" {
		if err := cli.CheckPlainHTTP("-registry", c.registry, c.registryPassword != "", c.plainHTTP); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if c.acrEndpoint != "" {
		if _, _, err := cli.APIEndpoint(c.acrEndpoint); err != nil {
			errs = append(errs, "-acr-endpoint: "+err.Error())
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %s", errUsage, strings.Join(errs, "; "))
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWithClock(ctx, args, stdout, stderr, nil)
}

// runWithClock is run with the time artifacts are aged against (nil: the system clock).
func runWithClock(ctx context.Context, args []string, stdout, stderr io.Writer, clock clock.Clock) int {
	c, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		if errors.Is(err, errUsage) {
			fmt.Fprintln(stderr, "verify:", strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
		}
		return exitUsage
	}
	log, err := c.logf.Logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "verify:", err)
		return exitUsage
	}
	_, stderr = c.logf.Streams(stderr, log)
	v, err := newVerifier(c, log)
	if err != nil {
		fmt.Fprintln(stderr, "verify:", err)
		return exitUsage
	}
	v.Clock = clock
	if c.reverse {
		return runReverse(ctx, c, v, stdout, stderr)
	}
	r, err := v.Verify(ctx)
	if err != nil {
		// With -json stdout is one document whatever happens: an empty report, the check
		// not having been made; the error goes to stderr.
		emptyJSON(c, stdout, stderr, &lag.Report{})
		fmt.Fprintln(stderr, "verify:", explain(err, c))
		return exitFailed
	}
	if c.asJSON {
		if err := writeJSON(stdout, r); err != nil {
			fmt.Fprintln(stderr, "verify:", err)
			return exitFailed
		}
	} else {
		writeHuman(stdout, r, c.limit, c.rpo)
	}
	if withinBudget(r, c.rpo) {
		return exitOK
	}
	return exitRefused // the check ran and found lag: a failover now would lose data
}

// runReverse measures and prints the reverse lag: exit 0 when ACR EE holds nothing Harbor
// lacks, 3 when it does (a failback now would lose it), 1 when the check could not be made.
func runReverse(ctx context.Context, c *config, v *lag.Verifier, stdout, stderr io.Writer) int {
	nameMap := ""
	if c.journal != "" {
		entries, err := cli.ReadJournal(ctx, c.journal)
		if errors.Is(err, cli.ErrNotJournal) {
			// A mistyped -journal would be reported as one that recorded no map.
			fmt.Fprintln(stderr, "verify:", err)
			return exitUsage
		}
		if err != nil {
			emptyJSON(c, stdout, stderr, &lag.ReverseReport{})
			fmt.Fprintln(stderr, "verify: -journal:", err)
			if errors.Is(err, failover.ErrTamperedJournal) {
				return exitRefused // refused by a safety check: its map is not used
			}
			return exitFailed
		}
		if m, ok := failover.RecordedNameMap(entries); ok {
			v.NameMap = m
			nameMap = fmt.Sprintf("name map: recorded at failover in %s, %d repositories (inverted)", c.journal, len(m))
		} else if cli.FailedBack(entries) {
			nameMap = fmt.Sprintf("name map: derived — the failover that recorded one in %s was failed back already; Harbor's projects flattened now (inverted)", c.journal)
		} else {
			nameMap = fmt.Sprintf("name map: derived — %s recorded none; Harbor's projects flattened now (inverted)", c.journal)
		}
	}
	r, err := v.Reverse(ctx)
	if err != nil {
		emptyJSON(c, stdout, stderr, &lag.ReverseReport{})
		fmt.Fprintln(stderr, "verify:", explain(err, c))
		return exitFailed
	}
	if c.asJSON {
		if err := writeJSON(stdout, r); err != nil {
			fmt.Fprintln(stderr, "verify:", err)
			return exitFailed
		}
	} else {
		if nameMap != "" {
			fmt.Fprintln(stdout, nameMap)
		}
		writeReverseHuman(stdout, r, c.limit)
	}
	if r.Complete() {
		return exitOK
	}
	return exitRefused // Harbor lacks what ACR EE holds: a failback now would lose it
}

// emptyJSON prints, with -json, the empty report r for a check that could not be made, so
// that stdout is one JSON document whatever happens (the error goes to stderr).
func emptyJSON(c *config, stdout, stderr io.Writer, r any) {
	if !c.asJSON {
		return
	}
	if err := writeJSON(stdout, r); err != nil {
		fmt.Fprintln(stderr, "verify:", err)
	}
}

// withinBudget reports whether the report passes: complete, or with budget > 0 every
// missing and stale artifact has a known push time and the oldest is at most budget old.
func withinBudget(r *lag.Report, budget time.Duration) bool {
	if r.Complete() {
		return true
	}
	if budget <= 0 {
		return false
	}
	for _, a := range append(append([]lag.Artifact{}, r.Missing...), r.Stale...) {
		if a.PushTime.IsZero() {
			return false // an unknown age cannot be held to a budget
		}
	}
	return r.OldestMissing <= budget
}

// explain adds which credentials to check to the errors that are about them.
func explain(err error, c *config) string {
	switch {
	case errors.Is(err, harbor.ErrUnauthorized) || errors.Is(err, harbor.ErrForbidden):
		who := "anonymous access"
		if c.harborUser != "" {
			who = fmt.Sprintf("user %q", c.harborUser)
		}
		return fmt.Sprintf("Harbor refused %s (check -harbor-user/$%s and $%s): %v", who, envHarborUser, envHarborPassword, err)
	case c.registry == "" && errors.Is(err, acr.ErrUnauthorized):
		return fmt.Sprintf("the ACR OpenAPI refused the AccessKey from the default credential chain (check $ALIBABA_CLOUD_ACCESS_KEY_ID and its secret, and its RAM permissions on %s): %v", c.instance, err)
	case c.registry != "" && isRegistryAuth(err):
		return fmt.Sprintf("the ACR EE registry refused the credentials (check -registry-user/$%s and $%s): %v", envACRUser, envACRPassword, err)
	}
	return err.Error()
}

// isRegistryAuth reports whether the registry (or its token service) refused the credentials.
func isRegistryAuth(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden)
}

// newVerifier builds the clients; it does no I/O.
func newVerifier(c *config, log *slog.Logger) (*lag.Verifier, error) {
	hopts := []harbor.Option{harbor.WithLogger(log)}
	if c.harborUser != "" {
		hopts = append(hopts, harbor.WithBasicAuth(c.harborUser, c.harborPassword))
	}
	if c.harborInsecure {
		hopts = append(hopts, harbor.WithInsecureSkipVerify())
	}
	h, err := harbor.New(c.harborURL, hopts...)
	if err != nil {
		return nil, fmt.Errorf("-harbor: %w", err)
	}
	setup := managed.Setup{Projects: c.projects, Namespace: c.namespace, Flatten: &c.flatten}
	if c.repos != "" {
		setup.Filters = append(setup.Filters, replication.Filter{Kind: replication.FilterName, Pattern: c.repos})
	}
	if c.tags != "" {
		setup.Filters = append(setup.Filters, replication.Filter{Kind: replication.FilterTag, Pattern: c.tags})
	}
	// The same filters checked now, so that a bad glob is a bad flag (exit 2), not a failed check.
	if _, err := replication.NewRules(setup.Filters...); err != nil {
		return nil, err
	}
	var tags lag.TagLister
	if c.registry != "" {
		ep, err := registryEndpoint(c)
		if err != nil {
			return nil, err
		}
		tags = lag.NewRegistryTagLister(ep)
	} else {
		endpoint, plain, err := cli.APIEndpoint(c.acrEndpoint)
		if err != nil {
			return nil, fmt.Errorf("-acr-endpoint: %w", err)
		}
		cloud := alicloud.Config{Region: c.region, Endpoint: endpoint, Insecure: plain, Credentials: c.cloudCreds}
		cl, err := acr.New(acr.Config{InstanceID: c.instance, Cloud: cloud, Logger: log})
		if err != nil {
			return nil, err
		}
		tags = managed.ACR{Client: cl}
	}
	v, err := setup.Verifier(h, tags)
	if err != nil {
		return nil, err
	}
	v.Jobs = c.jobs
	return v, nil
}

// registryEndpoint turns -registry and its credentials into a Endpoint.
func registryEndpoint(c *config) (mirror.Endpoint, error) {
	raw := c.registry
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	// The value is never echoed: it may carry a password.
	if err == nil && u.User != nil {
		return mirror.Endpoint{}, fmt.Errorf("-registry: credentials in the URL are not accepted: use -registry-user/$%s and $%s", envACRUser, envACRPassword)
	}
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || strings.Trim(u.Path, "/") != "" {
		return mirror.Endpoint{}, errors.New("-registry: want https://HOST[:PORT] (or http:// for an emulator), no path")
	}
	ep := mirror.Endpoint{Registry: u.Host, PlainHTTP: u.Scheme == "http", Auth: authn.Anonymous}
	if c.registryUser != "" {
		ep.Auth = &authn.Basic{Username: c.registryUser, Password: c.registryPassword}
	}
	if c.registryInsecure {
		t, err := cli.InsecureTransport(remote.DefaultTransport)
		if err != nil {
			return mirror.Endpoint{}, fmt.Errorf("-registry-insecure: %w", err)
		}
		ep.Transport = t
	}
	return ep, nil
}

// Exit statuses, documented in the command doc and -h: the examples' shared ones.
const (
	exitOK      = cli.OK      // the run did what it was asked
	exitFailed  = cli.Failed  // something failed, or the run was interrupted
	exitUsage   = cli.Usage   // bad flags or settings, an unreadable secret file
	exitRefused = cli.Refused // a safety check refused
)
