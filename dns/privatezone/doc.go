// Package privatezone implements dns.Provider over Alibaba Cloud PrivateZone (the
// pvtz 2018-01-01 OpenAPI, through github.com/alibabacloud-go/pvtz-20180101/v2).
//
// A PrivateZone account may hold several zones with the same name, each bound to
// different VPCs — the disaster-recovery runbook's case. [New] therefore finds a zone by
// exact name and the VPC it is bound to (DescribeZones with SearchMode EXACT, then
// DescribeZoneInfo for the bindings); no match is dns.ErrNoZone, several are
// dns.ErrAmbiguousZone.
//
// [Provider.Apply] is a compare-and-swap by intent (re-read, check, write) and keeps the
// record's TTL: UpdateZoneRecord resets an omitted TTL to 60 s, so the current one is
// sent back unless the change sets another. PrivateZone accepts the TTLs in [TTLs] only;
// every record and change is validated before the first call.
//
// Errors wrap the dns sentinels (ErrNotFound, ErrUnauthorized, ErrThrottled,
// ErrInvalidRecord...) and carry the remote code and request ID (errors.As with the
// shared *aliyun.Error). Credentials, timeouts and retries on throttling come from
// [Config]; a nil Credentials uses the credentials-go default chain.
//
// # Concurrency
//
// A Provider is safe for concurrent use; concurrent Apply calls on one record race like
// any read-then-write (see the dns package).
//
// # Testing
//
// dnstest.NewPrivateZone emulates the API on loopback, signature checks included; point
// [Config].Endpoint at it with PlainHTTP and the dnstest AccessKey. dnstest.NewDNSServer
// then answers DNS queries from the emulated zones, per VPC.
package privatezone
