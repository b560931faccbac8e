package failover

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// PlanKeySize is the size, in bytes, of a plan key that [LoadPlanKey] creates, and the
// least [WithPlanKey] accepts.
const PlanKeySize = 32

// sealPrefix names the MAC, so that another scheme can be told apart later.
const sealPrefix = "hmac-sha256:"

// WithPlanKey sets the key that seals plans: [Switcher.PlanFailover] and
// [Switcher.PlanFailback] stamp each plan with an HMAC-SHA256 of its contents under the
// key, and [Switcher.Apply] refuses a plan whose seal does not match ([ErrTamperedPlan]).
// The key must be at least PlanKeySize bytes and never leaves the process. The default
// is the key file next to the journal when the journal is a [FileJournal]
// ([PlanKeyFile]), and otherwise a random key made for this switcher alone (its plans
// can only be applied by it).
func WithPlanKey(key []byte) Option {
	return func(s *Switcher) error {
		if len(key) < PlanKeySize {
			return fmt.Errorf("%w: a plan key needs at least %d bytes", ErrInvalid, PlanKeySize)
		}
		s.key, s.keyPath = bytes.Clone(key), ""
		return nil
	}
}

// WithPlanKeyFile seals plans with the key kept in the file at path, which
// [LoadPlanKey] creates on first use (see [WithPlanKey]). Give two switchers — two
// processes, say one that plans and one that applies — the same file and each applies
// the other's plans.
func WithPlanKeyFile(path string) Option {
	return func(s *Switcher) error {
		if path == "" {
			return fmt.Errorf("%w: empty plan key file name", ErrInvalid)
		}
		s.key, s.keyPath = nil, path
		return nil
	}
}

// PlanKeyFile returns where the plan key of the journal file journalPath is kept: next to
// it, named journalPath + ".key".
func PlanKeyFile(journalPath string) string { return journalPath + ".key" }

// LoadPlanKey reads the plan key kept at path (hex, one line). When the file does not
// exist it is created, mode 0600, holding PlanKeySize random bytes: written whole to a
// temporary file in the same directory, then linked to path, so that a process racing
// to create it either wins or reads the winner's whole key — never an empty or partial
// file. A key file that other users may read or write is refused: whoever holds the key
// can seal any plan.
func LoadPlanKey(path string) ([]byte, error) {
	key, err := readPlanKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key = make([]byte, PlanKeySize)
	rand.Read(key)
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("creating plan key: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("creating plan key %s: %w", path, err)
	}
	// A link, unlike a rename, fails when path exists: the first process to link wins.
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		return readPlanKey(path) // another process made it first, whole
	} else if err != nil {
		return nil, fmt.Errorf("creating plan key %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("creating plan key %s: %w", path, err)
	}
	return key, nil
}

func readPlanKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("reading plan key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading plan key %s: %w", path, err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: plan key %s is accessible to other users (mode %v): chmod 600 it", ErrInvalid, path, fi.Mode().Perm())
	}
	b := make([]byte, 4*PlanKeySize)
	n, _ := f.Read(b)
	key, err := hex.DecodeString(strings.TrimSpace(string(b[:n])))
	if err != nil || len(key) < PlanKeySize {
		// Never echo the file: it is the key.
		return nil, fmt.Errorf("%w: plan key %s does not hold %d hex-encoded bytes", ErrInvalid, path, PlanKeySize)
	}
	return key, nil
}

// planKey returns the switcher's key, loading (or creating) its key file on first use.
func (s *Switcher) planKey() ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	if s.keyPath == "" {
		s.key = make([]byte, PlanKeySize)
		rand.Read(s.key)
		return s.key, nil
	}
	key, err := LoadPlanKey(s.keyPath)
	if err != nil {
		return nil, err
	}
	s.key = key
	return key, nil
}

// planMAC is the seal of p under key: an HMAC-SHA256 of the plan's JSON without its
// seal. The JSON covers everything Apply acts on or records — kind, ID, creation and
// expiry, every change (from, to, TTLs, the observed record, the journal entry undone),
// the reason, actor, force and evidence — and reads back from a file byte for byte. It
// covers the plan as it reads back: JSON replaces invalid UTF-8 (a reason typed in another
// encoding), so the plan in memory might not re-encode the same.
func planMAC(key []byte, p *Plan) string {
	q := *p
	q.Seal = ""
	b, err := json.Marshal(&q)
	if err != nil {
		return "" // never matches a seal
	}
	var r Plan
	if err := json.Unmarshal(b, &r); err != nil {
		return ""
	}
	if b, err = json.Marshal(&r); err != nil {
		return ""
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("regdr/failover plan v1\n"))
	m.Write(b)
	return sealPrefix + hex.EncodeToString(m.Sum(nil))
}

// checkSeal refuses a plan whose seal does not match its contents under the switcher's key.
func (s *Switcher) checkSeal(p *Plan) error {
	key, err := s.planKey()
	if err != nil {
		return fmt.Errorf("checking plan %s: %w", p.ID, err)
	}
	if p.Seal == "" {
		return fmt.Errorf("%w: plan %s carries no seal", ErrTamperedPlan, p.ID)
	}
	if !hmac.Equal([]byte(planMAC(key, p)), []byte(p.Seal)) {
		return fmt.Errorf("%w: plan %s does not match its seal (edited, or made with another journal's key)", ErrTamperedPlan, p.ID)
	}
	if fingerprint(p.Changes) != p.Fingerprint {
		return fmt.Errorf("%w: plan %s: fingerprint does not match its observed records", ErrTamperedPlan, p.ID)
	}
	return nil
}
