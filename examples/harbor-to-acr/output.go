package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/regdr/regdr/harbor"
	"github.com/regdr/regdr/replication"
	"github.com/regdr/regdr/replication/lag"
	"github.com/regdr/regdr/replication/managed"
	"github.com/regdr/regdr/replication/mirror"
)

// output writes what the command does. Results on stdout: the plan and the verification
// for people, or with -json one JSON document (the plan for -dry-run, a report otherwise).
// Progress on stderr (lines): one line per step or action, Harbor's execution, the copy;
// failures on stderr too (with -log-format json both are log records).
type output struct {
	asJSON         bool
	stdout, stderr io.Writer
	lines          io.Writer // where step lines go
	log            *slog.Logger

	mu      sync.Mutex // progress callbacks may come from several goroutines
	plan    *managed.Plan
	applied bool
	result  *managed.ApplyResult
	lag     *lag.Report
}

// report is the -json document of a run that is not a dry run.
type report struct {
	OK           bool                 `json:"ok"`
	Error        string               `json:"error,omitempty"`
	Plan         *managed.Plan        `json:"plan,omitempty"`
	Applied      bool                 `json:"applied"`
	Result       *managed.ApplyResult `json:"result,omitempty"`
	Verification *lag.Report          `json:"verification,omitempty"`
}

func newOutput(asJSON bool, stdout, progress, stderr io.Writer) *output {
	return &output{asJSON: asJSON, stdout: stdout, stderr: stderr, lines: progress, log: slog.New(slog.DiscardHandler)}
}

func (o *output) stepf(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(o.lines, format+"\n", args...)
}

// printPlan prints the plan for people; with -json the plan goes out in the final document.
func (o *output) printPlan() {
	if !o.asJSON {
		fmt.Fprint(o.stdout, o.plan)
	}
}

// stepOf is the runbook step an action belongs to.
func stepOf(k managed.ActionKind) int {
	switch k {
	case managed.EnsureNamespace:
		return 1
	case managed.CreateEndpoint, managed.UpdateEndpoint:
		return 2
	}
	return 3
}

func (o *output) actionDone(a managed.Action) {
	o.stepf("step %d: done: %s %q", stepOf(a.Kind), a.Kind, a.Name)
}

// executionProgress prints Harbor's execution whenever its counters move.
func (o *output) executionProgress() func(harbor.Execution) {
	var last string
	return func(e harbor.Execution) {
		line := fmt.Sprintf("execution %d: %s, %d/%d tasks succeeded, %d failed, %d in progress",
			e.ID, e.Status, e.Succeed, e.Total, e.Failed, e.InProgress)
		if line == last {
			return
		}
		last = line
		o.mu.Lock()
		defer o.mu.Unlock()
		fmt.Fprintln(o.lines, line)
	}
}

// syncProgress prints each artifact the direct executor finishes.
func (o *output) syncProgress() func(mirror.Event) {
	var bytes int64
	return func(e mirror.Event) {
		o.mu.Lock()
		defer o.mu.Unlock()
		switch e.Kind {
		case mirror.EventBytes:
			bytes += e.Bytes
		case mirror.EventItem:
			if e.Err != nil {
				fmt.Fprintf(o.lines, "%-8s %s:%s: %v\n", e.Outcome, e.Repo, e.Ref, e.Err)
			} else if e.Outcome != "skipped" {
				fmt.Fprintf(o.lines, "%-8s %s:%s (%s read so far)\n", e.Outcome, e.Repo, e.Ref, replication.FormatBytes(bytes))
			}
		}
	}
}

// printLag prints the verification: a summary line, then each missing or stale tag.
func (o *output) printLag() {
	if o.asJSON {
		return
	}
	fmt.Fprintf(o.stdout, "verification: %s\n", o.lag)
	const show = 20
	n := 0
	for _, list := range []struct {
		what string
		arts []lag.Artifact
	}{{"missing", o.lag.Missing}, {"stale", o.lag.Stale}} {
		for _, a := range list.arts {
			if n++; n > show {
				break
			}
			fmt.Fprintf(o.stdout, "  %s: %s:%s (from %s)\n", list.what, a.Dest, a.Tag, a.Source)
		}
	}
	if n > show {
		fmt.Fprintf(o.stdout, "  ... and %d more\n", n-show)
	}
}

// finish reports the outcome and returns the exit status (err nil: success).
func (o *output) finish(dryRun bool, err error) int {
	code := exitStatus(err)
	if err != nil {
		fmt.Fprintln(o.stderr, "harbor-to-acr:", err)
	}
	if !o.asJSON {
		return code
	}
	var doc any = report{OK: err == nil, Plan: o.plan, Applied: o.applied, Result: o.result, Verification: o.lag}
	if err != nil {
		r := doc.(report)
		r.Error = err.Error()
		doc = r
	}
	if dryRun && err == nil {
		doc = o.plan
	}
	enc := json.NewEncoder(o.stdout)
	enc.SetIndent("", "  ")
	if jerr := enc.Encode(doc); jerr != nil {
		fmt.Fprintln(o.stderr, "harbor-to-acr:", jerr)
		return exitFailed
	}
	return code
}
