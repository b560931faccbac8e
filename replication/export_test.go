package replication

// SetListerRetry sets the retry policy (timeouts included) of a RegistryTagLister, for tests
// that need a short timeout.
func SetListerRetry(l *RegistryTagLister, r SyncRetry) { l.c.retry = r }
