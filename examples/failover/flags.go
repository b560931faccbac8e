package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/regdr/regdr/alicloud"
	"github.com/regdr/regdr/dns"
	excli "github.com/regdr/regdr/examples/internal/cli"
	"github.com/regdr/regdr/failover"
)

// Solutions, as the runbook names them (a), (b) and (c).
const (
	solPrivateZone = "privatezone"
	solPublic      = "public"
	solVPC         = "vpc"
)

type config struct {
	failback, dryRun, yes, asJSON, force        bool
	harborInsecure, acrInsecure                 bool
	solution, zone, vpc, record, recordType     string
	primaryFlag                                 string
	primary                                     failover.Value
	instance, region                            string
	acrAPI, pvtzAPI, alidnsAPI                  string
	harborURL, acrURL, caFile                   string
	journal, resolver, reason, actor, out, plan string
	probes, threshold, minHealthy               int
	probeInterval, probeTimeout, minDwell       time.Duration
	verifyTimeout, verifyInterval, planTTL, rpo time.Duration
	harborUser, projects, namespace             string
	lagFile                                     string
	harborPasswordFile, accessKeySecretFile     string
	harborPassword                              string                // read by loadSecrets; never printed
	cloudCreds                                  *alicloud.Credentials // nil: the default credential chain
	lagMaxAge                                   time.Duration
	flatten                                     int
	watch, autoFailback                         bool
	reverseCheck                                bool // failback -reverse-check: refuse while ACR EE holds what Harbor lacks
	drill                                       bool // the drill command: rehearse, write nothing
	reverseCmd                                  bool // the reverse command: carry back what ACR EE holds that Harbor lacks
	overwrite                                   bool // reverse -overwrite: copy over stale Harbor tags
	sample                                      int
	sampleTags, drillPort                       string
	registryUser, registryPasswordFile          string
	registryPassword                            string // read by loadSecrets; never printed
	interval, holdDown, lagEvery                time.Duration
	metricsAddr                                 string
	setFlags                                    map[string]bool
	logLevel                                    slog.Level
	logFormat                                   string
}

// subcommand is one mode of the command, with only its flags.
type subcommand struct {
	name, args, summary string
	flags               []func(*flag.FlagSet, *config)
	mode                func(*config)
}

var subcommands = []subcommand{
	{"plan", "-solution S -zone NAME -primary VALUE -instance ID -acr URL [flags]",
		"plan a failover to ACR EE and print it (-out saves it, sealed, for apply -plan); nothing is written",
		[]func(*flag.FlagSet, *config){sharedFlags, failoverFlags, roundFlags, rpoFlags, forceFlags, outputFlags},
		func(c *config) { c.dryRun = true }},
	{"apply", "-solution S -zone NAME -primary VALUE -instance ID -acr URL -journal FILE [-plan FILE] -yes [flags]",
		"fail over to ACR EE: plan anew (or read -plan FILE), print, and write, verify and journal it with -yes",
		[]func(*flag.FlagSet, *config){sharedFlags, failoverFlags, roundFlags, rpoFlags, forceFlags, outputFlags, writeFlags, applyFlags},
		func(*config) {}},
	{"failback", "-solution S -zone NAME -harbor URL -journal FILE [-plan FILE] -yes [flags]",
		"restore what the journal says the record held before the failover, once Harbor is healthy",
		[]func(*flag.FlagSet, *config){sharedFlags, roundFlags, outputFlags, writeFlags, applyFlags, failbackFlags, reverseFlags},
		func(c *config) { c.failback = true }},
	{"drill", "-solution S -zone NAME -primary VALUE -instance ID -harbor URL -acr URL [-sample N | -sample-tags REPO:TAG,...] [flags]",
		"rehearse a failover without writing anything: plan it, connect to ACR EE as the clients would after it (their name, TLS verified), pull sample manifests and compare digests with Harbor's",
		[]func(*flag.FlagSet, *config){sharedFlags, failoverFlags, roundFlags, rpoFlags, drillFlags},
		func(c *config) { c.drill = true }},
	{"watch", "-solution S -zone NAME -primary VALUE -instance ID -harbor URL -acr URL [-journal FILE -yes] [flags]",
		"run as a daemon until SIGINT/SIGTERM: probe both registries every -interval and fail over when Harbor is down (applied with -yes, otherwise only reported)",
		[]func(*flag.FlagSet, *config){sharedFlags, failoverFlags, rpoFlags, writeFlags, failbackFlags, watchFlags, watchReverseFlags},
		func(c *config) { c.watch = true }},
	{"reverse", "-harbor URL -acr URL -instance ID -region R [-projects P -namespace NS -flatten N] [-journal FILE] [-overwrite] [-dry-run | -yes] [flags]",
		"carry back into Harbor what ACR EE holds that Harbor lacks (pushed during the outage), through the inverse of the name map recorded at failover (-journal) or else derived; plan and print it, copy with -yes",
		[]func(*flag.FlagSet, *config){reverseCmdFlags},
		func(c *config) { c.reverseCmd = true; c.probeTimeout = defaultReverseTimeout }},
}

// exitCodesUsage ends every usage text.
const exitCodesUsage = `Exit status: 0 ok, 1 failed, 2 bad usage,
3 refused by a safety check (stale or altered plan or journal, lag over -rpo, the side
switched to unhealthy, -min-dwell or -hold-down not passed, nothing to fail back,
ACR EE holding what Harbor lacks, a reverse replication refused — an ambiguous inverse
name map, unmapped repositories, stale Harbor tags, a stale plan, an incomplete copy —
a write not confirmed with -yes).`

// usage prints the command's usage: its subcommands.
func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: failover <command> [flags]")
	fmt.Fprintln(w, "Repoints DNS from Harbor to ACR EE, or back. Nothing is written without -yes.")
	fmt.Fprintln(w, "\nCommands:")
	for _, sc := range subcommands {
		fmt.Fprintf(w, "  %-9s %s\n", sc.name, sc.summary)
	}
	fmt.Fprintln(w, "\nRun 'failover <command> -h' for a command's flags.")
	fmt.Fprintln(w, "\n"+exitCodesUsage)
}

func parse(args []string, stderr io.Writer) (*config, error) {
	if len(args) == 0 {
		usage(stderr)
		return nil, errors.New("a command is required: plan, apply, failback, drill, watch or reverse")
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stderr)
		return nil, flag.ErrHelp
	}
	i := slices.IndexFunc(subcommands, func(sc subcommand) bool { return sc.name == args[0] })
	if i < 0 {
		usage(stderr)
		return nil, fmt.Errorf("unknown command %q: want plan, apply, failback, drill, watch or reverse", args[0])
	}
	sc := subcommands[i]
	// Defaults of the flags a command lacks, for validate: failback takes the type from
	// the journal, and plan verifies nothing.
	c := &config{recordType: dns.TypeCNAME, lagMaxAge: failover.DefaultLagMaxAge,
		verifyTimeout: failover.DefaultVerifyTimeout, verifyInterval: failover.DefaultVerifyInterval}
	fs := flag.NewFlagSet("failover "+sc.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: failover %s %s\n%s.\n\nFlags:\n", sc.name, sc.args, sc.summary)
		fs.PrintDefaults()
		fmt.Fprintln(fs.Output(), "\n"+exitCodesUsage)
	}
	for _, f := range sc.flags {
		f(fs, c)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return nil, err
	}
	sc.mode(c)
	c.setFlags = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { c.setFlags[f.Name] = true })
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, c.loadSecrets()
}

// cloudFlags are the flags every command, reverse included, gives the same meaning: the
// Alibaba Cloud region, the ACR OpenAPI override and the AccessKey, and whether each
// registry's certificate is verified.
func cloudFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.region, "region", "", "Alibaba Cloud region `ID` (cn-hangzhou)")
	fs.StringVar(&c.acrAPI, "acr-api", "", "ACR (cr) OpenAPI endpoint override `host[:port]`; http:// only on loopback (emulators)")
	fs.StringVar(&c.accessKeySecretFile, "access-key-secret-file", "", "read the Alibaba Cloud AccessKey secret from `FILE` (default $ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE; the ID from $ALIBABA_CLOUD_ACCESS_KEY_ID[_FILE])")
	fs.BoolVar(&c.harborInsecure, "harbor-insecure", false, "do not verify Harbor's TLS certificate")
	fs.BoolVar(&c.acrInsecure, "acr-insecure", false, "do not verify ACR EE's TLS certificate")
}

// sharedFlags are every command's: the zone and record, the clouds, the journal, the
// registries probed, and who and why.
func sharedFlags(fs *flag.FlagSet, c *config) {
	cloudFlags(fs, c)
	fs.StringVar(&c.solution, "solution", "", "runbook solution: privatezone (a), public (b) or vpc (c)")
	fs.StringVar(&c.zone, "zone", "", "zone `NAME`: the PrivateZone zone (privatezone, vpc) or the Alidns domain (public)")
	fs.StringVar(&c.vpc, "vpc", "", "VPC `ID` the PrivateZone zone is bound to, and whose ACR EE IP solution vpc uses")
	fs.StringVar(&c.record, "record", "@", "record `RR` relative to the zone (the host name's label, @ for the apex)")
	fs.StringVar(&c.pvtzAPI, "pvtz-api", "", "PrivateZone OpenAPI endpoint override `host[:port]`; http:// only on loopback")
	fs.StringVar(&c.alidnsAPI, "alidns-api", "", "Alidns OpenAPI endpoint override `host[:port]`; http:// only on loopback")
	fs.StringVar(&c.harborURL, "harbor", "", "Harbor (primary) registry `URL` to probe; required for failback and watch")
	fs.StringVar(&c.acrURL, "acr", "", "ACR EE (secondary) registry `URL` to probe; required for failover")
	fs.StringVar(&c.caFile, "ca-file", "", "PEM `FILE` of extra roots trusted when probing")
	fs.DurationVar(&c.probeTimeout, "probe-timeout", failover.DefaultProbeTimeout, "bound on one probe")
	fs.IntVar(&c.threshold, "threshold", failover.DefaultThreshold, "consecutive results that make a registry up or down")
	fs.StringVar(&c.journal, "journal", "", "journal `FILE` (JSON lines) of every write; required to apply and to fail back")
	fs.StringVar(&c.resolver, "resolver", "", "DNS server `host:port` the clients use: the switch is verified through it (public -type A also resolves ACR EE through it)")
	fs.DurationVar(&c.planTTL, "plan-ttl", failover.DefaultPlanTTL, "how long a plan stays valid")
	fs.StringVar(&c.reason, "reason", "", "why: recorded in the plan, the journal and the audit lines")
	fs.StringVar(&c.actor, "actor", defaultActor(), "who: recorded in the plan and the journal")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "least level logged on stderr: debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", "text", "log lines on stderr as text or json")
}

// failoverFlags say what the record holds for Harbor and which ACR EE takes over.
func failoverFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.primaryFlag, "primary", "", "what the record holds for Harbor: an IP (A/AAAA) or a host name (CNAME)")
	fs.StringVar(&c.instance, "instance", "", "ACR EE instance `ID` (cri-...)")
	fs.StringVar(&c.recordType, "type", "CNAME", "public only: point the name at ACR EE as a CNAME or an A record")
}

// roundFlags are a one-shot run's probe rounds.
func roundFlags(fs *flag.FlagSet, c *config) {
	fs.IntVar(&c.probes, "probes", 5, "probe rounds of each registry before planning (at least -threshold)")
	fs.DurationVar(&c.probeInterval, "probe-interval", 2*time.Second, "pause between probe rounds")
}

// rpoFlags hold a failover to a replication lag budget.
func rpoFlags(fs *flag.FlagSet, c *config) {
	fs.DurationVar(&c.rpo, "rpo", 0, "refuse to fail over when replication lag exceeds this budget (0: no budget); the lag is read from Harbor's API and ACR EE")
	harborAPIFlags(fs, c)
	fs.StringVar(&c.lagFile, "lag-file", "", "with -rpo: a lag report `FILE` (`examples/verify -json`, run on a schedule) used when Harbor cannot be listed")
	fs.DurationVar(&c.lagMaxAge, "lag-max-age", failover.DefaultLagMaxAge, "with -rpo: the oldest last-known lag accepted (aged by the time since it was measured)")
}

// harborAPIFlags say how Harbor's API is read and which of its projects are replicated
// where: the lag (-rpo) and the reverse lag (-reverse-check) compare through them.
func harborAPIFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.harborUser, "harbor-user", orDefault(os.Getenv("HARBOR_USERNAME"), "admin"), "with -rpo or -reverse-check: Harbor API user, default $HARBOR_USERNAME or admin (password from -harbor-password-file, $HARBOR_PASSWORD_FILE or $HARBOR_PASSWORD)")
	fs.StringVar(&c.harborPasswordFile, "harbor-password-file", "", "with -rpo or -reverse-check: read Harbor's password from `FILE` (default $HARBOR_PASSWORD_FILE, else $HARBOR_PASSWORD)")
	fs.StringVar(&c.projects, "projects", "", "with -rpo or -reverse-check: comma-separated Harbor projects replicated (empty: all)")
	fs.StringVar(&c.namespace, "namespace", "", "with -rpo or -reverse-check: ACR EE namespace replicated into (default: the only project)")
	fs.IntVar(&c.flatten, "flatten", 1, "with -rpo or -reverse-check: Harbor's dest_namespace_replace_count (-1 flattens all, 0 none)")
}

// reverseFlags hold a failback to the reverse lag: what ACR EE holds that Harbor lacks.
func reverseFlags(fs *flag.FlagSet, c *config) {
	fs.BoolVar(&c.reverseCheck, "reverse-check", false, "refuse to fail back while ACR EE holds tags Harbor lacks (pushed during the outage; needs -instance, Harbor's API as -harbor-user)")
	fs.StringVar(&c.instance, "instance", "", "with -reverse-check: ACR EE instance `ID` (cri-...) whose namespace is listed")
	harborAPIFlags(fs, c)
	fs.BoolVar(&c.force, "force", false, "with -reverse-check: fail back although ACR EE holds what Harbor lacks, or the reverse lag cannot be read (needs -reason)")
}

// drillFlags choose the drill's samples, how it pulls them and how it reports.
func drillFlags(fs *flag.FlagSet, c *config) {
	fs.IntVar(&c.sample, "sample", 3, "pull the first `N` tags of Harbor's -projects (name order), with the digests Harbor reports")
	fs.StringVar(&c.sampleTags, "sample-tags", "", "pull these Harbor `REPO:TAG,...` instead of -sample (project included, e.g. library/nginx:1.25)")
	fs.StringVar(&c.drillPort, "drill-port", failover.DefaultDrillPort, "`PORT` dialed at the address the plan would write")
	fs.StringVar(&c.registryUser, "registry-user", os.Getenv(envACRUser), "ACR EE registry `USER` for the pulls, default $"+envACRUser+" (password from -registry-password-file, $"+envACRPassword+"_FILE or $"+envACRPassword+"); empty: anonymous")
	fs.StringVar(&c.registryPasswordFile, "registry-password-file", "", "read the ACR EE registry password from `FILE` (default $"+envACRPassword+"_FILE, else $"+envACRPassword+")")
	fs.DurationVar(&c.interval, "interval", failover.DefaultMonitorInterval, "the monitor's probe interval, for the RTO estimate (detection = -threshold x -interval)")
	fs.BoolVar(&c.asJSON, "json", false, "print the drill report as JSON on stdout (step lines go to stderr)")
}

func forceFlags(fs *flag.FlagSet, c *config) {
	fs.BoolVar(&c.force, "force", false, "fail over although the replication lag exceeds -rpo or cannot be read (needs -reason)")
}

// outputFlags print or save the plan.
func outputFlags(fs *flag.FlagSet, c *config) {
	fs.BoolVar(&c.asJSON, "json", false, "print the plan as JSON on stdout (step lines go to stderr)")
	fs.StringVar(&c.out, "out", "", "also save the plan as JSON to `FILE` (for -plan)")
}

// writeFlags confirm and verify writes.
func writeFlags(fs *flag.FlagSet, c *config) {
	fs.BoolVar(&c.yes, "yes", false, "confirm: write the records (without it the plan is printed and nothing is written)")
	fs.DurationVar(&c.verifyTimeout, "verify-timeout", failover.DefaultVerifyTimeout, "how long to wait for -resolver to answer the new value")
	fs.DurationVar(&c.verifyInterval, "verify-interval", failover.DefaultVerifyInterval, "pause between two verification queries")
}

// applyFlags are a one-shot write's: a saved plan, or a dry run.
func applyFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.plan, "plan", "", "apply the saved plan `FILE` (from -out) instead of planning anew")
	fs.BoolVar(&c.dryRun, "dry-run", false, "print the plan only")
}

// failbackFlags gate a failback on Harbor's health and the time since the failover.
func failbackFlags(fs *flag.FlagSet, c *config) {
	fs.IntVar(&c.minHealthy, "min-healthy", failover.DefaultFailbackHealthy, "failback: consecutive up probes Harbor needs (at most -probes)")
	fs.DurationVar(&c.minDwell, "min-dwell", failover.DefaultMinDwell, "failback: minimum time since the failover (0: none)")
}

func watchFlags(fs *flag.FlagSet, c *config) {
	fs.DurationVar(&c.interval, "interval", failover.DefaultMonitorInterval, "pause between two probe rounds")
	fs.DurationVar(&c.holdDown, "hold-down", failover.DefaultHoldDown, "least time between two switches in opposite directions")
	fs.BoolVar(&c.autoFailback, "auto-failback", false, "with -yes: also fail back once Harbor is healthy again (-min-healthy rounds, -min-dwell)")
	fs.DurationVar(&c.lagEvery, "lag-every", 5*time.Minute, "with -rpo: least time between two lag measurements while Harbor is up (0: every round)")
	fs.StringVar(&c.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on `host:port` (/metrics, /healthz, /readyz; empty: off)")
}

// watchReverseFlags hold the daemon's automatic failback to the reverse lag, on by
// default: a failback nobody reviews must not hide what clients pushed into ACR EE.
func watchReverseFlags(fs *flag.FlagSet, c *config) {
	fs.BoolVar(&c.reverseCheck, "reverse-check", true, "with -auto-failback: wait while ACR EE holds tags Harbor lacks (pushed during the outage; read through Harbor's API as -harbor-user and -instance's OpenAPI); -reverse-check=false fails back on health and dwell alone")
}

// validate checks the flags before any I/O, one concern at a time.
func (c *config) validate() error {
	if c.reverseCmd {
		return c.validateReverse()
	}
	checks := []func() error{c.validateTarget, c.validateEndpoints, c.validateWatch, c.validateDrill, c.validateRounds,
		c.validateWrite, c.validatePlanFiles, c.validateRPO, c.validateDirection}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// validateTarget checks the zone and record: which solution, zone, VPC, record and type.
func (c *config) validateTarget() error {
	switch c.solution {
	case solPrivateZone, solPublic, solVPC:
	case "":
		return errors.New("-solution is required: privatezone, public or vpc")
	default:
		return fmt.Errorf("-solution %q: want privatezone, public or vpc", c.solution)
	}
	switch {
	case c.zone == "":
		return errors.New("-zone is required")
	case c.solution != solPublic && c.vpc == "":
		return fmt.Errorf("-vpc is required for -solution %s", c.solution)
	case c.solution == solPublic && c.vpc != "":
		return errors.New("-vpc does not apply to -solution public (an Alidns domain has no VPC)")
	case c.record == "":
		return errors.New("-record must not be empty (use @ for the apex)")
	}
	c.recordType = strings.ToUpper(c.recordType)
	if c.recordType != dns.TypeCNAME && c.recordType != dns.TypeA {
		return fmt.Errorf("-type %q: want CNAME or A", c.recordType)
	}
	if c.setFlags["type"] && c.solution != solPublic {
		return errors.New("-type applies to -solution public only")
	}
	return nil
}

// validateEndpoints checks where the command connects: the region, the OpenAPI
// overrides, the registries and the resolver; and how it logs.
func (c *config) validateEndpoints() error {
	if c.logFormat != "text" && c.logFormat != "json" {
		return fmt.Errorf("-log-format %q: want text or json", c.logFormat)
	}
	if c.region == "" {
		return errors.New("-region is required")
	}
	for name, v := range map[string]string{"acr-api": c.acrAPI, "pvtz-api": c.pvtzAPI, "alidns-api": c.alidnsAPI} {
		if _, _, err := excli.APIEndpoint(v); err != nil {
			return fmt.Errorf("-%s: %w", name, err)
		}
	}
	for name, v := range map[string]*string{"harbor": &c.harborURL, "acr": &c.acrURL} {
		u, err := registryURL(*v)
		if err != nil {
			return fmt.Errorf("-%s: %w", name, err)
		}
		*v = u
	}
	if c.resolver != "" {
		if _, _, err := net.SplitHostPort(c.resolver); err != nil {
			return fmt.Errorf("-resolver %q is not host:port", c.resolver)
		}
	}
	return nil
}

// validateRounds checks the probes and the durations.
func (c *config) validateRounds() error {
	if c.watch {
		if c.threshold < 1 {
			return fmt.Errorf("-threshold %d must be at least 1", c.threshold)
		}
	} else if c.probes < 1 || c.threshold < 1 || c.threshold > c.probes {
		return fmt.Errorf("need 1 <= -threshold (%d) <= -probes (%d)", c.threshold, c.probes)
	}
	if c.probeInterval < 0 || c.probeTimeout <= 0 || c.verifyTimeout <= 0 || c.verifyInterval <= 0 || c.planTTL <= 0 || c.minDwell < 0 || c.rpo < 0 {
		return errors.New("durations must be positive (-probe-interval, -min-dwell and -rpo may be 0)")
	}
	return nil
}

// validateWrite checks -yes, -dry-run and -plan against each other and the journal.
func (c *config) validateWrite() error {
	switch {
	case c.dryRun && c.yes:
		return errors.New("-dry-run and -yes contradict each other")
	case c.dryRun && c.plan != "":
		return errors.New("-dry-run with -plan: the saved plan is already printed, drop -plan to review")
	case c.yes && c.journal == "":
		return errors.New("-journal FILE is required to write (failback reads it)")
	}
	return nil
}

// validateRPO checks the replication lag budget and -force, which overrides it only.
func (c *config) validateRPO() error {
	switch {
	case c.force && strings.TrimSpace(c.reason) == "":
		return errors.New("-force needs -reason")
	case (c.setFlags["lag-file"] || c.setFlags["lag-max-age"]) && c.rpo == 0:
		return errors.New("-lag-file and -lag-max-age apply with -rpo only")
	case c.lagMaxAge <= 0:
		return errors.New("-lag-max-age must be positive")
	case c.failback && c.force && !c.reverseCheck:
		return errors.New("-force on failback overrides the -reverse-check only: nothing overrides an unhealthy Harbor, the dwell or an unexpected record")
	case c.failback && c.reverseCheck && c.instance == "":
		return errors.New("-reverse-check needs -instance: the ACR EE namespace is listed through its OpenAPI")
	case c.failback && !c.reverseCheck && (c.setFlags["instance"] || c.setFlags["projects"] || c.setFlags["namespace"] || c.setFlags["flatten"]):
		return errors.New("-instance, -projects, -namespace and -flatten apply to failback with -reverse-check only")
	case !c.failback && c.force && c.rpo == 0:
		return errors.New("-force overrides the -rpo check only: nothing overrides an unhealthy ACR EE or an unexpected record")
	}
	return nil
}

// validateDirection checks what failback, or failover, needs.
func (c *config) validateDirection() error {
	if c.failback {
		switch {
		case c.journal == "":
			return errors.New("failback needs -journal FILE: failback restores what it recorded")
		case c.harborURL == "":
			return errors.New("failback needs -harbor URL: Harbor must be probed healthy")
		case c.minHealthy < 1 || c.minHealthy > c.probes:
			return fmt.Errorf("-min-healthy %d must be between 1 and -probes (%d)", c.minHealthy, c.probes)
		}
		return nil
	}
	switch {
	case c.acrURL == "":
		return errors.New("-acr URL is required: ACR EE must be probed healthy before failover")
	case c.instance == "":
		return errors.New("-instance is required for failover")
	case c.primaryFlag == "":
		return errors.New("-primary is required for failover: what the record holds for Harbor")
	}
	v, err := parsePrimary(c.primaryFlag)
	if err != nil {
		return err
	}
	c.primary = v
	return nil
}

// validatePlanFiles checks -out and -plan: both need -journal, whose plan key seals
// the plan, and -out must not overwrite the journal, its key or the plan being read.
func (c *config) validatePlanFiles() error {
	if c.out == "" && c.plan == "" {
		return nil
	}
	if c.journal == "" {
		return errors.New("-out and -plan need -journal FILE: a saved plan is sealed with the key kept next to the journal")
	}
	if c.out == "" {
		return nil
	}
	for _, f := range []struct{ flag, path string }{{"-journal", c.journal}, {"-journal's plan key", failover.PlanKeyFile(c.journal)}, {"-plan", c.plan}} {
		if f.path != "" && samePath(c.out, f.path) {
			return fmt.Errorf("-out %s names the %s file: choose another file for the plan", c.out, f.flag)
		}
	}
	return nil
}

// samePath reports whether a and b name one file: the same path once made absolute and
// resolved — symlinked directories, and a symlink naming a file not made yet, followed
// — or (when both exist) the same file through a link.
func samePath(a, b string) bool {
	if ra, rb := resolvePath(a), resolvePath(b); ra != "" && ra == rb {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// resolvePath returns where path leads, absolute: its directory with every symlink
// evaluated, and its last element followed while it is a symlink (even to a file that
// does not exist yet). It returns "" when path cannot be made absolute.
func resolvePath(path string) string {
	p, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	for range 40 { // as many links as Linux follows
		if dir, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
			p = filepath.Join(dir, filepath.Base(p))
		}
		target, err := os.Readlink(p)
		if err != nil {
			return p
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(p), target)
		}
		p = filepath.Clean(target)
	}
	return p
}

// validateDrill checks the drill's samples.
func (c *config) validateDrill() error {
	if !c.drill {
		return nil
	}
	switch {
	case c.harborURL == "":
		return errors.New("drill needs -harbor URL: the samples' digests are Harbor's")
	case c.sample < 1:
		return fmt.Errorf("-sample %d must be at least 1", c.sample)
	case c.sampleTags != "" && c.setFlags["sample"]:
		return errors.New("-sample and -sample-tags contradict each other: give one")
	case c.interval <= 0:
		return fmt.Errorf("-interval %v must be positive", c.interval)
	case c.drillPort == "":
		return errors.New("-drill-port must not be empty")
	}
	for _, ref := range splitList(c.sampleTags) {
		repo, tag, ok := strings.Cut(ref, ":")
		if !ok || repo == "" || tag == "" || !strings.Contains(repo, "/") {
			return fmt.Errorf("-sample-tags %q: want PROJECT/REPO:TAG", ref)
		}
	}
	return nil
}

// validateWatch checks the daemon's flags; its FlagSet has none of the one-shot modes'.
func (c *config) validateWatch() error {
	if !c.watch {
		return nil
	}
	if c.interval <= 0 {
		return fmt.Errorf("-interval %v must be positive", c.interval)
	}
	if c.holdDown <= 0 {
		return fmt.Errorf("-hold-down %v must be positive", c.holdDown)
	}
	if c.lagEvery < 0 {
		return fmt.Errorf("-lag-every %v must not be negative", c.lagEvery)
	}
	if c.setFlags["lag-every"] && c.rpo == 0 {
		return errors.New("-lag-every applies with -rpo only")
	}
	if c.harborURL == "" {
		return errors.New("watch needs -harbor URL: Harbor is probed every round")
	}
	if c.metricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.metricsAddr); err != nil {
			return fmt.Errorf("-metrics-addr %q is not host:port: %w", c.metricsAddr, err)
		}
	}
	if c.autoFailback {
		if !c.yes {
			return errors.New("-auto-failback needs -yes: without it watch only reports failover plans")
		}
		if c.minHealthy < 1 {
			return fmt.Errorf("-min-healthy %d must be at least 1", c.minHealthy)
		}
		if c.reverseCheck && c.namespace == "" && (c.projects == "" || strings.Contains(c.projects, ",")) {
			return errors.New("-auto-failback waits while ACR EE holds tags Harbor lacks: give the ACR EE -namespace (or the one Harbor project of -projects) it lists, or -reverse-check=false to fail back on health and dwell alone")
		}
	} else {
		for _, f := range []string{"min-healthy", "min-dwell", "reverse-check"} {
			if c.setFlags[f] {
				return fmt.Errorf("-%s applies to failback: with watch, give -auto-failback", f)
			}
		}
	}
	return nil
}

// parsePrimary reads Harbor's record value: an IP address is an A (or AAAA) record, a
// host name a CNAME; "A:", "AAAA:" or "CNAME:" before the value states the type.
func parsePrimary(s string) (failover.Value, error) {
	for _, typ := range []string{dns.TypeA, dns.TypeAAAA, dns.TypeCNAME} {
		if len(s) > len(typ) && strings.EqualFold(s[:len(typ)+1], typ+":") {
			v := failover.Value{Type: typ, Value: strings.TrimSuffix(s[len(typ)+1:], ".")}
			return v, checkValue(v)
		}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		if a.Is4() {
			return failover.Value{Type: dns.TypeA, Value: a.String()}, nil
		}
		return failover.Value{Type: dns.TypeAAAA, Value: a.String()}, nil
	}
	if looksNumeric(s) {
		// 999.1.1.1 is a mistyped address, not a host name: no top-level domain is numeric.
		return failover.Value{}, fmt.Errorf("-primary %q is not a valid IP address (and a host name cannot end in a numeric label)", s)
	}
	v := failover.Value{Type: dns.TypeCNAME, Value: strings.TrimSuffix(s, ".")}
	return v, checkValue(v)
}

// looksNumeric reports whether a host name's last label is all digits, as in a
// mistyped IPv4 address.
func looksNumeric(s string) bool {
	s = strings.TrimSuffix(s, ".")
	last := s[strings.LastIndexByte(s, '.')+1:]
	return last != "" && strings.Trim(last, "0123456789") == ""
}

func checkValue(v failover.Value) error {
	if v.Type == dns.TypeCNAME && looksNumeric(v.Value) {
		return fmt.Errorf("-primary CNAME %q: a host name cannot end in a numeric label", v.Value)
	}
	if err := dns.ValidateRecord(dns.Record{Name: dns.Apex, Type: v.Type, Value: v.Value}); err != nil {
		return fmt.Errorf("-primary %s %q: %w", v.Type, v.Value, err)
	}
	return nil
}

// registryURL reads a registry URL to probe; a bare host means https.
func registryURL(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("want https://host[:port]")
	}
	if u.User != nil {
		// Never echo it: it carries a password.
		return "", errors.New("the URL must not carry credentials")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("scheme %q: want https", u.Scheme)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// defaultActor names the operator: $USER, or the program.
func defaultActor() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "examples/failover"
}
