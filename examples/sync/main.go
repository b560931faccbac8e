// Command sync copies container images directly from one registry to another with regdr's
// sync engine: plan, then apply, then verify every planned artifact by digest.
//
//	go run ./examples/sync -src harbor.example.com -dst ns-registry.cn-hangzhou.cr.aliyuncs.com \
//	    -namespace acr-ns -flatten 1 -repos 'library/**' -tags 'v*' -jobs 8 -bandwidth 20MiB/s
//
// With -harbor the source is a Harbor, listed through its API (its tokens never grant
// the registry catalog, and the API gives digests, labels and signatures without a HEAD
// per tag); its login comes from HARBOR_USERNAME and HARBOR_PASSWORD:
//
//	HARBOR_USERNAME=admin HARBOR_PASSWORD=... go run ./examples/sync -harbor -projects test-project \
//	    -src harbor.example.com -dst ns-registry.cn-hangzhou.cr.aliyuncs.com -namespace acr-ns -flatten 1
//
// Other credentials come from the Docker config (docker login), like other registry tools. The
// exit status is 0 only if every planned artifact is verified at the destination; 1 if
// something failed or a conflict was left alone; 2 for bad flags (-h is not an error).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type config struct {
	src, dst, namespace, repos, tags, bandwidth, referrers string
	projects                                               string
	plainHTTP, dryRun, asJSON, override, harbor            bool
	flatten, jobs, shard, shards                           int
}

func parse(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.src, "src", "", "source registry `HOST[:PORT]`")
	fs.StringVar(&c.dst, "dst", "", "destination registry `HOST[:PORT]`")
	fs.BoolVar(&c.plainHTTP, "plain-http", false, "talk HTTP, not HTTPS, to both registries")
	fs.BoolVar(&c.harbor, "harbor", false, "the source is a Harbor: list it through its API, logged in as $HARBOR_USERNAME with $HARBOR_PASSWORD")
	fs.StringVar(&c.projects, "projects", "", "with -harbor: comma-separated projects to list (default: all)")
	fs.StringVar(&c.namespace, "namespace", "", "destination namespace (Harbor's dest_namespace); empty keeps names")
	fs.IntVar(&c.flatten, "flatten", -1, "Harbor's dest_namespace_replace_count: -1 keeps the last component, N replaces the first N")
	fs.StringVar(&c.repos, "repos", "", "repository `GLOB` (doublestar, e.g. 'library/**')")
	fs.StringVar(&c.tags, "tags", "", "tag `GLOB` (e.g. 'v*')")
	fs.IntVar(&c.jobs, "jobs", 4, "concurrent transfers")
	fs.StringVar(&c.bandwidth, "bandwidth", "", "shared bandwidth cap, e.g. 20MiB/s (empty: unlimited)")
	fs.BoolVar(&c.dryRun, "dry-run", false, "print the plan, copy nothing")
	fs.BoolVar(&c.asJSON, "json", false, "print the plan or the report as JSON")
	fs.BoolVar(&c.override, "override", false, "overwrite destination tags that hold another digest")
	fs.StringVar(&c.referrers, "referrers", "all", "which images to ask the OCI referrers API about: all, new (cheapest re-sync) or none")
	fs.IntVar(&c.shards, "shards", 0, "split the plan into N shards and apply one (see -shard)")
	fs.IntVar(&c.shard, "shard", -1, "shard to apply (default: $JOB_COMPLETION_INDEX)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if c.src == "" || c.dst == "" || fs.NArg() > 0 {
		return nil, errors.New("-src and -dst are required, and nothing else")
	}
	if c.projects != "" && !c.harbor {
		return nil, errors.New("-projects needs -harbor")
	}
	if c.shards > 0 && c.shard < 0 {
		i, err := strconv.Atoi(os.Getenv("JOB_COMPLETION_INDEX"))
		if err != nil {
			return nil, errors.New("-shards needs -shard or $JOB_COMPLETION_INDEX")
		}
		c.shard = i
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "sync:", err)
		return 2
	}
	s, err := newSyncer(c, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "sync:", err)
		return 2
	}
	plan, err := s.Plan(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "sync: planning:", err)
		return 1
	}
	if c.shards > 0 {
		if plan, err = plan.ShardOf(c.shard, c.shards); err != nil {
			fmt.Fprintln(stderr, "sync:", err)
			return 2
		}
	}
	if c.dryRun {
		return printOut(stdout, stderr, c.asJSON, plan)
	}
	if !c.asJSON {
		fmt.Fprint(stdout, plan)
	}
	rep, err := s.Apply(ctx, plan)
	if c.asJSON {
		printOut(stdout, stderr, true, rep)
	} else {
		fmt.Fprintln(stdout, rep)
	}
	if err != nil {
		fmt.Fprintln(stderr, "sync:", err)
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

func newSyncer(c *config, stderr io.Writer) (*replication.Syncer, error) {
	rate, err := replication.ParseRate(c.bandwidth)
	if err != nil {
		return nil, err
	}
	if c.shards > 1 {
		rate = replication.ShardRate(rate, c.shards)
	}
	if c.referrers == "all" {
		c.referrers = ""
	}
	opts := replication.SyncOptions{
		Referrers: replication.SyncReferrers(c.referrers),
		Jobs:      c.jobs,
		Override:  c.override,
		Limiter:   replication.NewBandwidthLimiter(rate),
		Progress:  newProgress(stderr),
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
	if opts.Selector, err = replication.NewSelector(filters...); err != nil {
		return nil, err
	}
	ep := func(host string) replication.SyncEndpoint {
		return replication.SyncEndpoint{Registry: host, PlainHTTP: c.plainHTTP, Keychain: authn.DefaultKeychain}
	}
	src := ep(c.src)
	if c.harbor {
		user, password := os.Getenv("HARBOR_USERNAME"), os.Getenv("HARBOR_PASSWORD")
		if user == "" || password == "" {
			return nil, errors.New("-harbor needs $HARBOR_USERNAME and $HARBOR_PASSWORD")
		}
		scheme := "https://"
		if c.plainHTTP {
			scheme = "http://"
		}
		hc, err := harbor.New(scheme+c.src, harbor.WithBasicAuth(user, password))
		if err != nil {
			return nil, err
		}
		setup := replication.HarborSetup{}
		if c.projects != "" {
			setup.Projects = strings.Split(c.projects, ",")
		}
		opts.Source = &replication.HarborSyncSource{Harbor: hc, Setup: setup}
		src.Keychain, src.Auth = nil, &authn.Basic{Username: user, Password: password}
	}
	return replication.NewSyncer(src, ep(c.dst), opts)
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
