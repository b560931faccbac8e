package main

import (
	"errors"

	"github.com/regdr/regdr/examples/internal/cli"
	"github.com/regdr/regdr/replication/managed"
)

// exitStatus classifies the run's error: nil is exitOK; a refusal by a safety check (no
// -yes, a namespace -existing-namespace forbids fixing, an endpoint of another provider
// type, an invalid setup) is exitRefused; anything else exitFailed.
func exitStatus(err error) int {
	if !errors.Is(err, errRefused) && errors.Is(err, managed.ErrExecution) {
		return exitFailed // a failed execution may name a cause below: it still failed
	}
	return cli.Classify(err, errRefused, managed.ErrSetup, managed.ErrNamespace, managed.ErrEndpointType)
}
