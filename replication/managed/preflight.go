package managed

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/regdr/regdr/acr"
	"github.com/regdr/regdr/harbor"
)

// Preflight diagnoses: why Harbor's connection test of the endpoint failed, or why the
// stored endpoint cannot work. Each comes in a *PreflightError that also matches
// ErrEndpoint (the connection-test ones) and, for a RAM user not activated in ACR,
// acr.ErrUserNotActivated.
var (
	// ErrEndpointCredentials: the registry refuses the endpoint's login — a wrong
	// registry password, or an AccessKey pair given where the registry login belongs.
	ErrEndpointCredentials = errors.New("harbor cannot log in to ACR EE with the endpoint's credentials")
	// ErrEndpointUnreachable: Harbor gets no answer from the registry (a network ACL
	// dropping Harbor's address, a wrong URL, an untrusted certificate).
	ErrEndpointUnreachable = errors.New("harbor cannot reach ACR EE")
	// ErrEndpointType: the endpoint's provider type is wrong. At plan time: the endpoint
	// Harbor holds under the setup's name has another type than the setup's (Harbor cannot
	// change an endpoint's type). After a failed execution (ExecutionError.Cause): likely,
	// as the registry answered 404 for the manifests Harbor checked or pushed.
	ErrEndpointType = errors.New("registry endpoint has the wrong provider type")
)

// PreflightError is a failed preflight check named by its likely cause and fix, in one
// line. Cause is one of ErrEndpointCredentials, ErrEndpointUnreachable, ErrEndpointType,
// acr.ErrUserNotActivated, or ErrEndpoint alone when the evidence cannot tell refused
// credentials from an unreachable registry; Err is Harbor's answer, still matchable.
type PreflightError struct {
	Cause error
	// Message names the cause and the fix; it never holds a secret.
	Message string
	// Evidence is what Harbor answered, shortened (empty: none).
	Evidence string
	Err      error
}

// Error is the one-line diagnosis, with Harbor's answer in parentheses.
func (e *PreflightError) Error() string {
	if e.Evidence == "" {
		return e.Message
	}
	return e.Message + " (" + e.Evidence + ")"
}

// Unwrap returns the cause, ErrEndpoint when the connection test failed, and the evidence.
func (e *PreflightError) Unwrap() []error {
	errs := []error{e.Cause}
	if e.Cause != ErrEndpointType && e.Cause != ErrEndpoint {
		errs = append(errs, ErrEndpoint)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// RegistryProber tries the endpoint's registry login from where regdr runs. Compute uses
// it (Clients.Registry) only after Harbor's connection test failed, to tell refused
// credentials from a network that drops Harbor. RegistryProbe is the HTTP one.
type RegistryProber interface {
	// ProbeLogin logs in to the registry at e.URL with e's credentials and reads /v2/:
	// nil when the registry accepts them.
	ProbeLogin(ctx context.Context, e Endpoint) error
}

// RegistryProbe is the RegistryProber over HTTP: GET <url>/v2/ with the endpoint's
// credentials (through the token exchange the registry asks for), TLS verified unless
// the endpoint is Insecure.
type RegistryProbe struct {
	// Transport is the base transport. Nil: http.DefaultTransport.
	Transport http.RoundTripper
	// Timeout bounds the whole login (a VPC URL tried from outside the VPC may never
	// answer). 0: DefaultProbeTimeout.
	Timeout time.Duration
}

// DefaultProbeTimeout bounds RegistryProbe's login unless its Timeout says otherwise.
const DefaultProbeTimeout = 10 * time.Second

var _ RegistryProber = RegistryProbe{}

// ProbeLogin implements RegistryProber.
func (p RegistryProbe) ProbeLogin(ctx context.Context, e Endpoint) error {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultProbeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	u, err := url.Parse(e.URL)
	if err != nil || u.Host == "" {
		return fmt.Errorf("probing the registry: URL does not parse")
	}
	var opts []name.Option
	if u.Scheme == "http" {
		opts = append(opts, name.Insecure)
	}
	reg, err := name.NewRegistry(u.Host, opts...)
	if err != nil {
		return fmt.Errorf("probing the registry: %w", err)
	}
	rt := p.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	if t, ok := rt.(*http.Transport); ok && e.Insecure {
		t = t.Clone()
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // the endpoint is marked insecure
		rt = t
	}
	auth := authn.Anonymous
	if e.AccessKey != "" || e.AccessSecret != "" {
		auth = acr.Basic(e.AccessKey, e.AccessSecret.Reveal())
	}
	t, err := transport.NewWithContext(ctx, reg, auth, rt, nil)
	if err != nil {
		return fmt.Errorf("probing the registry: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.Scheme+"://"+u.Host+"/v2/", nil)
	if err != nil {
		return fmt.Errorf("probing the registry: %w", err)
	}
	res, err := (&http.Client{Transport: t}).Do(req)
	if err != nil {
		return fmt.Errorf("probing the registry: %w", err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("probing the registry: %w", &transport.Error{StatusCode: res.StatusCode})
	}
	return nil
}

// tokenChecker is the ACR side's own registry-login check (ACR's CheckRegistryLogin).
type tokenChecker interface {
	CheckRegistryLogin(ctx context.Context) error
}

// LooksLikeAccessKeyID reports whether s has the shape of an Alibaba Cloud AccessKey ID
// ("LTAI…") or STS AccessKey ID ("STS.…") — a heuristic: registry login names are account
// or RAM user names, never AccessKey IDs.
func LooksLikeAccessKeyID(s string) bool {
	return (strings.HasPrefix(s, "LTAI") || strings.HasPrefix(s, "STS.")) && len(s) >= 8 && !strings.ContainsAny(s, "@ ")
}

// diagnoseEndpoint turns Harbor's failed connection test (pingErr) into a one-line cause
// and fix, combining the evidence regdr has: Harbor's answer (an "ali-acr" endpoint that
// gets no answer makes Harbor answer 500, every other failure 400 "unhealthy"), the login
// name's shape, ACR's own token call, and regdr's own login to the registry.
func diagnoseEndpoint(ctx context.Context, c Clients, e Endpoint, pingErr error) error {
	pe := &PreflightError{Err: pingErr, Evidence: "Harbor's connection test: " + pingEvidence(pingErr)}
	akShaped := LooksLikeAccessKeyID(e.AccessKey)
	aliACR := e.Type == harbor.TypeAliACR
	// The "ali-acr" provider trades its AccessKey pair for a token through the OpenAPI;
	// the registry itself refuses the pair, so regdr's own login would prove nothing.
	probed := c.Registry != nil && !aliACR
	var probeErr error
	if probed {
		probeErr = c.Registry.ProbeLogin(ctx, e)
	}
	var ae *harbor.APIError
	noAnswer := aliACR && errors.As(pingErr, &ae) && ae.Status >= 500
	refused := probeRefused(probeErr)

	const credFix = "use the instance's registry login name and password (ACR console: Access Credentials), not an AccessKey ID/secret"
	switch {
	case probed && probeErr == nil:
		pe.Cause = ErrEndpointUnreachable
		pe.Message = fmt.Sprintf("%s at %s, though regdr logs in to it from here with the same credentials: likely the instance's VPC ACL / access control drops Harbor's address: allow Harbor's egress address, or use the public endpoint", ErrEndpointUnreachable, e.URL)
	// Harbor's ali-acr provider fetches its token while its adapter is created, so a
	// refused token call may well answer 500 as no answer does (unconfirmed): regdr's
	// own token call is asked first.
	case (akShaped || refused || aliACR) && userNotActivated(ctx, c):
		pe.Cause = acr.ErrUserNotActivated
		pe.Message = fmt.Sprintf("likely the RAM user has not been activated in ACR (regdr's own ACR token call answers USER_NOT_EXIST), so %q has no registry login: log in to the ACR console once as that RAM user and set its registry password (Access Credentials)", e.AccessKey)
	case noAnswer:
		pe.Cause = ErrEndpointUnreachable
		pe.Message = fmt.Sprintf("%s at %s (Harbor's ali-acr connection test got no answer): likely the instance's VPC ACL / access control drops Harbor's address: allow it, or use the public endpoint", ErrEndpointUnreachable, e.URL)
	case refused && akShaped:
		pe.Cause = ErrEndpointCredentials
		pe.Message = fmt.Sprintf("%s: the registry refuses them and the login name %q is an AccessKey ID: use the instance's registry password (ACR console: Access Credentials) and its login name, not an AccessKey pair", ErrEndpointCredentials, e.AccessKey)
	case refused:
		pe.Cause = ErrEndpointCredentials
		pe.Message = fmt.Sprintf("%s: the registry refuses login %q (regdr tried it too): %s", ErrEndpointCredentials, e.AccessKey, credFix)
	case probed && isCertError(probeErr):
		pe.Cause = ErrEndpointUnreachable
		pe.Message = fmt.Sprintf("%s at %s: its TLS certificate is not trusted (regdr's login fails the same way): give Harbor the CA, or mark the endpoint insecure", ErrEndpointUnreachable, e.URL)
	case probed:
		pe.Cause = ErrEndpointUnreachable
		pe.Message = fmt.Sprintf("%s at %s, and neither can regdr: check the URL (the VPC endpoint answers only inside the VPC), and that the instance's access control allows the callers' addresses, or use the public endpoint", ErrEndpointUnreachable, e.URL)
	case aliACR:
		// Harbor got an answer it did not like: an ali-acr endpoint's credentials.
		pe.Cause = ErrEndpointCredentials
		pe.Message = fmt.Sprintf("%s, likely its AccessKey pair: check the endpoint's AccessKey ID and secret (the \"ali-acr\" provider logs in with them), or register the instance as %q with its registry login name and password", ErrEndpointCredentials, DefaultEndpointType)
	case akShaped:
		pe.Cause = ErrEndpointCredentials
		pe.Message = fmt.Sprintf("%s, likely because login %q is an AccessKey ID: use the instance's registry password (ACR console: Access Credentials) and its login name, not an AccessKey pair", ErrEndpointCredentials, e.AccessKey)
	default:
		// Harbor's "unhealthy" does not say which: without regdr's own login, name both.
		pe.Cause = ErrEndpoint
		pe.Message = fmt.Sprintf("%s, or cannot reach %s (Harbor does not say which): %s; or allow Harbor's address in the instance's access control", ErrEndpointCredentials, e.URL, credFix)
	}
	return pe
}

// userNotActivated asks the ACR side, if it can tell, whether its own registry login is
// refused as a RAM user never activated in ACR.
func userNotActivated(ctx context.Context, c Clients) bool {
	tc, ok := c.Namespaces.(tokenChecker)
	return ok && errors.Is(tc.CheckRegistryLogin(ctx), acr.ErrUserNotActivated)
}

// probeRefused reports whether regdr's own login got 401 or 403.
func probeRefused(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden)
}

func isCertError(err error) bool {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var ve *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) || errors.As(err, &ve)
}

// pingEvidence is Harbor's answer to the connection test, short.
func pingEvidence(err error) string {
	var ae *harbor.APIError
	if errors.As(err, &ae) {
		s := fmt.Sprintf("%d", ae.Status)
		if ae.Code != "" {
			s += " " + ae.Code
		}
		if ae.Message != "" {
			s += " " + fmt.Sprintf("%q", ae.Message)
		}
		return s
	}
	return err.Error()
}

// endpointTypeError is the stored endpoint have registered with another provider type
// than the setup wants: Harbor's update API has no type field, so it must be recreated.
func endpointTypeError(have harbor.Registry, want string) error {
	return &PreflightError{Cause: ErrEndpointType, Message: fmt.Sprintf(
		"%s: Harbor's endpoint %q (id %d) is registered with provider type %q, the setup registers ACR EE as %q (likely Harbor's manifest checks 404 otherwise) and Harbor cannot change an endpoint's type: delete the endpoint in Harbor (first the policies that use it) and plan again, or set the setup's endpoint type to %q",
		ErrEndpointType, have.Name, have.ID, have.Type, want, have.Type)}
}

// maxTaskLogs bounds how many failed tasks' logs a diagnosis reads.
const maxTaskLogs = 3

// diagnoseTasks reads a few failed tasks' logs and, when the registry answered 404 for the
// manifests Harbor checks or pushes although the connection test passed, names the likely
// cause: an endpoint registered with a provider type that does not match the registry.
func diagnoseTasks(ctx context.Context, h harbor.Executions, xe *ExecutionError, endpointType string) {
	for i, t := range xe.FailedTasks {
		if i == maxTaskLogs {
			return
		}
		log, err := h.TaskLog(ctx, t.ExecutionID, t.ID)
		if err != nil {
			return
		}
		if manifest404(log) {
			xe.Cause = ErrEndpointType
			xe.Diagnosis = fmt.Sprintf("the registry answers 404 for the manifests Harbor checks and pushes: likely the endpoint's provider type %q does not match the registry at its URL "+
				"(Harbor cannot change a type: delete the endpoint and its policy, register it again with the registry's type — the runbook uses %q for ACR EE — and apply again), or the namespace refuses new repositories",
				endpointType, DefaultEndpointType)
			return
		}
	}
}

// manifest404 reports whether a task log shows a manifest request answered 404.
func manifest404(log string) bool {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "MANIFEST_UNKNOWN") || (strings.Contains(line, "/manifests/") && strings.Contains(line, "404")) {
			return true
		}
	}
	return false
}
