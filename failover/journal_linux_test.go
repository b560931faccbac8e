//go:build linux

package failover

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestFileJournalFailedAppendLeavesNoPartialLine: an append that fails halfway (the disk
// fills up: here the file size limit, RLIMIT_FSIZE, in a child process) leaves no partial
// line behind, so the next append, once there is room again, does not glue itself to it
// and every acknowledged entry stays readable for failback.
func TestFileJournalFailedAppendLeavesNoPartialLine(t *testing.T) {
	t.Parallel()
	if path := os.Getenv("REGDR_JOURNAL_FSIZE_CHILD"); path != "" {
		os.Exit(journalFsizeChild(path))
	}
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(c, os.Args[0], "-test.run=^TestFileJournalFailedAppendLeavesNoPartialLine$", "-test.count=1")
	cmd.Env = append(os.Environ(), "REGDR_JOURNAL_FSIZE_CHILD="+path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	j, err := OpenFileJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	es, err := j.Entries(ctx(t))
	if err != nil || len(es) != 2 || es[0].PlanID != "first" || es[1].PlanID != "after" {
		t.Errorf("entries after a failed append = %d %v, want first and after", len(es), err)
	}
}

// journalFsizeChild appends one entry, fails one halfway under a file size limit, lifts
// the limit and appends another. It returns the exit status.
func journalFsizeChild(path string) int {
	signal.Ignore(syscall.SIGXFSZ) // write fails with EFBIG instead of killing the process
	j, err := OpenFileJournal(path)
	if err != nil {
		return 3
	}
	e := JournalEntry{PlanID: "first", Kind: KindFailover, Target: "t", FQDN: "cross-region.registry.io",
		From: Value{Type: "A", Value: harborIP, TTL: 60}, To: Value{Type: "CNAME", Value: acrDomain, TTL: 60}}
	if err := j.Append(context.Background(), e); err != nil {
		return 4
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 5
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		return 6
	}
	small := lim
	small.Cur = uint64(fi.Size() + 40) // room for part of the next line only
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &small); err != nil {
		return 7
	}
	e.PlanID = "failed"
	err = j.Append(context.Background(), e)
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		return 8
	}
	if !errors.Is(err, syscall.EFBIG) {
		return 9 // the append did not fail as the test needs
	}
	e.PlanID = "after"
	if err := j.Append(context.Background(), e); err != nil {
		return 10
	}
	if err := j.Close(); err != nil {
		return 11
	}
	return 0
}
