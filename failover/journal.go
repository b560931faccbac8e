package failover

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/regdr/regdr/internal/flock"
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
	// NameMap, in a failover's entries, is the forward name map recorded at failover
	// (Harbor repository → ACR EE repository; [NameMapper]), as the plan carried it:
	// what the reverse lag and reverse replication invert at failback
	// ([RecordedNameMap]). Absent from entries without one, and from journals written
	// before it existed, which read and verify as they did.
	NameMap map[string]string `json:"name_map,omitempty"`
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
// leaves no file behind.
//
// Every line carries a MAC: an HMAC-SHA256 of the entry under the plan key kept next to
// the journal ([PlanKeyFile], created on the first Append as [LoadPlanKey] does — the key
// a switcher seals its plans with by default). Reading refuses a line that does not match
// its MAC ([ErrTamperedJournal]), so an edited journal cannot steer a failback. Lines
// without a MAC are read only when they are in the layout of the version before
// journals were authenticated (no outcome) and precede every authenticated line: a
// journal written by that version, carried on by this one. A journal file that other
// users may write is refused ([ErrInvalid]), as is a file that is not a journal.
//
// A failover's entries carry the forward name map it recorded (NameMap), covered by the
// MAC like every other field: removing or editing it is tampering. The field is left out
// of entries without one, so journals written before it existed read and verify
// unchanged; a version that predates it refuses a journal holding one as tampered
// (it cannot recompute the MAC over a field it does not know), never misreads it.
//
// It is safe for concurrent use within a process and, where flock(2) exists (Linux, the
// BSDs, macOS), between processes: appends and the repairs below hold an exclusive lock
// on the file. A partial last line (a crash mid-write) is ignored when reading and cut off
// before the next append, and an append that fails halfway (a full disk) is cut off again.
type FileJournal struct {
	path string

	mu     sync.Mutex
	f      *os.File // nil until the file exists
	key    []byte   // nil until loaded
	closed bool
}

// OpenFileJournal opens the journal at path; a file that does not exist yet is created
// by the first Append, in path's directory, which must exist. An existing file must be a
// journal that only its owner may write ([ErrInvalid]). A partial last line, left by a
// crash mid-append and never acknowledged, is cut off.
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
	if err := adopt(f, path); err != nil {
		f.Close()
		return nil, fmt.Errorf("opening journal %s: %w", path, err)
	}
	return &FileJournal{path: path, f: f}, nil
}

// adopt checks, under the file's lock, that f is a journal only its owner may write, and
// cuts off a partial last line.
func adopt(f *os.File, path string) error {
	unlock, err := flock.Lock(f, true)
	if err != nil {
		return err
	}
	defer unlock()
	if err := checkMode(f, path); err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if _, err := ReadJournal(io.NewSectionReader(f, 0, fi.Size())); err != nil {
		return fmt.Errorf("%w: %s is not a journal: %w", ErrInvalid, path, err)
	}
	return cutPartialLine(f)
}

// checkMode refuses a journal file that users other than its owner may write.
func checkMode(f *os.File, path string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%w: journal %s is writable by other users (mode %v): chmod 600 it", ErrInvalid, path, fi.Mode().Perm())
	}
	return nil
}

func errNotDir(fi fs.FileInfo) error {
	if fi != nil && !fi.IsDir() {
		return errors.New("its directory is not a directory")
	}
	return nil
}

// create makes the journal file on first append; j.mu is held. A file made at path since
// the journal was opened — by another process's journal — is adopted if it is a journal.
func (j *FileJournal) create() error {
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		if f, err = os.OpenFile(j.path, os.O_RDWR|os.O_APPEND, 0); err != nil {
			return err
		}
		if err := adopt(f, j.path); err != nil {
			f.Close()
			return err
		}
		j.f = f
		return nil
	}
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

// Append writes e as one line, with its MAC, and syncs the file.
func (j *FileJournal) Append(ctx context.Context, e JournalEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return fmt.Errorf("appending to journal: %w", os.ErrClosed)
	}
	if j.key == nil {
		key, err := LoadPlanKey(PlanKeyFile(j.path))
		if err != nil {
			return fmt.Errorf("appending to journal: %w", err)
		}
		j.key = key
	}
	line, err := journalLineOf(j.key, e)
	if err != nil {
		return fmt.Errorf("encoding journal entry: %w", err)
	}
	if j.f == nil {
		if err := j.create(); err != nil {
			return fmt.Errorf("creating journal: %w", err)
		}
	}
	unlock, err := flock.Lock(j.f, true)
	if err != nil {
		return fmt.Errorf("appending to journal: %w", err)
	}
	defer unlock()
	if err := checkMode(j.f, j.path); err != nil {
		return fmt.Errorf("appending to journal: %w", err)
	}
	// Another process may have died mid-append since: never glue a line to its remains.
	if err := cutPartialLine(j.f); err != nil {
		return fmt.Errorf("appending to journal: %w", err)
	}
	fi, err := j.f.Stat()
	if err != nil {
		return fmt.Errorf("appending to journal: %w", err)
	}
	if _, err := j.f.Write(line); err != nil {
		// A write that failed halfway (a full disk) must not leave a partial line: the
		// next entry would be glued to it and the journal could no longer be read. The
		// lock keeps other processes' entries out of the part cut off.
		return fmt.Errorf("appending to journal: %w", errors.Join(err, j.f.Truncate(fi.Size())))
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("syncing journal: %w", err)
	}
	return nil
}

// Entries reads every entry from the file (none before the first Append), checking each
// line's MAC.
func (j *FileJournal) Entries(ctx context.Context) ([]JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return readJournalFile(j.path, j.key)
}

// ReadJournalFile reads the entries of the journal file at path without opening it for
// writing, as [FileJournal.Entries] does: a file that does not exist holds none, and a
// partial last line (a crash mid-append, never acknowledged) is ignored. Each line's MAC
// is checked under the key kept next to the journal ([PlanKeyFile]; [ErrTamperedJournal]),
// and a file that other users may write is refused ([ErrInvalid]). Lines may be of any
// length; errors name the file and the line.
func ReadJournalFile(path string) ([]JournalEntry, error) {
	return readJournalFile(path, nil)
}

// readJournalFile reads the journal at path, checking MACs under key, or (nil) the key
// kept next to the journal if there is one.
func readJournalFile(path string, key []byte) ([]JournalEntry, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	defer f.Close()
	unlock, err := flock.Lock(f, false)
	if err != nil {
		return nil, fmt.Errorf("reading journal %s: %w", path, err)
	}
	defer unlock()
	if err := checkMode(f, path); err != nil {
		return nil, fmt.Errorf("reading journal: %w", err)
	}
	if key == nil {
		key, err = readPlanKey(PlanKeyFile(path))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("reading journal %s: %w", path, err)
		}
	}
	entries, err := readJournal(f, key, true)
	if err != nil {
		return nil, fmt.Errorf("reading journal %s: %w", path, err)
	}
	return entries, nil
}

// ReadJournal reads journal entries, one JSON object per line, from r. Blank lines are
// skipped and a last line without its newline (never acknowledged) is ignored; lines may
// be of any length. An error names the line. It does not check the lines' MACs: it has
// no key ([ReadJournalFile] and [FileJournal.Entries] do).
func ReadJournal(r io.Reader) ([]JournalEntry, error) {
	return readJournal(r, nil, false)
}

// journalLine is a journal file's line: the entry and its MAC.
type journalLine struct {
	JournalEntry
	MAC string `json:"mac,omitempty"`
}

// journalMAC is the MAC of e under key: an HMAC-SHA256 of the entry's JSON.
func journalMAC(key []byte, e *JournalEntry) (string, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("regdr/failover journal v1\n"))
	m.Write(b)
	return sealPrefix + hex.EncodeToString(m.Sum(nil)), nil
}

// journalLineOf encodes e with its MAC under key, newline included. The MAC covers e as
// it reads back — JSON replaces invalid UTF-8, so e itself might not re-encode the same.
func journalLineOf(key []byte, e JournalEntry) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	e = JournalEntry{}
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, err
	}
	mac, err := journalMAC(key, &e)
	if err != nil {
		return nil, err
	}
	b, err = json.Marshal(journalLine{JournalEntry: e, MAC: mac})
	return append(b, '\n'), err
}

// readJournal reads entries from r; with verify set, it checks each line's MAC under key
// (nil: no key exists, so no authenticated line can be read): see [FileJournal].
func readJournal(r io.Reader, key []byte, verify bool) ([]JournalEntry, error) {
	var out []JournalEntry
	authenticated := false
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
		var l *journalLine
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if l == nil {
			return nil, fmt.Errorf("line %d: null is not a journal entry", n)
		}
		if verify {
			switch {
			case l.MAC == "" && (authenticated || l.Outcome != ""):
				return nil, fmt.Errorf("%w: line %d carries no MAC", ErrTamperedJournal, n)
			case l.MAC == "":
				// The previous version's layout, before any authenticated line.
			case key == nil:
				return nil, fmt.Errorf("%w: line %d carries a MAC but the journal's key file is missing", ErrTamperedJournal, n)
			default:
				want, err := journalMAC(key, &l.JournalEntry)
				if err != nil || !hmac.Equal([]byte(want), []byte(l.MAC)) {
					return nil, fmt.Errorf("%w: line %d does not match its MAC (edited, or written with another key)", ErrTamperedJournal, n)
				}
				authenticated = true
			}
		}
		out = append(out, l.JournalEntry)
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
