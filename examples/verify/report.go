package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/regdr/regdr/replication/lag"
)

func writeJSON(w io.Writer, r any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeHuman prints one line per missing, stale and extra tag and missing accessory (at
// most limit of them; 0: all), then the summary line.
func writeHuman(w io.Writer, r *lag.Report, limit int, budget time.Duration) {
	writeLines(w, limit, func(kind string, a lag.Artifact) string { return describe(kind, a, r.CheckedAt) },
		group{"missing", r.Missing}, group{"stale", r.Stale}, group{"missing", r.MissingAccessories}, group{"extra", r.Extra})
	fmt.Fprintln(w, summary(r, budget))
}

// describe is one artifact's line, e.g.
//
//	missing  dr-ns/nginx:1.26  from library/nginx  sha256:0123456789ab  pushed 2026-11-29T01:00:00Z (1h30m0s ago)
func describe(kind string, a lag.Artifact, at time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %s:%s", kind, a.Dest, a.Tag)
	if a.Source != "" {
		fmt.Fprintf(&b, "  from %s", a.Source)
	}
	switch {
	case a.Accessory != "":
		fmt.Fprintf(&b, "  its %s %s", a.Accessory, short(a.Digest))
	case kind == "missing":
		fmt.Fprintf(&b, "  %s", short(a.Digest))
	case kind == "stale":
		fmt.Fprintf(&b, "  harbor %s, acr %s", short(a.Digest), short(a.DestDigest))
	case kind == "extra":
		fmt.Fprintf(&b, "  acr %s", short(a.DestDigest))
	}
	if !a.PushTime.IsZero() {
		fmt.Fprintf(&b, "  pushed %s (%v ago)", a.PushTime.UTC().Format(time.RFC3339), roundAge(at.Sub(a.PushTime)))
	}
	return b.String()
}

// summary is the last line: counts, the effective RPO and, with a budget, the verdict.
func summary(r *lag.Report, budget time.Duration) string {
	state := "complete"
	if !r.Complete() {
		state = "behind"
	}
	s := fmt.Sprintf("%s: %d/%d tags present in ACR EE, %d missing, %d stale, %d extra", state, r.Present, r.Expected,
		len(r.Missing), len(r.Stale), len(r.Extra))
	if r.Accessories > 0 {
		s += fmt.Sprintf("; %d/%d accessories (signatures, SBOMs) present", r.Accessories-len(r.MissingAccessories), r.Accessories)
	}
	s += fmt.Sprintf("; effective RPO %v", roundAge(r.OldestMissing))
	if budget > 0 {
		verdict := "within"
		if !withinBudget(r, budget) {
			verdict = "over"
		}
		s += fmt.Sprintf(" (%s the %v budget)", verdict, budget)
	}
	return s
}

// roundAge rounds an age for people: to the second, or to the millisecond under a second.
// Verdicts use the exact value.
func roundAge(d time.Duration) time.Duration {
	if d >= time.Second || d <= -time.Second {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}

// short abbreviates a digest to its algorithm and 12 hex digits, as docker does.
func short(d string) string {
	if d == "" {
		return "-"
	}
	alg, hex, ok := strings.Cut(d, ":")
	if !ok || len(hex) <= 12 {
		return d
	}
	return alg + ":" + hex[:12]
}

// group is the artifacts of one kind ("missing", "stale"…) in a report.
type group struct {
	kind string
	as   []lag.Artifact
}

// writeLines prints each group's artifacts with line, in order, at most limit lines (0: all),
// then how many more -json would list.
func writeLines(w io.Writer, limit int, line func(kind string, a lag.Artifact) string, groups ...group) {
	n, total := 0, 0
	for _, g := range groups {
		total += len(g.as)
	}
	for _, g := range groups {
		for _, a := range g.as {
			if limit > 0 && n == limit {
				fmt.Fprintf(w, "... %d more (-json lists them all)\n", total-n)
				return
			}
			fmt.Fprintln(w, line(g.kind, a))
			n++
		}
	}
}

// writeReverseHuman prints one line per missing, stale and unmapped tag of the reverse
// report (at most limit of them; 0: all), then its summary line, e.g.
//
//	missing  dr-ns/nginx:outage  to library/nginx  acr sha256:0123456789ab
//	behind: Harbor lacks what ACR EE holds: 1/2 ACR EE tags present in Harbor, 1 missing, 0 stale, 0 unmapped; oldest 0s
func writeReverseHuman(w io.Writer, r *lag.ReverseReport, limit int) {
	writeLines(w, limit, func(kind string, a lag.Artifact) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%-8s %s:%s", kind, a.Dest, a.Tag)
		if a.Source != "" {
			fmt.Fprintf(&b, "  to %s", a.Source)
		}
		if kind == "stale" {
			fmt.Fprintf(&b, "  acr %s, harbor %s", short(a.DestDigest), short(a.Digest))
		} else {
			fmt.Fprintf(&b, "  acr %s", short(a.DestDigest))
		}
		if !a.PushTime.IsZero() {
			fmt.Fprintf(&b, "  pushed %s (%v ago)", a.PushTime.UTC().Format(time.RFC3339), roundAge(r.CheckedAt.Sub(a.PushTime)))
		}
		return b.String()
	}, group{"missing", r.Missing}, group{"stale", r.Stale}, group{"unmapped", r.Unmapped})
	state := "complete: Harbor holds everything ACR EE holds"
	if !r.Complete() {
		state = "behind: Harbor lacks what ACR EE holds"
	}
	fmt.Fprintf(w, "%s: %d/%d ACR EE tags present in Harbor, %d missing, %d stale, %d unmapped; oldest %v\n", state,
		r.Present, r.Checked, len(r.Missing), len(r.Stale), len(r.Unmapped), roundAge(r.OldestMissing))
}
