package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/regdr/regdr/failover"
)

// ErrNotJournal: a -journal flag names no journal file (missing, or not a regular file).
// failover.ReadJournalFile reads a missing file as an empty journal, which a program
// reading a journal the operator named must not: a mistyped path would read as a journal
// that recorded nothing.
var ErrNotJournal = errors.New("not a journal file (missing, or not a regular file)")

// ReadJournal reads the journal the operator named at path: ErrNotJournal when there is
// no such regular file, and giving way to ctx — failover.ReadJournalFile waits, without
// bound, for the lock of a process writing the journal, and a hung writer must not hold
// the program past SIGTERM. The read left waiting ends with the process.
func ReadJournal(ctx context.Context, path string) ([]failover.JournalEntry, error) {
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("-journal %s: %w", path, ErrNotJournal)
	}
	type read struct {
		entries []failover.JournalEntry
		err     error
	}
	done := make(chan read, 1)
	go func() {
		entries, err := failover.ReadJournalFile(path)
		done <- read{entries, err}
	}()
	select {
	case r := <-done:
		return r.entries, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("interrupted while waiting for the lock of journal %s (another process is writing it): %w", path, ctx.Err())
	}
}

// FailedBack says whether a failover in entries recorded a name map that
// failover.RecordedNameMap no longer returns: it was failed back.
func FailedBack(entries []failover.JournalEntry) bool {
	for _, e := range entries {
		if e.Kind == failover.KindFailover && e.Outcome == failover.OutcomeWritten && len(e.NameMap) > 0 {
			return true
		}
	}
	return false
}
