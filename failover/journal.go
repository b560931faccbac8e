package failover

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
// appended with O_APPEND and fsync'd before Append returns. It is safe for concurrent use
// within a process; a partial last line (a crash mid-write) is ignored when reading, and an
// append that fails halfway (a full disk) is cut off again.
type FileJournal struct {
	path string

	mu sync.Mutex
	f  *os.File
}

// OpenFileJournal opens (creating it with mode 0600 if needed) the journal at path. A
// partial last line, left by a crash mid-append and never acknowledged, is cut off.
func OpenFileJournal(path string) (*FileJournal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening journal: %w", err)
	}
	if err := cutPartialLine(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("opening journal: %w", err)
	}
	// A new file's directory entry must survive a crash as its contents do.
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, fmt.Errorf("opening journal: %w", err)
	}
	return &FileJournal{path: path, f: f}, nil
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
	if j.f == nil {
		return fmt.Errorf("appending to journal: %w", os.ErrClosed)
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

// Entries reads every entry from the file.
func (j *FileJournal) Entries(ctx context.Context) ([]JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	f, err := os.Open(j.path)
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	defer f.Close()
	var out []JournalEntry
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			return out, nil // a partial last line was never acknowledged
		}
		if err != nil {
			return nil, fmt.Errorf("reading journal: %w", err)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e JournalEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("reading journal line %d: %w", n, err)
		}
		out = append(out, e)
	}
}

// Close closes the file. Appends after Close fail.
func (j *FileJournal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}
