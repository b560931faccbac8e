// Package dns is the vocabulary shared by regdr's DNS providers: a [Record], a [Zone], a
// [Change] (a compare-and-swap by intent) and the [Provider] interface that finds a zone,
// reads its records and applies one change.
//
// The package does no I/O. Implementations live in sibling packages:
// [github.com/regdr/regdr/dns/privatezone] (Alibaba Cloud PrivateZone, zones bound to VPCs)
// and [github.com/regdr/regdr/dns/alidns] (Alibaba Cloud public DNS).
//
// Record names are relative to their zone, the way both Alibaba products spell them
// ("@" for the apex, "www", "*.img"); [FQDN] and [Relative] convert.
//
// The Alibaba APIs have no conditional write, so [Provider.Apply] re-reads the record and
// refuses with [ErrRecordChanged] when it no longer holds [Change.ExpectValue]. The check
// narrows, but cannot close, the window between that read and the write.
//
// Optional capabilities are extension interfaces discovered by type assertion, the way
// io/fs does it: [RecordAdder] and [RecordStatusSetter], reached through the helpers
// [AddRecord] and [SetRecordStatus], which answer [ErrUnsupported] when a provider lacks them.
//
// # Errors
//
// Providers wrap the sentinels here, matched with errors.Is: [ErrNotFound], [ErrNoZone],
// [ErrAmbiguousZone], [ErrAmbiguousRecord], [ErrRecordChanged], [ErrInvalidRecord] (found
// before anything is sent: [ValidateRecord], [Change.Validate]), [ErrUnauthorized],
// [ErrThrottled] and [ErrUnsupported]. The remote failure behind an error is the
// provider's own typed error: for the Alibaba Cloud providers, *alicloud.Error (reach it
// with errors.As), a type shared with package acr but owned by neither.
//
// # Concurrency
//
// Every type here is a plain value. Providers are safe for concurrent use, but two
// concurrent Apply calls on one record race like any read-then-write: the loser may or
// may not see [ErrRecordChanged].
//
// # Testing
//
// [github.com/regdr/regdr/dns/dnstest] emulates both Alibaba OpenAPIs on loopback (the
// real SDK clients run against them; pz.Config(t) starts one and configures a provider in
// one line), serves the emulated records over real DNS, and has a conformance suite,
// dnstest.TestProvider, that any Provider can run.
package dns
