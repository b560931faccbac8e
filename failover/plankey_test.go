package failover

import (
	"bytes"
	"path/filepath"
	"testing"
)

// TestLoadPlanKeyConcurrentFirstUse: two processes sealing their first plan at once (the
// -watch daemon and an operator's -out run) both create the key file; the loser must read
// the winner's whole key, never an empty or partial file. Goroutines stand in for the
// processes: the race is on the file.
func TestLoadPlanKeyConcurrentFirstUse(t *testing.T) {
	t.Parallel()
	const runs = 200
	fails := 0
	for range runs {
		path := filepath.Join(t.TempDir(), "journal.key")
		type result struct {
			key []byte
			err error
		}
		got := make(chan result, 2)
		for range 2 {
			go func() { k, err := LoadPlanKey(path); got <- result{k, err} }()
		}
		a, b := <-got, <-got
		if a.err != nil || b.err != nil || !bytes.Equal(a.key, b.key) || len(a.key) != PlanKeySize {
			fails++
			if fails == 1 {
				t.Logf("first failure: %v / %v (keys equal: %v)", a.err, b.err, bytes.Equal(a.key, b.key))
			}
		}
	}
	if fails > 0 {
		t.Errorf("%d of %d concurrent first uses of a plan key file failed or disagreed", fails, runs)
	}
}
