package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/regdr/regdr/failover"
	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication"
)

// Registry credentials of the drill's pulls: the user from -registry-user or
// $ACR_USERNAME, the password from -registry-password-file, $ACR_PASSWORD_FILE or
// $ACR_PASSWORD — never from a flag's value.
const (
	envACRUser     = "ACR_USERNAME"
	envACRPassword = "ACR_PASSWORD"
)

// errDrillSamples: the drill has nothing to pull.
var errDrillSamples = errors.New("no tags to sample")

// drill rehearses the failover with Switcher.Drill: the plan is made and thrown away, the
// clients' name is dialed at what the plan would write, TLS verified against it, and the
// samples' manifests pulled and compared with Harbor's digests. Nothing is written: no
// DNS record, no journal (the file is only read), no plan key.
func (r *runner) drill(ctx context.Context) error {
	c := r.c
	_, s, harborHealth, acrEE, err := r.planner(ctx)
	if err != nil {
		return err
	}
	samples, err := r.drillSamples(ctx)
	if err != nil {
		return err
	}
	req := failover.DrillRequest{
		Failover: failover.FailoverRequest{Reason: orDefault(c.reason, "drill"), Actor: c.actor, Primary: harborHealth, Secondary: *acrEE, RPO: c.rpo},
		Samples:  samples, Port: c.drillPort, Threshold: c.threshold, Interval: c.interval,
	}
	if c.rpo > 0 {
		if req.Failover.Lag, err = r.lagReporter(); err != nil {
			return err
		}
	}
	if c.caFile != "" {
		if req.RootCAs, err = r.rootCAs(); err != nil {
			return err
		}
	}
	if c.resolver != "" {
		res := resolverAt(c.resolver)
		req.Resolve = res.LookupHost
	}
	if c.registryUser != "" {
		req.Auth = registryAuth(c.registryUser, c.registryPassword)
	}
	rep, derr := s.Drill(ctx, req)
	if rep != nil {
		if c.asJSON {
			enc := json.NewEncoder(r.stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(rep); err != nil {
				return err
			}
		} else {
			fmt.Fprint(r.out, strings.TrimRight(rep.String(), "\n")+"\n")
		}
	}
	if derr != nil {
		// %v, not %w: a failed drill exits 1, even when its cause is a planning refusal
		// (which a real failover would exit 3 for): the drill refused nothing, it found.
		return fmt.Errorf("drill FAILED: %v", derr)
	}
	r.step("drill passed: %d/%d samples verified; nothing was written", rep.Verified, rep.Sampled)
	return nil
}

// rootCAs is the system roots plus -ca-file.
func (r *runner) rootCAs() (*x509.CertPool, error) {
	pem, err := os.ReadFile(r.c.caFile)
	if err != nil {
		return nil, fmt.Errorf("-ca-file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("-ca-file %s holds no PEM certificate", r.c.caFile)
	}
	return pool, nil
}

// drillSamples takes the tags to pull from Harbor's API: the -sample-tags named (Harbor
// repository:tag), or the first -sample tags of the -projects, repositories and tags in
// name order. Each is named as the clients will after the failover — flattened into the
// ACR EE namespace as the replication policy does — with the digest Harbor reports.
func (r *runner) drillSamples(ctx context.Context) ([]failover.DrillSample, error) {
	c := r.c
	h, err := r.harborClient()
	if err != nil {
		return nil, err
	}
	projects := splitList(c.projects)
	ns := c.namespace
	if ns == "" && len(projects) == 1 {
		ns = projects[0]
	}
	flat := replication.HarborFlatten(ns, c.flatten)
	sample := func(repo, tag, digest string) (failover.DrillSample, error) {
		dest, err := flat.Flatten(repo)
		if err != nil {
			return failover.DrillSample{}, fmt.Errorf("sampling %s:%s: %w", repo, tag, err)
		}
		return failover.DrillSample{Repo: dest, Tag: tag, Digest: digest}, nil
	}
	var out []failover.DrillSample
	if c.sampleTags != "" {
		for _, ref := range splitList(c.sampleTags) {
			repo, tag, _ := strings.Cut(ref, ":") // validated by parse
			a, err := h.GetArtifact(ctx, repo, tag)
			if err != nil {
				return nil, fmt.Errorf("sampling %s from Harbor: %w", ref, err)
			}
			s, err := sample(repo, tag, a.Digest)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	if len(projects) == 0 {
		ps, err := h.ListProjects(ctx)
		if err != nil {
			return nil, fmt.Errorf("sampling: listing Harbor's projects: %w", err)
		}
		for _, p := range ps {
			projects = append(projects, p.Name)
		}
	}
	slices.Sort(projects)
	for _, p := range projects {
		repos, err := h.ListRepositories(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("sampling: listing Harbor project %s: %w", p, err)
		}
		slices.SortFunc(repos, func(a, b harbor.Repository) int { return strings.Compare(a.Name, b.Name) })
		for _, repo := range repos {
			arts, err := h.ListArtifacts(ctx, repo.Name)
			if err != nil {
				return nil, fmt.Errorf("sampling: listing Harbor repository %s: %w", repo.Name, err)
			}
			type tagged struct{ tag, digest string }
			var tags []tagged
			for _, a := range arts {
				for _, t := range a.Tags {
					tags = append(tags, tagged{t, a.Digest})
				}
			}
			slices.SortFunc(tags, func(a, b tagged) int { return strings.Compare(a.tag, b.tag) })
			for _, t := range tags {
				if len(out) == c.sample {
					return out, nil
				}
				s, err := sample(repo.Name, t.tag, t.digest)
				if err != nil {
					return nil, err
				}
				out = append(out, s)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: Harbor holds no tag in %s", errDrillSamples, strings.Join(projects, ", "))
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// registryAuth adds registry credentials to the drill's pulls as a docker client does: on
// a 401 with a Bearer challenge it asks the realm for a token with basic auth and retries
// with it; on a Basic challenge it retries with basic auth. Tokens are kept per scope.
func registryAuth(user, password string) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		return &tokenTransport{next: next, user: user, password: password, tokens: map[string]string{}}
	}
}

type tokenTransport struct {
	next           http.RoundTripper
	user, password string
	mu             sync.Mutex
	tokens         map[string]string // "realm service scope" -> bearer token
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := t.next.RoundTrip(req)
	if err != nil || res.StatusCode != http.StatusUnauthorized || (req.Body != nil && req.GetBody == nil) {
		return res, err
	}
	scheme, params := parseChallenge(res.Header.Get("WWW-Authenticate"))
	retry := req.Clone(req.Context())
	switch scheme {
	case "basic":
		retry.SetBasicAuth(t.user, t.password)
	case "bearer":
		tok, err := t.token(req.Context(), params)
		if err != nil {
			res.Body.Close()
			return nil, err
		}
		retry.Header.Set("Authorization", "Bearer "+tok)
	default:
		return res, nil
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return t.next.RoundTrip(retry)
}

// token fetches (or reuses) a bearer token for the challenge's realm, service and scope.
func (t *tokenTransport) token(ctx context.Context, p map[string]string) (string, error) {
	key := p["realm"] + " " + p["service"] + " " + p["scope"]
	t.mu.Lock()
	tok, ok := t.tokens[key]
	t.mu.Unlock()
	if ok {
		return tok, nil
	}
	u, err := url.Parse(p["realm"])
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return "", errors.New("drill: the registry's token realm is not a URL")
	}
	q := u.Query()
	if s := p["service"]; s != "" {
		q.Set("service", s)
	}
	if s := p["scope"]; s != "" {
		q.Set("scope", s)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(t.user, t.password)
	res, err := t.next.RoundTrip(req)
	if err != nil {
		return "", fmt.Errorf("drill: asking the registry for a token: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("drill: the registry's token service answered %s (check -registry-user/$%s and $%s)", res.Status, envACRUser, envACRPassword)
	}
	var body struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&body); err != nil {
		return "", fmt.Errorf("drill: reading the registry's token: %w", err)
	}
	tok = orDefault(body.Token, body.AccessToken)
	if tok == "" {
		return "", errors.New("drill: the registry's token service returned no token")
	}
	t.mu.Lock()
	t.tokens[key] = tok
	t.mu.Unlock()
	return tok, nil
}

// parseChallenge splits a WWW-Authenticate header: its scheme (lower case) and params.
func parseChallenge(h string) (string, map[string]string) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	params := map[string]string{}
	for rest != "" {
		rest = strings.TrimLeft(rest, " ,")
		k, v, ok := strings.Cut(rest, "=")
		if !ok {
			break
		}
		if strings.HasPrefix(v, `"`) {
			end := strings.Index(v[1:], `"`)
			if end < 0 {
				break
			}
			params[strings.ToLower(strings.TrimSpace(k))] = v[1 : end+1]
			rest = v[end+2:]
		} else {
			val, after, _ := strings.Cut(v, ",")
			params[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(val)
			rest = after
		}
	}
	return strings.ToLower(scheme), params
}
