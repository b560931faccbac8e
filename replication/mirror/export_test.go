package mirror

import (
	"encoding/json"
	"os"
	"time"
)

// SetSourceTimeout gives a RegistrySource a short request timeout and two attempts, for
// tests of stalled registries.
func SetSourceTimeout(s *RegistrySource, d time.Duration) {
	s.c.retry = policy{Attempts: 2, Timeout: d}.withDefaults()
}

// ResealState edits the state file at path as a user who knows its format would: edit
// gets the file as generic JSON, and the file is written back with a matching checksum.
func ResealState(path string, edit func(map[string]any)) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	edit(m)
	delete(m, "checksum")
	if raw, err = json.Marshal(m); err != nil {
		return err
	}
	raw = seal(raw)
	return os.WriteFile(path, raw, 0o600)
}

// StateRecheck is how many runs a state record is trusted for at most.
const StateRecheck = stateRecheck
