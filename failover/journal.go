package failover

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"
)

// JournalEntry records one record write: what was changed from what, when, why and by
// which plan. Failback restores From exactly.
type JournalEntry struct {
	// PlanID and Kind name the plan that wrote.
	PlanID string `json:"plan_id"`
	Kind   Kind   `json:"kind"`
	// Target, ZoneID, FQDN, RecordID and Name locate the record.
	Target   string `json:"target"`
	ZoneID   string `json:"zone_id"`
	FQDN     string `json:"fqdn"`
	RecordID string `json:"record_id"`
	Name     string `json:"name"`
	// From and To are the record before and after (type, value, TTL).
	From Value `json:"from"`
	To   Value `json:"to"`
	// At is when the write succeeded.
	At time.Time `json:"at"`
	// Reason and Actor come from the plan.
	Reason string `json:"reason,omitempty"`
	Actor  string `json:"actor,omitempty"`
	// Force is the plan's override, if any.
	Force *Force `json:"force,omitempty"`
	// Outcome is the entry's place in the write-ahead journal: OutcomeIntent, appended
	// before the record is written, then OutcomeWritten or OutcomeFailed once the write
	// returned (At is then when it did). An entry without one — from an older journal —
	// is a write.
	Outcome string `json:"outcome,omitempty"`
	// Error says why a write failed.
	Error string `json:"error,omitempty"`
}

// OutcomeIntent marks the journal entry appended before a record is written.
const OutcomeIntent = "intent"

// switches returns the journal's effective switches, oldest first: the writes, and the
// intents whose outcome never reached the journal (a crash between the two: whether the
// write landed is for the record, re-read, to tell). Failed writes, and the intents whose
// outcome followed, are left out.
func switches(entries []JournalEntry) []JournalEntry {
	type key struct{ plan, target string }
	open := map[key]int{}
	drop := map[int]bool{}
	var out []JournalEntry
	for _, e := range entries {
		k := key{e.PlanID, e.Target}
		switch e.Outcome {
		case OutcomeIntent:
			open[k] = len(out)
			out = append(out, e)
			continue
		case OutcomeWritten, OutcomeFailed:
			if i, ok := open[k]; ok {
				drop[i] = true
				delete(open, k)
			}
			if e.Outcome == OutcomeFailed {
				continue
			}
		}
		out = append(out, e)
	}
	kept := out[:0]
	for i, e := range out {
		if !drop[i] {
			kept = append(kept, e)
		}
	}
	return kept
}

// undoable returns, per target, the failover that failback would undo: the target's last
// switch that is a failover (written, or an open intent), unless a failback was written
// after it.
func undoable(entries []JournalEntry) map[string]JournalEntry {
	last := map[string]JournalEntry{}
	for _, e := range switches(entries) {
		switch {
		case e.Kind == KindFailover:
			last[e.Target] = e
		case e.Kind == KindFailback && e.Outcome != OutcomeIntent:
			delete(last, e.Target)
		}
	}
	return last
}

// FailoverToUndo returns the journal entry of target's failover that failback would
// undo now: its last failover — written, or journaled as an intent whose outcome is
// missing (a crash mid-write) — unless a failback was written since. Failed writes do
// not count.
func FailoverToUndo(entries []JournalEntry, target string) (JournalEntry, bool) {
	e, ok := undoable(entries)[target]
	return e, ok
}

// JournalStore keeps journal entries. Implementations must be safe for concurrent use
// and durable enough for the caller's needs: failback reads the journal.
type JournalStore interface {
	// Append adds e after every entry already stored.
	Append(ctx context.Context, e JournalEntry) error
	// Entries returns every entry, oldest first.
	Entries(ctx context.Context) ([]JournalEntry, error)
}

var (
	_ JournalStore = (*MemoryJournal)(nil)
	_ JournalStore = (*FileJournal)(nil)
)

// MemoryJournal is a JournalStore in memory. The zero value is ready to use.
type MemoryJournal struct {
	mu      sync.Mutex
	entries []JournalEntry
}

// Append adds e.
func (j *MemoryJournal) Append(_ context.Context, e JournalEntry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries = append(j.entries, e)
	return nil
}

// Entries returns a copy of the entries.
func (j *MemoryJournal) Entries(context.Context) ([]JournalEntry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.entries), nil
}

// FileJournal is a JournalStore in a file of JSON lines, one entry per line, each
// appended with O_APPEND and fsync'd before Append returns. The file is created (mode
// 0600) by the first Append, so a journal opened for an apply that was then refused
// leaves no file behind. It is safe for concurrent use within a process; a partial last
// line (a crash mid-write) is ignored when reading, and an append that fails halfway (a
// full disk) is cut off again.
type FileJournal struct {
	path string

	mu     sync.Mutex
	f      *os.File // nil until the file exists
	closed bool
}

// OpenFileJournal opens the journal at path; a file that does not exist yet is created
// by the first Append, in path's directory, which must exist. A partial last line, left
// by a crash mid-append and never acknowledged, is cut off.
func OpenFileJournal(path string) (*FileJournal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if errors.Is(err, fs.ErrNotExist) {
		if fi, err := os.Stat(filepath.Dir(path)); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("opening journal %s: %w", path, errors.Join(err, errNotDir(fi)))
		}
		return &FileJournal{path: path}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening journal: %w", err)
	}
	if err := cutPartialLine(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("opening journal %s: %w", path, err)
	}
	return &FileJournal{path: path, f: f}, nil
}

func errNotDir(fi fs.FileInfo) error {
	if fi != nil && !fi.IsDir() {
		return errors.New("its directory is not a directory")
	}
	return nil
}

// create makes the journal file on first append; j.mu is held.
func (j *FileJournal) create() error {
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	// A new file's directory entry must survive a crash as its contents do.
	if err := syncDir(filepath.Dir(j.path)); err != nil {
		f.Close()
		return err
	}
	j.f = f
	return nil
}

// syncDir flushes the directory dir, where a file was created. Systems that cannot sync
// a directory (Windows) are left alone.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// cutPartialLine truncates f after its last newline.
func cutPartialLine(f *os.File) error {
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return err
	}
	const chunk = 4096
	end := fi.Size()
	buf := make([]byte, chunk)
	for pos := end; pos > 0; {
		n := int64(chunk)
		if pos < n {
			n = pos
		}
		pos -= n
		if _, err := f.ReadAt(buf[:n], pos); err != nil {
			return err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			if keep := pos + int64(i) + 1; keep != end {
				return f.Truncate(keep)
			}
			return nil
		}
	}
	return f.Truncate(0)
}

// Append writes e as one line and syncs the file.
func (j *FileJournal) Append(ctx context.Context, e JournalEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encoding journal entry: %w", err)
	}
	line = append(line, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return fmt.Errorf("appending to journal: %w", os.ErrClosed)
	}
	if j.f == nil {
		if err := j.create(); err != nil {
			return fmt.Errorf("creating journal: %w", err)
		}
	}
	fi, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("appending to journal: %w", err)
	}
	if _, err := j.f.Write(line); err != nil {
		// A write that failed halfway (a full disk) must not leave a partial line: the
		// next entry would be glued to it and the journal could no longer be read.
		return fmt.Errorf("appending to journal: %w", errors.Join(err, j.f.Truncate(fi.Size())))
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("syncing journal: %w", err)
	}
	return nil
}

// Entries reads every entry from the file (none before the first Append).
func (j *FileJournal) Entries(ctx context.Context) ([]JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return ReadJournalFile(j.path)
}

// ReadJournalFile reads the entries of the journal file at path without opening it for
// writing, as [FileJournal.Entries] does: a file that does not exist holds none, and a
// partial last line (a crash mid-append, never acknowledged) is ignored. Lines may be of
// any length; errors name the file and the line.
func ReadJournalFile(path string) ([]JournalEntry, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	defer f.Close()
	entries, err := ReadJournal(f)
	if err != nil {
		return nil, fmt.Errorf("reading journal %s: %w", path, err)
	}
	return entries, nil
}

// ReadJournal reads journal entries, one JSON object per line, from r. Blank lines are
// skipped and a last line without its newline (never acknowledged) is ignored; lines may
// be of any length. An error names the line.
func ReadJournal(r io.Reader) ([]JournalEntry, error) {
	var out []JournalEntry
	br := bufio.NewReader(r)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return out, nil // a partial last line was never acknowledged
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e *JournalEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if e == nil {
			return nil, fmt.Errorf("line %d: null is not a journal entry", n)
		}
		out = append(out, *e)
	}
}

// Close closes the file. Appends after Close fail.
func (j *FileJournal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.closed = true
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}
