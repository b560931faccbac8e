package failover

import (
	"bytes"
	"encoding/json"
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

// TestSealSurvivesInvalidUTF8: a plan whose reason is not valid UTF-8 (typed in another
// encoding) still applies once saved to a file and read back: the seal covers the plan as
// it reads back.
func TestSealSurvivesInvalidUTF8(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.switcher(t)
	req := failoverRequest()
	req.Reason = "caf\xe9 <down>"
	plan, err := s.PlanFailover(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	read, err := DecodePlan(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := s.Apply(ctx(t), read); err != nil || res.Writes() != 1 {
		t.Errorf("Apply(plan read back) = %+v, %v; want one write", res, err)
	}
}
