package failover

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/regdr/regdr/dns"
)

// Drill errors.
var (
	// ErrDrillFailed: a drill found that a failover would not serve the clients — the plan
	// was refused, the certificate does not cover the clients' name, an address could not
	// be reached or a sample's digest differs. The report says which.
	ErrDrillFailed = errors.New("failover: drill failed")
	// ErrDigestMismatch: a manifest pulled through the clients' name has another digest
	// than the one Harbor reports.
	ErrDigestMismatch = errors.New("failover: manifest digest differs from Harbor's")
)

// DefaultDrillPort is the port a drill dials: the clients' registry name over HTTPS.
const DefaultDrillPort = "443"

// drillManifestAccept lists the manifest media types a drill accepts, so a registry
// answers the digest of the manifest it stores (not a down-converted one).
var drillManifestAccept = strings.Join([]string{
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
	"application/vnd.docker.distribution.manifest.v2+json",
}, ", ")

// DrillSample is one tag and the manifest digest the primary (Harbor) reports for it.
// The drill pulls the same tag through the clients' name after a would-be failover and
// expects this digest. Repo is the repository as the clients name it.
type DrillSample struct {
	Repo   string `json:"repo"`
	Tag    string `json:"tag"`
	Digest string `json:"digest"`
}

// The distribution spec's grammar for what a drill puts in a URL path.
var (
	drillComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$`)
	drillTag       = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)
	drillDigest    = regexp.MustCompile(`^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`)
)

// validate refuses a sample that is not a repository, tag and digest by the
// distribution spec's grammar (nothing else reaches a request path).
func (d DrillSample) validate() error {
	ok := d.Repo != "" && drillTag.MatchString(d.Tag) && drillDigest.MatchString(d.Digest)
	for _, c := range strings.Split(d.Repo, "/") {
		ok = ok && drillComponent.MatchString(c)
	}
	if !ok {
		return fmt.Errorf("%w: drill sample %q:%q@%q is not a repository, tag and digest", ErrInvalid, d.Repo, d.Tag, d.Digest)
	}
	return nil
}

// DrillRequest is what [Switcher.Drill] rehearses.
type DrillRequest struct {
	// Failover is planned (never applied) exactly as a real failover would be: its
	// refusals fail the drill.
	Failover FailoverRequest
	// Samples are the tags to pull, with the digests Harbor reports.
	Samples []DrillSample
	// RootCAs verifies the certificate served for the clients' name; nil: the system roots.
	RootCAs *x509.CertPool
	// Port is the port dialed at the address the plan would write; "" is DefaultDrillPort.
	Port string
	// Resolve answers the addresses of a CNAME's target (the plan's new value). nil:
	// net.DefaultResolver.LookupHost.
	Resolve func(ctx context.Context, host string) ([]string, error)
	// Auth wraps the drill's transport to add the registry credentials clients use (a
	// bearer-token flow, basic auth…). nil: anonymous. The drill never records what it adds.
	Auth func(next http.RoundTripper) http.RoundTripper
	// Threshold and Interval estimate detection time: the monitor acts after Threshold
	// consecutive down probes taken Interval apart. 0: DefaultThreshold and
	// DefaultMonitorInterval.
	Threshold int
	Interval  time.Duration
}

// DrillReport is what a drill found. It is a value with JSON tags and a String.
type DrillReport struct {
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Plan is the failover plan the drill would apply (never applied: it is sealed under
	// a key made for the drill and thrown away, so no switcher can apply it). PlanError
	// says why planning was refused.
	Plan      *Plan  `json:"plan,omitempty"`
	PlanError string `json:"plan_error,omitempty"`
	// Targets holds one connection check per record the plan would switch.
	Targets []DrillTarget `json:"targets"`
	// Sampled counts the samples to pull over all targets (N per target, pulled or not:
	// a certificate that fails stops the pulls), Verified those whose digest matched.
	Sampled  int `json:"sampled"`
	Verified int `json:"verified"`
	// Lag is the forward replication lag, compared with RPO; LagError says why it is unknown.
	Lag      *Lag          `json:"lag,omitempty"`
	RPO      time.Duration `json:"rpo,omitempty"`
	LagError string        `json:"lag_error,omitempty"`
	// RTO is the estimated recovery time.
	RTO RTOEstimate `json:"rto"`
	// Passed is true when the plan was made, every certificate verified and every
	// sample matched.
	Passed bool `json:"passed"`
}

// DrillTarget is the connection check of one record: the clients' name dialed at what
// the plan would write.
type DrillTarget struct {
	Target string `json:"target"`
	FQDN   string `json:"fqdn"`
	// To is the value the plan would write; Addresses what the drill dialed for it.
	To        Value    `json:"to"`
	Addresses []string `json:"addresses,omitempty"`
	// TLSVerified is true when the certificate served covers FQDN and chains to the
	// roots; TLSError says why not (or why the address could not be reached).
	TLSVerified bool   `json:"tls_verified"`
	TLSError    string `json:"tls_error,omitempty"`
	// CertDNSNames and CertNotAfter describe the certificate served.
	CertDNSNames []string  `json:"cert_dns_names,omitempty"`
	CertNotAfter time.Time `json:"cert_not_after,omitzero"`
	// Samples are the pulls, in the order given.
	Samples []DrillSampleResult `json:"samples,omitempty"`
}

// DrillSampleResult is one sample pull.
type DrillSampleResult struct {
	Repo     string `json:"repo"`
	Tag      string `json:"tag"`
	Expected string `json:"expected"`
	Got      string `json:"got,omitempty"`
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
}

// RTOEstimate breaks down the time clients would be without a registry.
type RTOEstimate struct {
	// Detection is Threshold × Interval: how long the monitor needs to call Harbor down.
	Detection time.Duration `json:"detection"`
	Threshold int           `json:"threshold"`
	Interval  time.Duration `json:"interval"`
	// Propagation is the old record's TTL (the largest over the plan's changes): how
	// long resolvers may keep answering Harbor.
	Propagation time.Duration `json:"propagation"`
	// ApplyVerify is measured: the drill's own planning and sample pulls.
	ApplyVerify time.Duration `json:"apply_verify"`
	// Total is their sum.
	Total time.Duration `json:"total"`
}

// Drill rehearses a failover without writing anything: it plans the failover as
// [Switcher.PlanFailover] would (never applying it), then, for every record the plan
// would switch, connects as the clients would after the switch — their registry name
// (the record's FQDN) dialed at what the plan would write (an A or AAAA record's address,
// a CNAME target's resolved addresses), TLS verified against that name with RootCAs —
// and pulls each sample's manifest (HEAD, then GET when no digest header comes back),
// comparing its digest with the one Harbor reported. It reports the would-be plan, the
// certificate check, n/N samples verified, the forward lag against the RPO and an RTO
// estimate.
//
// The report is returned even when the drill fails; the error then wraps
// [ErrDrillFailed] and each cause (the planning refusal, the TLS error, a sample
// mismatch). No DNS record, journal entry, audit event or plan key is written: the
// plan is sealed under a key made for the drill alone.
func (s *Switcher) Drill(ctx context.Context, req DrillRequest) (*DrillReport, error) {
	if len(req.Samples) == 0 {
		return nil, fmt.Errorf("%w: a drill needs at least one sample", ErrInvalid)
	}
	for _, smp := range req.Samples {
		if err := smp.validate(); err != nil {
			return nil, err
		}
	}
	if req.Threshold < 0 || req.Interval < 0 {
		return nil, fmt.Errorf("%w: drill threshold and interval must be ≥ 0", ErrInvalid)
	}
	targets, err := s.selected(req.Failover.Targets)
	if err != nil {
		return nil, err
	}
	port := req.Port
	if port == "" {
		port = DefaultDrillPort
	}
	resolve := req.Resolve
	if resolve == nil {
		resolve = net.DefaultResolver.LookupHost
	}

	start := s.clock.Now()
	r := &DrillReport{StartedAt: start, RPO: req.Failover.RPO}
	var failures []error

	plan, err := s.drillPlanner().PlanFailover(ctx, req.Failover)
	if err != nil {
		r.PlanError = err.Error()
		failures = append(failures, err)
	}
	r.Plan = plan

	// The lag: the plan's evidence when it read one; otherwise read it here.
	switch {
	case plan != nil && plan.Evidence.Lag != nil:
		r.Lag = plan.Evidence.Lag
	case plan != nil && plan.Evidence.LagError != "":
		r.LagError = plan.Evidence.LagError
	case req.Failover.Lag != nil:
		if lag, err := req.Failover.Lag.Lag(ctx); err != nil {
			r.LagError = scrub(err)
		} else {
			r.Lag = &lag
		}
	}

	var propagation time.Duration
	for _, t := range targets {
		dt := DrillTarget{Target: t.Name, To: t.Secondary}
		var fqdn string
		if plan != nil {
			for _, c := range plan.Changes {
				if c.Target == t.Name {
					dt.To, fqdn = c.To, c.FQDN
					propagation = max(propagation, time.Duration(c.From.TTL)*time.Second)
				}
			}
		}
		if fqdn == "" {
			// Planning was refused: observe the record (a read) for its name and TTL, and
			// rehearse the connection all the same — the report should say everything wrong.
			c, err := s.observe(ctx, t)
			if err != nil {
				z, zerr := t.Provider.Zone(ctx)
				if zerr != nil {
					failures = append(failures, fmt.Errorf("reading zone of target %s: %w", t.Name, zerr))
					r.Targets = append(r.Targets, dt)
					r.Sampled += len(req.Samples)
					continue
				}
				c.FQDN = dns.FQDN(t.Record, z.Name)
			}
			fqdn = c.FQDN
			propagation = max(propagation, time.Duration(c.From.TTL)*time.Second)
			if dt.To.TTL == 0 {
				dt.To.TTL = c.From.TTL
			}
		}
		dt.FQDN = fqdn
		failures = append(failures, s.drillTarget(ctx, &dt, req, port, resolve)...)
		r.Sampled += len(req.Samples)
		for _, sr := range dt.Samples {
			if sr.OK {
				r.Verified++
			}
		}
		r.Targets = append(r.Targets, dt)
	}

	r.FinishedAt = s.clock.Now()
	threshold, interval := req.Threshold, req.Interval
	if threshold == 0 {
		threshold = DefaultThreshold
	}
	if interval == 0 {
		interval = DefaultMonitorInterval
	}
	r.RTO = RTOEstimate{Detection: time.Duration(threshold) * interval, Threshold: threshold, Interval: interval,
		Propagation: propagation, ApplyVerify: max(r.FinishedAt.Sub(start), 0)}
	r.RTO.Total = r.RTO.Detection + r.RTO.Propagation + r.RTO.ApplyVerify
	if len(failures) > 0 {
		return r, fmt.Errorf("%w: %w", ErrDrillFailed, errors.Join(failures...))
	}
	r.Passed = true
	return r, nil
}

// drillPlanner is a switcher over the same targets, clock and journal whose plan key is
// random and its own: planning reads and seals, and must neither create the journal's key
// file nor make a plan the real switcher would apply.
func (s *Switcher) drillPlanner() *Switcher {
	key := make([]byte, PlanKeySize)
	rand.Read(key)
	return &Switcher{targets: s.targets, order: s.order, clock: s.clock, journal: s.journal, audit: nil,
		logger: s.logger, planTTL: s.planTTL, verifyTimeout: s.verifyTimeout, verifyInterval: s.verifyInterval,
		lookup: s.lookup, key: key}
}

// drillTarget dials dt.FQDN at dt.To, checks the certificate and pulls the samples.
func (s *Switcher) drillTarget(ctx context.Context, dt *DrillTarget, req DrillRequest, port string,
	resolve func(context.Context, string) ([]string, error)) []error {
	switch strings.ToUpper(dt.To.Type) {
	case dns.TypeA, dns.TypeAAAA:
		dt.Addresses = []string{dt.To.Value}
	case dns.TypeCNAME:
		addrs, err := resolve(ctx, strings.TrimSuffix(dt.To.Value, "."))
		if err == nil && len(addrs) == 0 {
			err = errors.New("no addresses")
		}
		if err != nil {
			err = fmt.Errorf("resolving %s, the CNAME target for %s: %w", dt.To.Value, dt.FQDN, err)
			dt.TLSError = err.Error()
			return []error{err}
		}
		dt.Addresses = addrs
	default:
		err := fmt.Errorf("%w: %s would point at a %s record, which a drill cannot dial", ErrInvalid, dt.FQDN, dt.To.Type)
		dt.TLSError = err.Error()
		return []error{err}
	}

	tlsConf := &tls.Config{ServerName: dt.FQDN, RootCAs: req.RootCAs, MinVersion: tls.VersionTLS12}
	dialer := &net.Dialer{Timeout: 30 * time.Second}
	hostport := net.JoinHostPort(dt.FQDN, port)
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if !strings.EqualFold(addr, hostport) {
			return nil, fmt.Errorf("drill dials only %s, not %s", hostport, addr)
		}
		var errs []error
		for _, a := range dt.Addresses {
			c, err := dialer.DialContext(ctx, network, net.JoinHostPort(a, port))
			if err == nil {
				return c, nil
			}
			errs = append(errs, err)
		}
		return nil, errors.Join(errs...)
	}

	// The certificate, checked on its own so the report says why it fails.
	raw, err := dial(ctx, "tcp", hostport)
	if err != nil {
		err = fmt.Errorf("connecting to %s at %s: %w", dt.FQDN, strings.Join(dt.Addresses, ", "), err)
		dt.TLSError = err.Error()
		return []error{err}
	}
	tc := tls.Client(raw, tlsConf)
	err = tc.HandshakeContext(ctx)
	if err == nil {
		state := tc.ConnectionState()
		if len(state.PeerCertificates) > 0 {
			leaf := state.PeerCertificates[0]
			dt.CertDNSNames, dt.CertNotAfter = leaf.DNSNames, leaf.NotAfter
		}
	}
	tc.Close()
	if err != nil {
		err = fmt.Errorf("verifying the certificate for %s at %s: %w", dt.FQDN, strings.Join(dt.Addresses, ", "), err)
		dt.TLSError = err.Error()
		return []error{err}
	}
	dt.TLSVerified = true

	var rt http.RoundTripper = &http.Transport{DialContext: dial, TLSClientConfig: tlsConf, ForceAttemptHTTP2: true,
		TLSHandshakeTimeout: 30 * time.Second, ResponseHeaderTimeout: time.Minute}
	if req.Auth != nil {
		rt = req.Auth(rt)
	}
	client := &http.Client{Transport: rt, Timeout: 2 * time.Minute}
	defer client.CloseIdleConnections()

	var errs []error
	base := "https://" + hostport
	if port == DefaultDrillPort {
		base = "https://" + dt.FQDN
	}
	for _, smp := range req.Samples {
		res := DrillSampleResult{Repo: smp.Repo, Tag: smp.Tag, Expected: smp.Digest}
		got, err := drillManifestDigest(ctx, client, base, smp.Repo, smp.Tag)
		res.Got = got
		switch {
		case err != nil:
			err = fmt.Errorf("pulling %s:%s through %s: %w", smp.Repo, smp.Tag, dt.FQDN, err)
			res.Error = err.Error()
			errs = append(errs, err)
		case got != smp.Digest:
			err = fmt.Errorf("%w: %s:%s through %s is %s, Harbor reports %s", ErrDigestMismatch, smp.Repo, smp.Tag, dt.FQDN, got, smp.Digest)
			res.Error = err.Error()
			errs = append(errs, err)
		default:
			res.OK = true
		}
		dt.Samples = append(dt.Samples, res)
	}
	return errs
}

// drillManifestDigest returns the digest of repo:tag's manifest: the Docker-Content-Digest
// of a HEAD, or the SHA-256 of a GET's body when the registry sends no digest header.
func drillManifestDigest(ctx context.Context, c *http.Client, base, repo, tag string) (string, error) {
	u := base + "/v2/" + repo + "/manifests/" + url.PathEscape(tag)
	for _, method := range []string{http.MethodHead, http.MethodGet} {
		req, err := http.NewRequestWithContext(ctx, method, u, nil)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		req.Header.Set("Accept", drillManifestAccept)
		resp, err := c.Do(req)
		if err != nil {
			return "", err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return "", fmt.Errorf("%s answered %s", method, resp.Status)
		}
		if d := resp.Header.Get("Docker-Content-Digest"); d != "" {
			resp.Body.Close()
			return d, nil
		}
		if method == http.MethodGet {
			h := sha256.New()
			_, err := io.Copy(h, io.LimitReader(resp.Body, 4<<20))
			resp.Body.Close()
			if err != nil {
				return "", fmt.Errorf("reading the manifest: %w", err)
			}
			return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
		}
		resp.Body.Close()
	}
	return "", errors.New("no digest")
}

// String renders the report for review.
func (r *DrillReport) String() string {
	if r == nil {
		return "<nil drill report>"
	}
	var b strings.Builder
	verdict := "PASSED"
	if !r.Passed {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "drill %s (%s): %d/%d samples verified; nothing was written\n", verdict,
		r.StartedAt.UTC().Format(time.RFC3339), r.Verified, r.Sampled)
	if r.Plan != nil {
		b.WriteString("would-be plan (not applied):\n")
		for _, line := range strings.Split(strings.TrimRight(r.Plan.String(), "\n"), "\n") {
			b.WriteString("  " + line + "\n")
		}
	}
	if r.PlanError != "" {
		fmt.Fprintf(&b, "  plan refused: %s\n", r.PlanError)
	}
	for _, t := range r.Targets {
		fmt.Fprintf(&b, "  %s as clients would reach it (%s at %s):", t.FQDN, t.To, strings.Join(t.Addresses, ", "))
		if t.TLSVerified {
			fmt.Fprintf(&b, " certificate OK (%s, expires %s)\n", strings.Join(t.CertDNSNames, ", "), t.CertNotAfter.UTC().Format(time.RFC3339))
		} else {
			fmt.Fprintf(&b, " certificate FAILED: %s\n", t.TLSError)
		}
		for _, smp := range t.Samples {
			if smp.OK {
				fmt.Fprintf(&b, "    ok %s:%s %s\n", smp.Repo, smp.Tag, smp.Got)
			} else if smp.Got != "" {
				fmt.Fprintf(&b, "    MISMATCH %s:%s: %s\n", smp.Repo, smp.Tag, smp.Error)
			} else {
				fmt.Fprintf(&b, "    FAILED %s:%s: %s\n", smp.Repo, smp.Tag, smp.Error)
			}
		}
	}
	if r.Lag != nil {
		fmt.Fprintf(&b, "  lag: %d missing, %d stale, oldest %v (RPO %v)\n", r.Lag.Missing, r.Lag.Stale, r.Lag.OldestMissing.Round(time.Second), r.RPO)
	}
	if r.LagError != "" {
		fmt.Fprintf(&b, "  lag unknown: %s\n", r.LagError)
	}
	e := r.RTO
	fmt.Fprintf(&b, "  RTO estimate %v = detection %v (%d × %v) + DNS propagation %v (old TTL) + apply and verify %v (measured)\n",
		e.Total, e.Detection, e.Threshold, e.Interval, e.Propagation, e.ApplyVerify)
	return b.String()
}
