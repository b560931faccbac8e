// Command harbor-to-acr sets up Harbor → ACR EE replication as the runbook's steps 1–3 do
// by hand, with regdr's replication package: (1) ensure the ACR EE namespace (auto-create
// repository ON, default repository type PRIVATE), (2) register the instance as a Harbor
// registry endpoint and test the connection, (3) create or update the push-based,
// event-triggered replication policy (filters, destination namespace, "Flatten 1 level",
// bandwidth cap), run it once, wait for it with progress, and verify that ACR EE holds
// every selected tag with Harbor's digest.
//
//	export HARBOR_USERNAME=admin HARBOR_PASSWORD=...        # Harbor API login
//	export ACR_USERNAME=dr-login ACR_PASSWORD=...           # ACR EE registry login
//	export ALIBABA_CLOUD_ACCESS_KEY_ID=... ALIBABA_CLOUD_ACCESS_KEY_SECRET=...
//	go run ./examples/harbor-to-acr -harbor https://harbor.example.com \
//	    -instance cri-xxxxxxxx -region cn-hangzhou -projects test-project \
//	    -policy test-project-to-acr -bandwidth 20MiB/s -dry-run
//	go run ./examples/harbor-to-acr ...same flags... -yes
//
// Nothing is written without -yes: without it the plan is printed and the command refuses.
// -dry-run prints the plan (JSON with -json) and never writes. Passwords come from files
// or the environment, never from flags' values (see below); Alibaba Cloud credentials from
// a secret file or the default credential chain (ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET /
// _SECURITY_TOKEN, profiles, an ECS RAM role, OIDC). No secret is ever printed. TLS is verified unless
// -harbor-insecure or -acr-insecure opts out for that endpoint. Plain http:// is for
// emulators on loopback: -acr-api (signed API calls) refuses it for any other host, and
// -harbor and -acr-url (a password goes to each) refuse it unless -insecure-plain-http
// (exit 2, before any request). -direct speaks each registry's scheme as written. SIGTERM
// (as Kubernetes sends) stops a run as Ctrl-C does.
//
// When Harbor's connection test fails, the error names the likely cause and the fix in one
// line (a wrong registry password, an AccessKey pair given as the registry login, a VPC ACL
// dropping Harbor's address, a RAM user not activated in ACR): the command tries the same
// registry login itself to tell them apart. An endpoint Harbor already holds under
// -endpoint-name with another provider type is refused (Harbor cannot change it).
//
// Secrets come from files or the environment, never from a flag's value (a command line
// shows in ps and shell history): the Harbor password from the file named by
// -harbor-password-file or $HARBOR_PASSWORD_FILE, else $HARBOR_PASSWORD; the ACR EE
// registry password likewise from -acr-password-file, $ACR_PASSWORD_FILE or $ACR_PASSWORD;
// with -access-key-secret-file or $ALIBABA_CLOUD_ACCESS_KEY_SECRET_FILE the AccessKey is
// that secret with the ID of $ALIBABA_CLOUD_ACCESS_KEY_ID (or the file
// $ALIBABA_CLOUD_ACCESS_KEY_ID_FILE) and an optional $ALIBABA_CLOUD_SECURITY_TOKEN(_FILE),
// instead of the default chain. This is how Kubernetes Secrets mount. A trailing newline
// is trimmed; an unreadable file exits 2 and its contents are never printed.
//
// Progress (the steps, Harbor's execution, the copy) and logs go to stderr through
// log/slog (-log-level debug|info|warn|error, -log-format text|json; with json every
// stderr line is a JSON object), and the Harbor and ACR EE clients and the apply log into
// it; the plan, the verification, or the -json document, go to stdout.
//
// Exit status:
//
//   - 0: the setup converged and ACR EE holds everything selected (or -dry-run planned).
//   - 1: planning, applying or verification failed, or the run was interrupted.
//   - 2: bad flags or settings, or an unreadable secret file (-h prints the help and
//     exits 0).
//   - 3: refused by a safety check: the plan has writes and -yes was not given; the
//     namespace is unusable and -existing-namespace forbids fixing it
//     (managed.ErrNamespace); Harbor holds -endpoint-name with another provider type
//     (managed.ErrEndpointType); the setup is invalid (managed.ErrSetup).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/regdr/regdr/clock"
	"github.com/regdr/regdr/examples/internal/cli"
)

func main() { cli.Main(run) }

// hooks are what tests change: the clock Harbor's execution is polled on.
type hooks struct {
	clock clock.Clock // nil: the real clock
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdout, stderr, hooks{})
}

func runWith(ctx context.Context, args []string, stdout, stderr io.Writer, h hooks) int {
	c, err := parse(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "harbor-to-acr:", err)
		return exitUsage
	}
	log, err := c.logf.Logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "harbor-to-acr:", err)
		return exitUsage
	}
	progress, complaints := c.logf.Streams(stderr, log)
	w, err := newWorld(c, log)
	if err != nil {
		fmt.Fprintln(complaints, "harbor-to-acr:", err)
		return exitFailed
	}
	out := newOutput(c.asJSON, stdout, progress, complaints)
	out.log = log
	return out.finish(c.dryRun, w.converge(ctx, c, out, h))
}

// Exit statuses, documented in the command doc and -h: the examples' shared ones.
const (
	exitOK      = cli.OK      // the run did what it was asked
	exitFailed  = cli.Failed  // something failed, or the run was interrupted
	exitUsage   = cli.Usage   // bad flags or settings, an unreadable secret file
	exitRefused = cli.Refused // a safety check refused
)
