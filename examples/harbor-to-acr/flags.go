package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/examples/internal/cli"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/managed"
)

// Environment variables the secrets (and, optionally, the user names) come from. Secrets
// are never taken from flags: a command line shows in ps and in shell history.
const (
	envHarborUser     = "HARBOR_USERNAME"
	envHarborPassword = "HARBOR_PASSWORD"
	envACRUser        = "ACR_USERNAME"
	envACRPassword    = "ACR_PASSWORD"
)

type config struct {
	harborURL, harborUser string
	harborPassword        harbor.Secret
	harborInsecure        bool

	instance, region, openAPI string
	openAPIPlainHTTP          bool

	acrURL, acrUser string
	acrPublic       bool
	acrPassword     harbor.Secret
	acrInsecure     bool

	setup managed.Setup

	plainHTTP bool // -insecure-plain-http

	direct  bool
	jobs    int
	poll    time.Duration
	timeout time.Duration

	dryRun, yes, asJSON bool

	harborPasswordFile, acrPasswordFile, accessKeySecretFile string
	cloudCreds                                               *alicloud.Credentials
	logf                                                     cli.LogFlags
}

const usageHead = `harbor-to-acr sets up Harbor → ACR EE replication (the runbook's steps 1–3):
the ACR EE namespace, Harbor's registry endpoint for the instance (tested), and the
replication policy; then runs it once, waits for it and verifies ACR EE holds everything.

Secrets come from files or the environment, never from a flag's value: the passwords from
-harbor-password-file / $HARBOR_PASSWORD_FILE / $HARBOR_PASSWORD and -acr-password-file /
$ACR_PASSWORD_FILE / $ACR_PASSWORD (users from the flags or HARBOR_USERNAME, ACR_USERNAME);
the AccessKey from -access-key-secret-file or $ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE with
$ALIBABA_CLOUD_ACCESS_KEY_ID(_FILE), else the Alibaba Cloud default credential chain
(ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET, ALIBABA_CLOUD_SECURITY_TOKEN,
profiles, ECS RAM role, OIDC). A trailing newline in a file is trimmed.
Nothing is written without -yes; -dry-run only plans.
Progress and logs go to stderr (-log-level, -log-format text|json); the plan, the
verification and the -json document to stdout.
Exit status: 0 converged and verified; 1 failed; 2 bad flags or an unreadable secret file;
3 refused by a safety check (writes without -yes, a namespace -existing-namespace forbids
fixing, an endpoint of another provider type, an invalid setup).

Usage:
  harbor-to-acr -harbor URL -instance ID -region REGION -projects P [flags] (-dry-run | -yes)

Flags:
`

func parse(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	s := &c.setup
	var projects, repos, tags, excludeTags, labels, bandwidth, trigger string
	fs := flag.NewFlagSet("harbor-to-acr", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.harborURL, "harbor", "", "Harbor `URL`, e.g. https://harbor.example.com (required)")
	fs.StringVar(&c.harborUser, "harbor-user", "", "Harbor user (default $"+envHarborUser+"); the password from -harbor-password-file, $"+envHarborPassword+"_FILE or $"+envHarborPassword)
	fs.StringVar(&c.harborPasswordFile, "harbor-password-file", "", "read the Harbor password from `FILE` (default $"+envHarborPassword+"_FILE, then $"+envHarborPassword+")")
	fs.StringVar(&c.acrPasswordFile, "acr-password-file", "", "read the ACR EE registry password from `FILE` (default $"+envACRPassword+"_FILE, then $"+envACRPassword+")")
	fs.StringVar(&c.accessKeySecretFile, "access-key-secret-file", "", "read the AccessKey secret from `FILE` (default $"+cli.EnvAccessKeySecret+"_FILE; the ID from $"+cli.EnvAccessKeyID+"); without either, the default credential chain")
	c.logf.Register(fs)
	fs.BoolVar(&c.harborInsecure, "harbor-insecure", false, "do not verify Harbor's TLS certificate")

	fs.StringVar(&c.instance, "instance", "", "ACR EE instance `ID`, e.g. cri-xxxxxxxx (required)")
	fs.StringVar(&c.region, "region", "", "ACR EE `region`, e.g. cn-hangzhou (required unless -acr-api and -acr-url are given)")
	fs.StringVar(&c.openAPI, "acr-api", "", "ACR OpenAPI endpoint override, `host[:port]`; an http:// prefix speaks plain HTTP (emulators on loopback only)")
	fs.BoolVar(&c.plainHTTP, "insecure-plain-http", false, "allow an http:// -harbor or -acr-url that is not loopback although a password goes to it (in clear)")
	fs.StringVar(&c.acrURL, "acr-url", "", "registry `URL` Harbor pushes to (default: the instance's VPC URL, see -acr-public)")
	fs.BoolVar(&c.acrPublic, "acr-public", false, "default -acr-url to the instance's public URL instead of its VPC URL")
	fs.StringVar(&c.acrUser, "acr-user", "", "ACR EE registry login name (default $"+envACRUser+"); the password from -acr-password-file, $"+envACRPassword+"_FILE or $"+envACRPassword)
	fs.BoolVar(&c.acrInsecure, "acr-insecure", false, "do not verify the ACR EE registry's TLS certificate (Harbor's endpoint and -direct)")

	fs.StringVar(&s.Endpoint.Name, "endpoint-name", "acr-ee", "`name` of the registry endpoint in Harbor")
	fs.StringVar(&s.Endpoint.Description, "endpoint-description", "ACR EE (regdr geo-DR)", "description of the registry endpoint")
	fs.StringVar(&s.Policy, "policy", "", "replication policy `name` (required)")
	fs.StringVar(&s.Description, "policy-description", "Harbor to ACR EE (regdr geo-DR)", "replication policy description")
	fs.StringVar(&s.Namespace, "namespace", "", "ACR EE `namespace` (default: the project, when -projects names one)")
	fs.BoolVar(&s.ExistingNamespace, "existing-namespace", false, "never create or change the namespace: it must exist with auto-create repository ON")
	fs.BoolVar(&s.PublicRepositories, "public-repos", false, "namespace default repository type PUBLIC (default PRIVATE)")

	fs.StringVar(&projects, "projects", "", "comma-separated Harbor `projects` to replicate (default: all)")
	fs.StringVar(&repos, "repos", "", "repository name `GLOB` filter, doublestar, e.g. 'test-project/**'")
	fs.StringVar(&tags, "tags", "", "tag `GLOB` filter, e.g. 'v*'")
	fs.StringVar(&excludeTags, "exclude-tags", "", "tag `GLOB` to leave out, e.g. '*-dev'")
	fs.StringVar(&labels, "labels", "", "comma-separated Harbor `labels` an artifact must all carry")
	flatten := fs.Int("flatten", harbor.Flatten1Level, "Harbor's flattening (dest_namespace_replace_count): 1 = \"Flatten 1 level\", -1 = all levels, 0 = none, N = first N")
	fs.StringVar(&trigger, "trigger", "event", "policy `trigger`: event, manual or scheduled (with -cron)")
	fs.StringVar(&s.Cron, "cron", "", "6-field cron `spec` for -trigger scheduled, seconds first, e.g. '0 0 * * * *'")
	fs.StringVar(&bandwidth, "bandwidth", "", "bandwidth `cap`, e.g. 20MiB/s (default unlimited); Harbor applies it per blob stream, -direct to all at once")
	fs.BoolVar(&s.Override, "override", false, "replace ACR EE artifacts that differ (Harbor's Override)")

	fs.BoolVar(&c.direct, "direct", false, "make the first copy with regdr's direct sync engine instead of a Harbor execution")
	fs.IntVar(&c.jobs, "jobs", 4, "requests at a time to each registry with -direct")
	fs.DurationVar(&c.poll, "poll", 2*time.Second, "interval between polls of Harbor's execution")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "timeout of each Harbor API request")

	fs.BoolVar(&c.dryRun, "dry-run", false, "print the plan and write nothing")
	fs.BoolVar(&c.yes, "yes", false, "confirm: apply the plan's writes")
	fs.BoolVar(&c.asJSON, "json", false, "print the plan or the result as JSON on stdout (progress goes to stderr)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.harborUser == "" {
		c.harborUser = os.Getenv(envHarborUser)
	}
	if c.acrUser == "" {
		c.acrUser = os.Getenv(envACRUser)
	}
	var errs []error
	hp, err := cli.Secret("-harbor-password-file", c.harborPasswordFile, envHarborPassword)
	if err != nil {
		errs = append(errs, err)
	}
	ap, err := cli.Secret("-acr-password-file", c.acrPasswordFile, envACRPassword)
	if err != nil {
		errs = append(errs, err)
	}
	c.harborPassword, c.acrPassword = harbor.Secret(hp), harbor.Secret(ap)
	if c.cloudCreds, err = cli.CloudCredentials(c.accessKeySecretFile); err != nil {
		errs = append(errs, err)
	}
	need := func(ok bool, msg string) {
		if !ok {
			errs = append(errs, errors.New(msg))
		}
	}
	need(c.harborURL != "", "-harbor is required")
	need(c.harborUser != "", "-harbor-user or $"+envHarborUser+" is required")
	need(c.harborPassword != "", "a Harbor password is required (-harbor-password-file, $"+envHarborPassword+"_FILE or $"+envHarborPassword+")")
	need(c.instance != "", "-instance is required")
	need(c.region != "" || (c.openAPI != "" && c.acrURL != ""), "-region is required (unless both -acr-api and -acr-url are given)")
	need(c.acrUser != "", "-acr-user or $"+envACRUser+" is required")
	need(c.acrPassword != "", "an ACR EE password is required (-acr-password-file, $"+envACRPassword+"_FILE or $"+envACRPassword+")")
	need(s.Policy != "", "-policy is required")
	need(s.Endpoint.Name != "", "-endpoint-name must not be empty")
	need(*flatten >= harbor.FlattenAll, "-flatten must be -1 or more")
	need(!(c.dryRun && c.yes), "-dry-run and -yes contradict each other")
	need(c.jobs > 0, "-jobs must be positive")
	need(c.poll > 0 && c.timeout > 0, "-poll and -timeout must be positive")
	if c.harborURL != "" {
		if err := checkURL(c.harborURL); err != nil {
			errs = append(errs, fmt.Errorf("-harbor: %w", err))
		}
	}
	if c.acrURL != "" {
		if err := checkURL(c.acrURL); err != nil {
			errs = append(errs, fmt.Errorf("-acr-url: %w", err))
		}
	}
	if err := cli.CheckPlainHTTP("-harbor", c.harborURL, true, c.plainHTTP); err != nil {
		errs = append(errs, err)
	}
	if err := cli.CheckPlainHTTP("-acr-url", c.acrURL, true, c.plainHTTP); err != nil {
		errs = append(errs, err)
	}
	if api, plain, err := cli.APIEndpoint(c.openAPI); err != nil {
		errs = append(errs, fmt.Errorf("-acr-api: %w", err))
	} else {
		c.openAPI, c.openAPIPlainHTTP = api, plain
	}

	switch trigger {
	case "event", harbor.TriggerEventBased:
		s.Trigger = harbor.TriggerEventBased
	case harbor.TriggerManual:
		s.Trigger = harbor.TriggerManual
	case harbor.TriggerScheduled, "cron":
		s.Trigger = harbor.TriggerScheduled
		if err := managed.ValidateCron(s.Cron); err != nil {
			errs = append(errs, fmt.Errorf("-cron: %w", err))
		}
	default:
		errs = append(errs, fmt.Errorf("-trigger %q: want event, manual or scheduled", trigger))
	}
	need(s.Cron == "" || s.Trigger == harbor.TriggerScheduled, "-cron needs -trigger scheduled")

	rate, err := replication.ParseRate(bandwidth)
	if err != nil {
		errs = append(errs, fmt.Errorf("-bandwidth: %w", err))
	}
	s.BytesPerSecond = rate
	s.Flatten = flatten
	s.Projects = splitList(projects)
	if repos != "" {
		s.Filters = append(s.Filters, replication.Filter{Kind: replication.FilterName, Pattern: repos})
	}
	if tags != "" {
		s.Filters = append(s.Filters, replication.Filter{Kind: replication.FilterTag, Pattern: tags})
	}
	if excludeTags != "" {
		s.Filters = append(s.Filters, replication.Filter{Kind: replication.FilterTag, Pattern: excludeTags, Decoration: replication.Excludes})
	}
	if l := splitList(labels); len(l) > 0 {
		s.Filters = append(s.Filters, replication.Filter{Kind: replication.FilterLabel, Labels: l})
	}
	if _, err := replication.NewRules(s.Filters...); err != nil {
		errs = append(errs, err)
	}
	need(s.Namespace != "" || len(s.Projects) == 1, "-namespace is required unless -projects names exactly one project")

	if c.acrURL == "" && c.instance != "" && c.region != "" {
		c.acrURL = managed.ACREndpointURL(c.instance, c.region, !c.acrPublic)
	}
	s.Endpoint.URL = strings.TrimSuffix(c.acrURL, "/")
	s.Endpoint.AccessKey = c.acrUser
	s.Endpoint.AccessSecret = c.acrPassword
	s.Endpoint.Insecure = c.acrInsecure
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// checkURL accepts an http or https URL with a host and nothing that would carry a secret.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("want an http:// or https:// URL, got scheme %q", u.Scheme)
	case u.Host == "":
		return errors.New("no host")
	case u.User != nil:
		// Never echo it: it may hold a password.
		return errors.New("credentials in the URL are not accepted: use the environment")
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
