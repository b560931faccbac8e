// Package alidns implements dns.Provider over Alibaba Cloud DNS for public domains (the
// alidns 2015-01-09 OpenAPI, through github.com/alibabacloud-go/alidns-20150109/v5) — the
// runbook's failover solution (b): Harbor's public name pointed at ACR EE.
//
// [New](ctx, cfg, domain) binds a provider to one domain (DescribeDomainInfo; unknown →
// dns.ErrNoZone). cfg is an alicloud.Config, shared with acr: region (default
// cn-hangzhou), endpoint, credentials — nil uses the credentials-go default chain
// (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET,
// ALIBABA_CLOUD_SECURITY_TOKEN, profiles, an ECS RAM role, OIDC) —, timeouts, and the
// retry policy and clock for throttling, 5xx and network failures.
//
// [Provider.Records] reads every record (DescribeDomainRecords) or those of one name
// (DescribeSubDomainRecords, which also answers deeper names: they are filtered out), all
// pages. [Provider.Apply] is a compare-and-swap by intent (re-read, check, write with
// UpdateDomainRecord) and always sends the TTL back — UpdateDomainRecord resets an
// omitted TTL to 600 s. The API answers DomainRecordDuplicate when an update changes
// nothing; Apply counts it as success once a re-read shows the record is the target.
// Records and changes are validated before the first call. [Provider.AddRecord]
// (AddDomainRecord) and [Provider.SetRecordStatus] (SetDomainRecordStatus) are the
// optional dns capabilities; failover does not use them.
//
// TTLs: the smallest TTL depends on the domain's edition (600 s on the free and personal
// editions). New reads it (DescribeDomainInfo MinTtl); a record or change with a lower TTL
// is refused before any call with [ErrTTLBelowMinimum] (a dns.ErrInvalidRecord) whose
// message names the floor and the edition, and so is the API's own QuotaExceeded.TTL. A
// change without a TTL keeps the record's.
//
// # Errors
//
// Errors wrap the dns sentinels (ErrNotFound, ErrNoZone, ErrRecordChanged,
// ErrUnauthorized, ErrThrottled, ErrInvalidRecord), so
// that code written against package dns handles them, and the alicloud sentinels
// (alicloud.ErrServer, alicloud.ErrNetwork…); they carry the remote code and request ID:
// errors.As with *alicloud.Error, the one error type of regdr's Alibaba Cloud clients,
// owned by the neutral package alicloud rather than acr. No AccessKey secret or STS token
// appears in an error or a log line.
//
// Remote codes: InvalidDomainName.NoExist and IncorrectDomainUser (the domain is not in
// this account) are ErrNoZone from New and ErrNotFound later; DomainRecordNotBelongToUser
// (no such record in this account) is ErrNotFound; DomainRecordConflict is
// ErrInvalidRecord; Throttling.* are ErrThrottled; Forbidden.RAM, IllegalUser and bad
// AccessKeys are ErrUnauthorized.
//
// # Concurrency
//
// A Provider is safe for concurrent use; concurrent Apply calls on one record race like
// any read-then-write (see the dns package).
//
// # Testing
//
// dnstest.NewAlidns emulates the API on loopback, signature checks included; its
// Config(t) serves it and returns the alicloud.Config that points a provider at it, in
// one line. dnstest.NewDNSServer
// then answers DNS queries for the emulated domains (DNSServer.ListenPublic), and
// dnstest.TestProvider is the conformance suite this provider passes.
package alidns
