package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/regdr/regdr/acr"
	excli "github.com/regdr/regdr/examples/internal/cli"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/mirror"
	"github.com/regdr/regdr/replication/reverse"
)

// defaultReverseTimeout bounds one request to Harbor's API during a reverse replication:
// its listings are longer than a probe.
const defaultReverseTimeout = 30 * time.Second

// reverseCmdFlags are the reverse command's: no zone, record or probe — it writes no DNS
// record — but both registries, the ACR EE instance listed through its OpenAPI, Harbor's
// API, the journal whose recorded name map it inverts, and how it writes.
func reverseCmdFlags(fs *flag.FlagSet, c *config) {
	cloudFlags(fs, c)
	fs.StringVar(&c.instance, "instance", "", "ACR EE instance `ID` (cri-...) whose namespace is listed through its OpenAPI")
	fs.StringVar(&c.harborURL, "harbor", "", "Harbor registry and API `URL`: copied into (required)")
	fs.StringVar(&c.acrURL, "acr", "", "ACR EE registry `URL`: copied from (required)")
	fs.StringVar(&c.caFile, "ca-file", "", "PEM `FILE` of extra roots trusted for both registries")
	fs.StringVar(&c.harborUser, "harbor-user", orDefault(os.Getenv("HARBOR_USERNAME"), "admin"), "Harbor user that lists and pushes, default $HARBOR_USERNAME or admin (password from -harbor-password-file, $HARBOR_PASSWORD_FILE or $HARBOR_PASSWORD)")
	fs.StringVar(&c.harborPasswordFile, "harbor-password-file", "", "read Harbor's password from `FILE` (default $HARBOR_PASSWORD_FILE, else $HARBOR_PASSWORD)")
	fs.StringVar(&c.projects, "projects", "", "comma-separated Harbor projects replicated (empty: all)")
	fs.StringVar(&c.namespace, "namespace", "", "ACR EE namespace replicated into (default: the only project of -projects)")
	fs.IntVar(&c.flatten, "flatten", 1, "Harbor's dest_namespace_replace_count (-1 flattens all, 0 none): the forward map inverted when the journal recorded none")
	fs.StringVar(&c.registryUser, "registry-user", os.Getenv(envACRUser), "ACR EE registry `USER` for the pulls, default $"+envACRUser+" (password from -registry-password-file, $"+envACRPassword+"_FILE or $"+envACRPassword+"); empty: temporary credentials from GetAuthorizationToken")
	fs.StringVar(&c.registryPasswordFile, "registry-password-file", "", "read the ACR EE registry password from `FILE` (default $"+envACRPassword+"_FILE, else $"+envACRPassword+")")
	fs.StringVar(&c.journal, "journal", "", "the failover's journal `FILE` (only read): the name map it recorded is inverted; without one the forward map is inverted as Harbor's projects stand now")
	fs.BoolVar(&c.overwrite, "overwrite", false, "copy ACR EE's digest over Harbor tags that hold another (stale); refused by default")
	fs.BoolVar(&c.dryRun, "dry-run", false, "print the plan only")
	fs.BoolVar(&c.yes, "yes", false, "confirm: copy into Harbor (without it the plan is printed and nothing is written)")
	fs.BoolVar(&c.asJSON, "json", false, "print the plan (and with -yes the result) as JSON on stdout (step lines go to stderr)")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "least level logged on stderr: debug, info, warn or error")
	fs.StringVar(&c.logFormat, "log-format", "text", "log lines on stderr as text or json")
}

// validateReverse checks the reverse command's flags; its FlagSet has no DNS flag.
func (c *config) validateReverse() error {
	if err := c.validateEndpoints(); err != nil {
		return err
	}
	switch {
	case c.harborURL == "":
		return errors.New("reverse needs -harbor URL: Harbor is copied into")
	case c.acrURL == "":
		return errors.New("reverse needs -acr URL: ACR EE's registry is copied from")
	case c.instance == "":
		return errors.New("reverse needs -instance: the ACR EE namespace is listed through its OpenAPI")
	case c.namespace == "" && len(splitList(c.projects)) != 1:
		return errors.New("reverse needs the ACR EE -namespace (or the one Harbor project of -projects) whose repositories are carried back")
	case c.flatten < -1:
		return fmt.Errorf("-flatten %d is below -1", c.flatten)
	case c.dryRun && c.yes:
		return errors.New("-dry-run and -yes contradict each other")
	}
	return nil
}

// reverseRun plans the reverse replication ACR EE → Harbor (package reverse), prints it,
// and with -yes applies it. Its refusals — an ambiguous inverse, unmapped repositories,
// stale Harbor tags, a plan gone stale, an incomplete copy, no -yes — exit 3.
func (r *runner) reverseRun(ctx context.Context) (err error) {
	c := r.c
	out := reverseOutput{Journal: c.journal}
	// With -json the document goes out once, whatever the outcome: the plan, refused or
	// not, what the apply did, and the error that ended the run — also when it ended
	// before a plan (an unusable or refused journal, planning failed): stdout is always
	// one JSON document.
	defer func() {
		if !c.asJSON {
			return
		}
		if err != nil {
			out.Error = err.Error()
		}
		enc := json.NewEncoder(r.stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(out); err == nil {
			err = jerr
		}
	}()
	cfg, nameMap, err := r.reverseConfig(ctx)
	if err != nil {
		return err
	}
	out.NameMap = nameMap
	plan, err := reverse.Compute(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted while planning the reverse replication, nothing was written: %w", err)
		}
		return fmt.Errorf("planning the reverse replication: %w", err)
	}
	out.Plan = plan
	if !c.asJSON {
		fmt.Fprint(r.out, strings.TrimRight(plan.String(), "\n")+"\n")
	}
	switch err := plan.Err(); {
	case err != nil:
		return fmt.Errorf("refusing the reverse replication, nothing was written: %w", err)
	case c.dryRun:
		r.step("dry run: nothing was written")
		return nil
	case !plan.HasChanges():
		r.step("nothing to do: Harbor holds everything ACR EE holds")
		return nil
	case !c.yes:
		return errRefused
	}
	res, err := plan.Apply(ctx, cfg)
	out.Result = res
	if res != nil {
		r.step("reverse replication: %s", res)
	}
	if err != nil && ctx.Err() != nil {
		copied := 0
		if res != nil {
			copied = res.Copied()
		}
		return fmt.Errorf("interrupted while applying the reverse replication, %d tag(s) carried back into Harbor before: %w; run again to finish", copied, err)
	}
	if err != nil {
		return err
	}
	r.step("reverse replication applied and verified: %d tag(s) carried back into Harbor", res.Copied())
	return nil
}

// reverseOutput is the reverse command's -json document: which name map was inverted,
// the plan, and what the apply did.
type reverseOutput struct {
	// NameMap is "recorded" (the journal's, recorded at failover) or "derived" (Harbor's
	// projects flattened now).
	NameMap string          `json:"name_map,omitempty"`
	Journal string          `json:"journal,omitempty"`
	Plan    *reverse.Plan   `json:"plan"`
	Result  *reverse.Result `json:"result,omitempty"`
	// Error is the error that ended the run, as printed on stderr; empty when it succeeded.
	Error string `json:"error,omitempty"`
}

// Values of reverseOutput.NameMap.
const (
	nameMapRecorded = "recorded"
	nameMapDerived  = "derived"
)

// reverseConfig builds the reverse replication's config: the verifier of the forward
// replication (Harbor's API as -harbor-user, the ACR EE namespace through the OpenAPI),
// the two registries, and the inverse of the name map the journal's failover recorded,
// when it recorded one. It says which map it inverts.
func (r *runner) reverseConfig(ctx context.Context) (reverse.Config, string, error) {
	c := r.c
	client, err := acr.New(acr.Config{InstanceID: c.instance, Cloud: r.cloud(c.acrAPI), Logger: r.log})
	if err != nil {
		return reverse.Config{}, "", fmt.Errorf("ACR EE client: %w", err)
	}
	v, err := r.harborVerifier(client)
	if err != nil {
		return reverse.Config{}, "", err
	}
	cfg := reverse.Config{Verifier: v, Overwrite: c.overwrite, Sync: mirror.Options{Logger: r.log, Clock: r.clock}}
	nameMap := nameMapDerived
	inverse, recorded, err := r.recordedInverse(ctx)
	if err != nil {
		return reverse.Config{}, "", err
	}
	if recorded {
		cfg.Inverse, nameMap = inverse, nameMapRecorded
		r.step("name map: recorded at failover in %s, %d repositories (inverted)", c.journal, len(inverse))
	} else {
		r.step("name map: derived — Harbor's projects flattened into %s now (-flatten %d), inverted", v.Namespace, c.flatten)
	}
	transport, err := r.httpClient()
	if err != nil {
		return reverse.Config{}, "", err
	}
	if cfg.ACR, err = registryEndpoint(c.acrURL, c.acrInsecure, transport.Transport); err != nil {
		return reverse.Config{}, "", fmt.Errorf("-acr: %w", err)
	}
	if cfg.Harbor, err = registryEndpoint(c.harborURL, c.harborInsecure, transport.Transport); err != nil {
		return reverse.Config{}, "", fmt.Errorf("-harbor: %w", err)
	}
	if c.harborPassword != "" {
		cfg.Harbor.Auth = &authn.Basic{Username: c.harborUser, Password: c.harborPassword}
	}
	if c.registryUser != "" {
		cfg.ACR.Auth = acr.Basic(c.registryUser, c.registryPassword)
	} else {
		// Temporary registry credentials with the AccessKey's identity, refreshed as they expire.
		if cfg.ACR.Auth, err = client.Authenticator(ctx); err != nil {
			return reverse.Config{}, "", fmt.Errorf("ACR EE registry login (GetAuthorizationToken; or give -registry-user): %w", err)
		}
	}
	return cfg, nameMap, nil
}

// errJournalUnusable: -journal names no journal file (missing, a directory): refused
// rather than read as an empty journal.
var errJournalUnusable = errors.New("refusing an unusable -journal")

// recordedInverse reads the name map recorded by the failover that -journal would undo
// and inverts it; recorded is false when there is no journal, or its failover recorded
// none. A recorded map in which two Harbor repositories share an ACR EE repository is
// refused (lag.ErrAmbiguousInverse): what ACR EE holds there has no one place in Harbor.
func (r *runner) recordedInverse(ctx context.Context) (inverse map[string]string, recorded bool, err error) {
	c := r.c
	if c.journal == "" {
		return nil, false, nil
	}
	entries, err := excli.ReadJournal(ctx, c.journal)
	if errors.Is(err, excli.ErrNotJournal) {
		// A mistyped -journal would silently invert the derived map the operator named a
		// journal to avoid.
		return nil, false, fmt.Errorf("%w: %w; nothing was written", errJournalUnusable, err)
	}
	if err != nil {
		return nil, false, fmt.Errorf("%w; nothing was written", err)
	}
	// RecordedNameMap takes the last failover's map whatever its target: a journal shared
	// by records whose failovers recorded different maps does not say which to invert.
	seen := map[string]bool{}
	var mapped []failover.JournalEntry
	for _, e := range entries {
		if seen[e.Target] || e.Kind != failover.KindFailover {
			continue
		}
		seen[e.Target] = true
		if u, ok := failover.FailoverToUndo(entries, e.Target); ok && len(u.NameMap) > 0 {
			mapped = append(mapped, u)
		}
	}
	for _, u := range mapped[min(1, len(mapped)):] {
		if !maps.Equal(u.NameMap, mapped[0].NameMap) {
			return nil, false, fmt.Errorf("%w: journal %s: the failovers of %s and %s recorded different name maps; which to invert is ambiguous", errJournalUnusable, c.journal, mapped[0].Target, u.Target)
		}
	}
	forward, ok := failover.RecordedNameMap(entries)
	if !ok {
		if excli.FailedBack(entries) {
			return nil, false, fmt.Errorf("%w: journal %s: the failover that recorded a name map was failed back already", failover.ErrNothingToFailBack, c.journal)
		}
		r.step("journal %s: its failover recorded no name map", c.journal)
		return nil, false, nil
	}
	inverse, err = lag.Invert(forward)
	if err != nil {
		return nil, false, fmt.Errorf("the name map recorded at failover in %s: %w", c.journal, err)
	}
	return inverse, true, nil
}

// registryEndpoint is the registry at raw (validated by parse: http or https, a host, no
// credentials) over base, TLS verified unless insecure.
func registryEndpoint(raw string, insecure bool, base http.RoundTripper) (mirror.Endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return mirror.Endpoint{}, err
	}
	if strings.Trim(u.Path, "/") != "" {
		return mirror.Endpoint{}, errors.New("a registry URL has no path: want https://host[:port]")
	}
	ep := mirror.Endpoint{Registry: u.Host, PlainHTTP: u.Scheme == "http", Transport: base}
	if insecure {
		t, err := excli.InsecureTransport(base)
		if err != nil {
			return mirror.Endpoint{}, err
		}
		ep.Transport = t
	}
	return ep, nil
}
