package dns

import "errors"

// Sentinel errors. Providers wrap them (errors.Is works through every wrap) and join them
// with their own typed remote error, which carries the operation, the remote code and the
// request ID (reach it with errors.As).
var (
	// ErrNotFound: the zone or record does not exist.
	ErrNotFound = errors.New("dns: not found")
	// ErrRecordChanged: the record no longer holds the value a Change expected to replace.
	ErrRecordChanged = errors.New("dns: record changed since it was read")
	// ErrAmbiguousZone: several zones match the name (and VPC) a provider was given.
	ErrAmbiguousZone = errors.New("dns: several zones match")
	// ErrNoZone: no zone matches the name (and VPC) a provider was given.
	ErrNoZone = errors.New("dns: no zone matches")
	// ErrAmbiguousRecord: a Change named a record by name and type and several match.
	ErrAmbiguousRecord = errors.New("dns: several records match")
	// ErrInvalidRecord: a record or change fails validation; nothing was sent.
	ErrInvalidRecord = errors.New("dns: invalid record")
	// ErrUnauthorized: the credentials were refused or lack permission.
	ErrUnauthorized = errors.New("dns: unauthorized")
	// ErrThrottled: the remote API throttled the call (after any retries).
	ErrThrottled = errors.New("dns: throttled")
	// ErrUnsupported: the provider does not implement an optional capability.
	ErrUnsupported = errors.New("dns: operation not supported by this provider")
)
