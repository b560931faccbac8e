package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/managed"
)

// probe checks both registries -probes times from this machine and returns their health
// (nil for a registry not given). Rounds are -probe-interval apart.
func (r *runner) probe(ctx context.Context) (harborHealth, acrHealth *failover.HealthStatus, err error) {
	c := r.c
	harborCheck, acrCheck, err := r.checkers()
	if err != nil {
		return nil, nil, err
	}
	type probed struct {
		checker *failover.Checker
		status  **failover.HealthStatus
	}
	var checks []probed
	if harborCheck != nil {
		checks = append(checks, probed{harborCheck, &harborHealth})
	}
	if acrCheck != nil {
		checks = append(checks, probed{acrCheck, &acrHealth})
	}
	for i := range c.probes {
		if i > 0 && c.probeInterval > 0 {
			t := time.NewTimer(c.probeInterval)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, nil, ctx.Err()
			case <-t.C:
			}
		}
		for _, p := range checks {
			st := p.checker.Check(ctx)
			last := st.Vantages[0].Last
			r.step("probe %d/%d %s %s: %s", i+1, c.probes, st.Endpoint, p.checker.Endpoint().URL, describe(last))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	for _, p := range checks {
		st := p.checker.Status()
		*p.status = &st
		r.step("health %s: %s (%d consecutive up, %d down; threshold %d)", st.Endpoint, st.Health, st.UpStreak, st.DownStreak, st.Threshold)
	}
	return harborHealth, acrHealth, nil
}

// checkers returns the checkers of Harbor and ACR EE (nil for a registry not given), each
// probing from this machine and deciding health after -threshold consecutive results.
func (r *runner) checkers() (harborCheck, acrCheck *failover.Checker, err error) {
	c := r.c
	client, err := r.httpClient()
	if err != nil {
		return nil, nil, err
	}
	opts := []failover.ProberOption{failover.WithHTTPClient(client)}
	if r.clock != nil {
		opts = append(opts, failover.WithProberClock(r.clock))
	}
	prober, err := failover.NewProber("cli", opts...)
	if err != nil {
		return nil, nil, err
	}
	check := func(name, url string, insecure bool) (*failover.Checker, error) {
		if url == "" {
			return nil, nil
		}
		return failover.NewChecker(failover.Endpoint{Name: name, URL: url, InsecureSkipVerify: insecure, Timeout: c.probeTimeout},
			[]failover.Vantage{prober}, failover.HealthPolicy{Threshold: c.threshold})
	}
	if harborCheck, err = check("harbor", c.harborURL, c.harborInsecure); err != nil {
		return nil, nil, err
	}
	if acrCheck, err = check("acr-ee", c.acrURL, c.acrInsecure); err != nil {
		return nil, nil, err
	}
	return harborCheck, acrCheck, nil
}

func describe(p failover.ProbeResult) string {
	s := "down"
	if p.Up {
		s = "up"
	}
	switch {
	case p.StatusCode != 0:
		s += fmt.Sprintf(" (HTTP %d)", p.StatusCode)
	case p.Error != "":
		s += " (" + p.Error + ")"
	}
	return s
}

// httpClient is the probes' client: the system roots plus -ca-file.
func (r *runner) httpClient() (*http.Client, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if r.c.caFile != "" {
		pool, err := r.rootCAs()
		if err != nil {
			return nil, err
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: t}, nil
}

// lagReporter compares Harbor's artifacts (its API, as admin) with ACR EE's tags. While
// Harbor is down the lag cannot be read: the last known one from -lag-file stands, aged by
// the time since it was measured, up to -lag-max-age; otherwise the failover is refused
// unless -force.
//
// With -watch the monitor refreshes it every round Harbor is up, at most once per
// -lag-every, so the lag it holds is never older than that when Harbor goes down.
func (r *runner) lagReporter() (*failover.LastKnownLag, error) {
	c := r.c
	lk := &failover.LastKnownLag{MaxAge: c.lagMaxAge, Every: c.lagEvery, Clock: r.clock, Reporter: failover.LagFunc(func(context.Context) (failover.Lag, error) {
		return failover.Lag{}, errors.New("no -harbor to measure the lag from")
	})}
	if c.lagFile != "" {
		b, err := os.ReadFile(c.lagFile)
		if err != nil {
			return nil, fmt.Errorf("-lag-file: %w", err)
		}
		var rep lag.Report
		if err := json.Unmarshal(b, &rep); err != nil {
			return nil, fmt.Errorf("-lag-file %s is not a lag report from examples/verify -json: %w", c.lagFile, err)
		}
		if rep.CheckedAt.IsZero() {
			return nil, fmt.Errorf("-lag-file %s is not a lag report from examples/verify -json: it has no checked_at", c.lagFile)
		}
		if err := lk.Seed(failover.Lag(rep.Summary())); err != nil {
			return nil, fmt.Errorf("-lag-file %s: %w", c.lagFile, err)
		}
		r.step("last known replication lag (%s): %s, measured %s", c.lagFile, rep.String(), rep.CheckedAt.UTC().Format(time.RFC3339))
	}
	if c.harborURL == "" {
		if c.lagFile == "" {
			return nil, errors.New("-rpo needs -harbor or -lag-file: the lag is read from Harbor's API and ACR EE")
		}
		return lk, nil
	}
	v, err := r.harborVerifier(r.acr)
	if err != nil {
		return nil, err
	}
	lk.Reporter = failover.LagFunc(func(ctx context.Context) (failover.Lag, error) {
		s, err := v.Lag(ctx)
		if err == nil {
			r.step("replication lag: %d missing, %d stale, oldest %v (RPO %v)", s.Missing, s.Stale, s.OldestMissing, c.rpo)
		}
		return failover.Lag(s), err
	})
	return lk, nil
}

// harborClient is Harbor's API client, logged in as -harbor-user, over the probes' HTTP
// client (TLS as -harbor-insecure says) and timeout.
func (r *runner) harborClient() (*harbor.Client, error) {
	c := r.c
	client, err := r.httpClient()
	if err != nil {
		return nil, err
	}
	opts := []harbor.Option{harbor.WithHTTPClient(client), harbor.WithTimeout(c.probeTimeout)}
	if c.harborPassword != "" {
		opts = append(opts, harbor.WithBasicAuth(c.harborUser, c.harborPassword))
	}
	if c.harborInsecure {
		opts = append(opts, harbor.WithInsecureSkipVerify())
	}
	h, err := harbor.New(c.harborURL, opts...)
	if err != nil {
		return nil, fmt.Errorf("harbor client: %w", err)
	}
	return h, nil
}

// harborVerifier compares Harbor's selected projects (its API, as -harbor-user) with the
// ACR EE namespace listed through acrClient's OpenAPI.
func (r *runner) harborVerifier(acrClient *acr.Client) (*lag.Verifier, error) {
	c := r.c
	h, err := r.harborClient()
	if err != nil {
		return nil, err
	}
	setup := managed.Setup{Namespace: c.namespace, Flatten: &c.flatten}
	if c.projects != "" {
		setup.Projects = strings.Split(c.projects, ",")
	}
	v, err := setup.Verifier(h, managed.ACR{Client: acrClient})
	if err != nil {
		return nil, err
	}
	if r.clock != nil {
		v.Clock = r.clock
	}
	return v, nil
}

// reverseLag measures, for failback -reverse-check and watch -auto-failback, what ACR EE
// holds that Harbor lacks: the ACR EE namespace of -instance against Harbor's selected
// projects. The inverse is that of the name map the failover to undo recorded in the
// journal (read by entries at each measurement: a daemon's failover happens while it
// runs), and of Harbor's projects flattened now when it recorded none.
func (r *runner) reverseLag(entries func(context.Context) ([]failover.JournalEntry, error)) (failover.ReverseLagReporter, error) {
	client, err := acr.New(acr.Config{InstanceID: r.c.instance, Cloud: r.cloud(r.c.acrAPI)})
	if err != nil {
		return nil, fmt.Errorf("ACR EE client: %w", err)
	}
	v, err := r.harborVerifier(client)
	if err != nil {
		return nil, err
	}
	return failover.ReverseLagFunc(func(ctx context.Context) (failover.ReverseLag, error) {
		es, err := entries(ctx)
		if err != nil {
			return failover.ReverseLag{}, fmt.Errorf("reading the journal for the name map: %w", err)
		}
		rv := *v
		inverse := "Harbor's projects flattened now"
		if m, ok := failover.RecordedNameMap(es); ok {
			rv.NameMap = m
			inverse = fmt.Sprintf("the name map recorded at failover, %d repositories", len(m))
		}
		s, err := rv.ReverseLag(ctx)
		if err == nil {
			r.step("reverse lag (ACR EE holds, Harbor lacks): %d missing, %d stale, %d unmapped, oldest %v (inverse of %s)", s.Missing, s.Stale, s.Unmapped, s.OldestMissing, inverse)
		}
		return failover.ReverseLag(s), err
	}), nil
}

// nameMapper reports the forward name map a failover records — Harbor's selected
// projects, flattened into -namespace — and remembers the last one read, for the
// failover that comes when Harbor can no longer be listed. The monitor refreshes it
// every round Harbor is up, at most once per -lag-every.
func (r *runner) nameMapper() (*failover.LastKnownNameMap, error) {
	v, err := r.harborVerifier(r.acr)
	if err != nil {
		return nil, err
	}
	return &failover.LastKnownNameMap{Mapper: failover.NameMapFunc(v.ForwardMap), Every: r.c.lagEvery, Clock: r.clock}, nil
}
