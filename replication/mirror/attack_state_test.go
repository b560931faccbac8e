package mirror_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/regdr/regdr/internal/flock"

	"github.com/regdr/regdr/replication/mirror"
)

// A state file that can no longer be written (here its lock cannot be taken; a full disk
// or a read-only directory alike) must not freeze the records: the rotation that checks
// every record again within StateRecheck runs advances with each write, so with no write
// the same eighth of the tags would be checked on every run and a destination tag
// someone re-pointed in the other seven eighths would be trusted forever.
func TestAttackStateUnwritableStillRechecks(t *testing.T) {
	t.Parallel()
	e := newStateEnv(t)
	if rep, err := e.syncer(t, mirror.Options{}).Sync(testCtx(t)); err != nil {
		t.Fatalf("first Sync: %v\n%v", err, rep)
	}
	if err := os.Remove(e.path + ".lock"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(e.path+".lock", 0o700); err != nil { // the lock can no longer be opened
		t.Fatal(err)
	}
	for i, ref := range []string{"s/a:v1", "s/a:v2", "s/b:v1", "s/b:v2", "s/c:v1"} {
		e.push(t, e.dst.Host, map[string]any{ref: e.fx.Image(fmt.Sprintf("intruder%d", i), 20+i)})
	}
	for i := range mirror.StateRecheck {
		rep, err := e.syncer(t, mirror.Options{Override: true}).Sync(testCtx(t))
		if err != nil {
			t.Fatalf("run %d: %v\n%v", i+1, err, rep)
		}
		if e.mirrored(t, e.dst.Host) {
			t.Logf("mirrored after %d runs", i+1)
			return
		}
	}
	t.Errorf("after %d runs that could not write the state, the destination still differs from the source: records trusted forever", mirror.StateRecheck)
}

// Another process holding the state's lock (a run stuck writing on a hung disk, a user's
// flock(1)) must not hold a Sync forever once its work is done: the wait for the lock is
// bounded by Options.Timeout, and the run ends with its result, the state not written.
func TestAttackStateLockHeldElsewhere(t *testing.T) {
	t.Parallel()
	if !flock.Supported {
		t.Skip("no flock(2) here")
	}
	e := newStateEnv(t)
	f, err := os.OpenFile(e.path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := flock.Lock(f, true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unlock(); f.Close() })
	done := make(chan error, 1)
	go func() {
		_, err := e.syncer(t, mirror.Options{Timeout: 200 * time.Millisecond}).Sync(testCtx(t))
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Sync: %v, want the copy's success", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Sync still waits for the state's lock 30s after a 200ms Timeout")
	}
	if !e.mirrored(t, e.dst.Host) {
		t.Error("destination differs from the source")
	}
}
