// Command quickstart runs regdr's whole disaster-recovery runbook in-process, offline,
// in a few seconds:
//
//	go run ./examples/quickstart
//
// It starts, on loopback, a Harbor (harbortest), an Alibaba Cloud ACR EE instance — its
// OpenAPI and its registry (acrtest) — the PrivateZone OpenAPI and a DNS server answering
// from it (dnstest). A client in the VPC vpc-bbbbb knows the registry only as
// cross-region.registry.io, a PrivateZone name pointing at Harbor. Then, with the
// library:
//
//  1. the client pushes images into Harbor: two projects, a nested repository, a
//     multi-arch index and a cosign signature;
//  2. runbook steps 1–3: managed.Compute plans the ACR EE namespace, the Harbor
//     registry endpoint (pinged) and the event-based "flatten 1 level" policy; Apply runs
//     them and the first execution, with progress; the Verifier checks that ACR EE holds
//     every tag with the same digest;
//  3. one more push, and Harbor's event trigger replicates it;
//  4. a DR drill (failover.Switcher.Drill) rehearses the failover: the clients' name
//     dialed at what the plan would write, TLS verified against it, sampled digests
//     compared with Harbor's — and writes nothing;
//  5. Harbor stops; a failover.Monitor sees three failed probes, plans the PrivateZone
//     switch (printed as it would be reviewed) and applies it, verified through the DNS
//     server;
//  6. the client resolves cross-region.registry.io again and pulls from ACR EE by the
//     same name it used for Harbor, getting the digests it pushed, and pushes a new tag
//     by that name into ACR EE;
//  7. Harbor comes back; after the dwell time (a simulated clock skips it) failback is
//     refused with failover.ErrReverseLag while ACR EE holds that tag; a direct sync
//     ACR EE → Harbor (replication/mirror) through the inverse name map carries it
//     back; failback then restores the record from the journal, and the client pulls
//     the tag it pushed during the outage from Harbor.
//
// Each step prints one line; -q leaves out the plans. The exit status is 0 only if every
// check held. Harbor and ACR EE listen on one port at two loopback addresses (127.0.0.1
// and 127.0.0.2) with certificates from a CA made for the run, which every client —
// the admin's, Harbor's replication, the probes, the VPC client — verifies. The Alibaba
// Cloud OpenAPI emulators speak plain HTTP.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the program: 0 when every check held, 1 when one failed, 2 for bad flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("quickstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: quickstart [-q] [-timeout D]\n\nRuns the Harbor → ACR EE disaster-recovery runbook in-process against emulators.")
		fs.PrintDefaults()
	}
	quiet := fs.Bool("q", false, "print only the step lines, not the plans")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after `D`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "quickstart: no arguments expected")
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	w, err := startWorld(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "quickstart:", err)
		return 1
	}
	defer w.Close()
	s := &story{w: w, out: stdout, plans: !*quiet, clock: &skipClock{}}
	if err := s.run(ctx); err != nil {
		fmt.Fprintf(stdout, "✗ %v\n", err)
		fmt.Fprintf(stdout, "FAILED after %d checks held\n", s.checks)
		return 1
	}
	fmt.Fprintf(stdout, "all %d checks held\n", s.checks)
	return 0
}
