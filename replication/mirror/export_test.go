package mirror

import "time"

// SetSourceTimeout gives a RegistrySource a short request timeout and two attempts, for
// tests of stalled registries.
func SetSourceTimeout(s *RegistrySource, d time.Duration) {
	s.c.retry = policy{Attempts: 2, Timeout: d}.withDefaults()
}
